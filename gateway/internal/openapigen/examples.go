package main

import (
	"regexp"
	"strings"
)

// maxExampleDepth bounds nested messages in a synthesised example.
const maxExampleDepth = 6

// exampleStrings are example values of string fields, by field name.
var exampleStrings = map[string]string{
	"gss_code":        "E08000035",
	"dfe_code":        "383",
	"display_name":    "Leeds",
	"official_name":   "Leeds City Council",
	"etag":            "3",
	"next_page_token": "",
	"page_token":      "",
	"request_id":      "5b2f7c1e-8d4a-4f0e-9c3b-2a1d6e7f8a90",
	"filter":          "",
	"order_by":        "",
	"lead_inspector":  "Sam Patel",
	"reason":          "A written reason for the decision.",
}

// resourcePattern is a resource name in a description: `localAuthorities/{la}/inspections/{inspection}`.
var resourcePattern = regexp.MustCompile("`((?:[a-z][A-Za-z]+/\\{[a-z_]+\\}/?)+(?:[a-z][A-Za-z]+)?)`")

// example synthesises an example value for a schema: enums take their first
// specified value, resource names follow the pattern their Get path spells,
// and request examples leave out output-only fields.
func (e *enricher) example(schema any, request bool, depth int, seen []string) any {
	s, ok := schema.(obj)
	if !ok {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, schemaRefPrefix)
		for _, n := range seen {
			if n == name {
				return nil
			}
		}
		target, ok := e.schemas[name].(obj)
		if !ok {
			return nil
		}
		return e.exampleOf(name, target, request, depth, append(seen, name))
	}
	return e.exampleOf("", s, request, depth, seen)
}

func (e *enricher) exampleOf(schemaName string, s obj, request bool, depth int, seen []string) any {
	if v, ok := exampleEnums[schemaName]; ok {
		return v
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		for _, v := range enum {
			if str, _ := v.(string); !strings.HasSuffix(str, "_UNSPECIFIED") {
				return v
			}
		}
		return enum[0]
	}
	typ, _ := s["type"].(string)
	switch typ {
	case "array":
		item := e.example(s["items"], request, depth+1, seen)
		if item == nil {
			return []any{}
		}
		return []any{item}
	case "string":
		switch s["format"] {
		case "date-time":
			return "2026-03-02T09:30:00Z"
		case "int64", "uint64":
			return "42"
		case "byte":
			return "dHVybmFyb3VuZA=="
		}
		return "text"
	case "integer":
		return 3
	case "number":
		return 0.75
	case "boolean":
		return false
	}
	props, _ := s["properties"].(obj)
	if props == nil {
		if ap, ok := s["additionalProperties"].(obj); ok && depth < maxExampleDepth {
			return obj{"key": e.example(ap, request, depth+1, seen)}
		}
		return obj{}
	}
	out := obj{}
	if depth >= maxExampleDepth {
		return out
	}
	for _, k := range sortedKeys(props) {
		p, _ := props[k].(obj)
		if ro, _ := p["readOnly"].(bool); ro && request {
			continue
		}
		if v := e.fieldExample(schemaName, k, p, request, depth, seen); v != nil {
			out[k] = v
		}
	}
	e.dropLaterMembers(schemaName, out)
	return out
}

func (e *enricher) fieldExample(schemaName, field string, p obj, request bool, depth int, seen []string) any {
	if t, _ := p["type"].(string); t == "string" && p["format"] == nil && p["enum"] == nil {
		if field == "name" && e.names[schemaName] != "" {
			return e.names[schemaName]
		}
		if v, ok := exampleStrings[field]; ok {
			return v
		}
		if desc, _ := p["description"].(string); desc != "" {
			if m := resourcePattern.FindStringSubmatch(desc); m != nil {
				return fillPattern(m[1])
			}
		}
		return strings.ReplaceAll(field, "_", " ")
	}
	if t, _ := p["type"].(string); t == "integer" && (field == "page_size" || field == "total_size") {
		return 25
	}
	return e.example(p, request, depth+1, seen)
}

// fillPattern turns `localAuthorities/{la}/inspections/{inspection}` into an example name.
func fillPattern(pattern string) string {
	segs := strings.Split(strings.TrimSuffix(pattern, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i > 0 {
			segs[i] = exampleID(segs[i-1])
		}
	}
	return strings.Join(segs, "/")
}

// errorExample is a google.rpc.Status as the API renders it.
func errorExample(code int, message, reason string, violations ...obj) obj {
	details := []any{obj{
		"@type":    "type.googleapis.com/google.rpc.ErrorInfo",
		"reason":   reason,
		"domain":   "turnaround",
		"metadata": obj{},
	}}
	if len(violations) > 0 {
		vs := make([]any, len(violations))
		for i, v := range violations {
			vs[i] = v
		}
		details = append(details, obj{"@type": "type.googleapis.com/google.rpc.BadRequest", "field_violations": vs})
	}
	return obj{"code": code, "message": message, "details": details}
}

var notFoundExample = errorExample(5, "local authority localAuthorities/E08999999 not found", "LOCAL_AUTHORITY_NOT_FOUND")

// errorResponses are the shared error responses every operation refers to.
func errorResponses() obj {
	resp := func(desc string, example obj) obj {
		return obj{
			"description": desc,
			"content": obj{"application/json": obj{
				"schema":  obj{"$ref": schemaRefPrefix + "Status"},
				"example": example,
			}},
		}
	}
	return obj{
		"BadRequest": resp("`INVALID_ARGUMENT` or `FAILED_PRECONDITION`: the request is malformed (an unknown query parameter or body field, a value of the wrong type, an invalid filter), or not allowed in the resource's current state. A `google.rpc.BadRequest` names each offending field.",
			errorExample(3, "invalid request", "INVALID_ARGUMENT", obj{"field": "colour", "description": "unknown query parameter; this operation accepts: filter, order_by, page_size, page_token"})),
		"Unauthenticated": resp("`UNAUTHENTICATED`: no valid bearer token.",
			errorExample(16, "a bearer token is required", "UNAUTHENTICATED")),
		"PermissionDenied": resp("`PERMISSION_DENIED`: the token may not do this, or not to this resource.",
			errorExample(7, "the caller may not read this resource", "PERMISSION_DENIED")),
		"NotFound": resp("`NOT_FOUND`: no such resource.", notFoundExample),
		"Conflict": resp("`ABORTED` or `ALREADY_EXISTS`: a stale `etag`, a concurrent change, or a duplicate.",
			errorExample(10, "the resource changed since it was read; read it again", "ETAG_MISMATCH")),
		"TooLarge": resp("`RESOURCE_EXHAUSTED`: the request body is larger than the gateway accepts.",
			errorExample(8, "request body exceeds 1048576 bytes", "REQUEST_TOO_LARGE")),
		"UnsupportedMediaType": resp("The request body is not `application/json`.",
			errorExample(3, "request bodies must be application/json, not text/plain", "UNSUPPORTED_MEDIA_TYPE")),
		"Unavailable": resp("`UNAVAILABLE`: a service or its store is down; retry after the `Retry-After` header's seconds.",
			errorExample(14, "the service is unavailable; retry later", "UNAVAILABLE")),
		"Error": resp("Any other error, always a `google.rpc.Status`: `504` `DEADLINE_EXCEEDED` when the request took too long, `500` `INTERNAL` for a fault of ours (its text is never shown).",
			errorExample(4, "the request deadline was exceeded", "DEADLINE_EXCEEDED")),
	}
}

// infoDescription is the prose of the reference: how to authenticate and
// what errors look like.
const infoDescription = `The REST API of Turnaround. Every operation is also a gRPC method of the same name; this document is generated from the protobuf contracts.

## Authentication

Every API call needs a bearer token: send it in the ` + "`Authorization`" + ` header as ` + "`Authorization: Bearer <token>`" + `. Tokens are JSON Web Tokens naming who you are and your roles (and, for council or sponsor officers, the council or sponsor you act for). A missing or invalid token gets ` + "`401`" + `; a valid token without the right role or object access gets ` + "`403`" + `.

For local development, mint a token for a role with the ` + "`turnaround`" + ` binary:

` + "```sh" + `
TOKEN=$(turnaround token -role dfe_official)
curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/v1/localAuthorities
` + "```" + `

Running ` + "`turnaround`" + ` with no arguments also prints ready-to-use development tokens for each role. In this reference, use **Authorize** to paste a token; **Try it out** then sends it.

## Requests

- Bodies are JSON (` + "`Content-Type: application/json`" + `; anything else gets ` + "`415`" + `) with the proto field names (` + "`display_name`" + `, not ` + "`displayName`" + `).
- Unknown query parameters and unknown body fields are refused with ` + "`400`" + ` and a field violation naming them, as is any value of the wrong type: the violation says what was expected (the allowed enum values, the date format).
- Responses include fields that hold their default value (` + "`0`" + `, ` + "`false`" + `, ` + "`\"\"`" + `, ` + "`[]`" + `), so an absent field never means zero. Unset messages (a timestamp not yet reached) are left out.
- Lists take ` + "`page_size`" + ` and an opaque ` + "`page_token`" + `, and answer ` + "`next_page_token`" + ` (empty on the last page); some take a ` + "`filter`" + ` and an ` + "`order_by`" + `.
- Updates (` + "`PATCH`" + `) take an ` + "`update_mask`" + ` and the resource's ` + "`etag`" + `; a stale etag gets ` + "`409`" + `.
- Create and action methods take a ` + "`request_id`" + `: repeating it returns the first answer instead of acting twice.
- Send an ` + "`X-Request-Id`" + ` header (up to 128 visible ASCII characters) to trace a call through the services; otherwise the gateway makes one up. Either way it comes back in the response's ` + "`X-Request-Id`" + `. Request bodies are limited in size (` + "`413`" + `) and every request has a deadline (` + "`504`" + `).

## Errors

Errors are a ` + "`google.rpc.Status`" + ` object. ` + "`details`" + ` always holds a ` + "`google.rpc.ErrorInfo`" + ` whose ` + "`reason`" + ` is a stable machine-readable code, and invalid input adds a ` + "`google.rpc.BadRequest`" + ` listing each offending field:

` + "```json" + `
{
  "code": 3,
  "message": "invalid request",
  "details": [
    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "INVALID_ARGUMENT", "domain": "turnaround", "metadata": {}},
    {"@type": "type.googleapis.com/google.rpc.BadRequest",
     "field_violations": [{"field": "page_size", "description": "must not be negative"}]}
  ]
}
` + "```" + `

| HTTP | Status code | Meaning |
|------|-------------|---------|
| 400 | ` + "`INVALID_ARGUMENT`, `FAILED_PRECONDITION`" + ` | The request is malformed, or not allowed in the resource's current state. |
| 401 | ` + "`UNAUTHENTICATED`" + ` | No valid bearer token. |
| 403 | ` + "`PERMISSION_DENIED`" + ` | The token may not do this, or not to this resource. |
| 404 | ` + "`NOT_FOUND`" + ` | No such resource (or route). |
| 409 | ` + "`ABORTED`, `ALREADY_EXISTS`" + ` | A stale ` + "`etag`" + `, a concurrent change, or a duplicate. |
| 413 | ` + "`RESOURCE_EXHAUSTED`" + ` | The request body is too large (reason ` + "`REQUEST_TOO_LARGE`" + `). |
| 415 | ` + "`INVALID_ARGUMENT`" + ` | The request body is not JSON (reason ` + "`UNSUPPORTED_MEDIA_TYPE`" + `). |
| 503 | ` + "`UNAVAILABLE`" + ` | A service is down; retry after ` + "`Retry-After`" + ` seconds. |
| 504 | ` + "`DEADLINE_EXCEEDED`" + ` | The request took too long. |
`
