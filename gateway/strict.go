package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// route is what the gateway knows of one REST operation before forwarding
// it: the request message, which of its fields the path and the body fill,
// and so which query parameters it takes.
type route struct {
	operation string
	input     protoreflect.MessageDescriptor
	// pathFields are the request fields bound to the path (name, inspection.name).
	pathFields map[string]bool
	// body is the request field the body fills, "*" for the whole request,
	// "" when the operation takes no body.
	body string
	// bodyDesc is the message the body decodes into.
	bodyDesc protoreflect.MessageDescriptor
	// query lists the accepted query parameters, for error messages.
	query []string
}

// routes maps "METHOD /v1/{name=localAuthorities/*}" (the route template as
// runtime.HTTPPattern spells it) to its operation.
type routes map[string]*route

// buildRoutes derives every operation's request shape from the Swagger 2.0
// document (which records each HTTP rule's path and body) and the request
// messages' descriptors.
func buildRoutes(swagger []byte) (routes, error) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name    string `json:"name"`
				In      string `json:"in"`
				Pattern string `json:"pattern"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(swagger, &doc); err != nil {
		return nil, fmt.Errorf("decode OpenAPI v2 document: %w", err)
	}
	out := routes{}
	for path, item := range doc.Paths {
		for method, op := range item {
			input, err := requestDescriptor(op.OperationID)
			if err != nil {
				return nil, err
			}
			r := &route{operation: op.OperationID, input: input, pathFields: map[string]bool{}}
			template := path
			for _, p := range op.Parameters {
				switch p.In {
				case "path":
					field := collisionSuffix.ReplaceAllString(p.Name, "")
					r.pathFields[field] = true
					glob := strings.NewReplacer("[^/]+", "*", ".+", "**").Replace(p.Pattern)
					if p.Pattern == "" {
						glob = "*"
					}
					template = strings.Replace(template, "{"+p.Name+"}", "{"+field+"="+glob+"}", 1)
				case "body":
					r.body, r.bodyDesc = "*", input
					if f := input.Fields().ByName(protoreflect.Name(p.Name)); f != nil && f.Message() != nil {
						r.body, r.bodyDesc = p.Name, f.Message()
					}
				}
			}
			if r.body != "*" {
				r.query = queryParams(input, "", r, 0)
				sort.Strings(r.query)
			}
			out[strings.ToUpper(method)+" "+template] = r
		}
	}
	return out, nil
}

// collisionSuffix is the suffix protoc-gen-openapiv2 adds to a path
// parameter whose name another operation on the same path already uses.
var collisionSuffix = regexp.MustCompile(`_[0-9]+$`)

// requestDescriptor finds the request message of Service_Method among the
// services the gateway exposes.
func requestDescriptor(operationID string) (protoreflect.MessageDescriptor, error) {
	svc, method, ok := strings.Cut(operationID, "_")
	if !ok {
		return nil, fmt.Errorf("operation id %q is not Service_Method", operationID)
	}
	for _, s := range services {
		if !strings.HasSuffix(s.name, "."+svc) {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(s.name))
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", operationID, err)
		}
		if m := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(method)); m != nil {
			return m.Input(), nil
		}
	}
	return nil, fmt.Errorf("operation %s: no such method among the exposed services", operationID)
}

// queryParams lists the request fields a query parameter may set: every
// field the path and body do not fill, nested messages as dotted paths.
func queryParams(md protoreflect.MessageDescriptor, prefix string, r *route, depth int) []string {
	var out []string
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		name := prefix + string(f.Name())
		if r.pathFields[name] || name == r.body {
			continue
		}
		if isNested(f) {
			if depth < 3 {
				out = append(out, queryParams(f.Message(), name+".", r, depth+1)...)
			}
			continue
		}
		out = append(out, name)
	}
	return out
}

// isNested reports whether a field is set from the query through its own
// fields (a.b=...) rather than as a value.
func isNested(f protoreflect.FieldDescriptor) bool {
	return f.Message() != nil && !f.IsList() && !f.IsMap() &&
		!strings.HasPrefix(string(f.Message().FullName()), "google.protobuf.")
}

// queryFieldKnown reports whether key (proto or JSON names, dotted) names a
// field of the request that the query may set.
func (r *route) queryFieldKnown(key string) bool {
	return r.queryField(key) != nil
}

// queryField is the request field key (proto or JSON names, dotted) sets
// from the query, or nil when the query may not set it.
func (r *route) queryField(key string) protoreflect.FieldDescriptor {
	if r.body == "*" {
		return nil
	}
	f, bound := r.queryPath(key)
	if f == nil || bound || isNested(f) {
		return nil
	}
	return f
}

// nestedQueryMessage is the message key names when the query sets it
// through its fields (as_of for as_of.year, as_of.month, as_of.day), or nil.
func (r *route) nestedQueryMessage(key string) protoreflect.MessageDescriptor {
	if r.body == "*" {
		return nil
	}
	if f, _ := r.queryPath(key); f != nil && isNested(f) {
		return f.Message()
	}
	return nil
}

// queryPath follows key (proto or JSON names, dotted) from the request
// message through its nested messages: the field it ends on, nil when a
// segment names no field, and whether that field or one on the way is
// bound to the path or the body.
func (r *route) queryPath(key string) (protoreflect.FieldDescriptor, bool) {
	md := r.input
	var f protoreflect.FieldDescriptor
	var path []string
	bound := false
	for seg := range strings.SplitSeq(key, ".") {
		if md == nil {
			return nil, false
		}
		f = md.Fields().ByName(protoreflect.Name(seg))
		if f == nil {
			f = md.Fields().ByJSONName(seg)
		}
		if f == nil {
			return nil, false
		}
		path = append(path, string(f.Name()))
		name := strings.Join(path, ".")
		bound = bound || r.pathFields[name] || name == r.body
		md = nil
		if isNested(f) {
			md = f.Message()
		}
	}
	return f, bound
}

// strictRequests refuses what the services would otherwise never see or
// silently ignore: unknown query parameters, request bodies that are not
// JSON, and JSON that does not decode into the request, each with a
// google.rpc.BadRequest naming the field and what was expected.
func (g *Gateway) strictRequests(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		p, ok := runtime.HTTPPattern(r.Context())
		if !ok {
			next(w, r, params)
			return
		}
		rt := g.routes[r.Method+" "+p.String()]
		if rt == nil {
			// The gateway's own routes (/healthz, /openapi.json) take nothing.
			next(w, r, params)
			return
		}
		q := r.URL.Query()
		if v := rt.unknownQuery(r.Method, q); len(v) > 0 {
			g.writeInvalid(w, "UNKNOWN_QUERY_PARAMETER", "unknown query parameter "+v[0].GetField(), v)
			return
		}
		if rt.expandQueryAliases(q) {
			// The generated handlers read r.Form, parsed from RawQuery on
			// first use; drop any earlier parse so they see the full names.
			r.URL.RawQuery, r.Form = q.Encode(), nil
		}
		if v := rt.invalidQueryValues(q); len(v) > 0 {
			g.writeInvalid(w, "INVALID_QUERY_PARAMETER", "invalid query parameter "+v[0].GetField()+": "+v[0].GetDescription(), v)
			return
		}
		if rt.body == "" || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next(w, r, params)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				g.writeStatus(w, http.StatusRequestEntityTooLarge, g.tooLargeStatus())
				return
			}
			g.writeInvalid(w, "UNREADABLE_BODY", "the request body could not be read", nil)
			return
		}
		body = expandEnumAliases(body, rt.bodyDesc)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		if len(bytes.TrimSpace(body)) == 0 {
			next(w, r, params)
			return
		}
		if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
			if ct == "" {
				ct = "no Content-Type"
			}
			g.writeStatus(w, http.StatusUnsupportedMediaType, statusSpec{
				code:    codes.InvalidArgument,
				reason:  "UNSUPPORTED_MEDIA_TYPE",
				message: fmt.Sprintf("request bodies must be application/json, not %s", ct),
				meta:    map[string]string{"content_type": r.Header.Get("Content-Type"), "accepted": "application/json"},
			})
			return
		}
		if err := protojson.Unmarshal(body, dynamicpb.NewMessage(rt.bodyDesc)); err != nil {
			prefix := ""
			if rt.body != "*" {
				prefix = rt.body
			}
			v := diagnoseJSON(body, rt.bodyDesc, prefix)
			if len(v) == 0 {
				field := prefix
				if field == "" {
					field = "body"
				}
				v = []*errdetails.BadRequest_FieldViolation{{Field: field, Description: protojsonText(err)}}
			}
			g.writeInvalid(w, "INVALID_REQUEST_BODY", "invalid request body: "+v[0].GetField()+": "+v[0].GetDescription(), v)
			return
		}
		next(w, r, params)
	}
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func (rt *route) unknownQuery(method string, q url.Values) []*errdetails.BadRequest_FieldViolation {
	var unknown []string
	for key := range q {
		if key == altParam && method == http.MethodGet {
			continue // the response format, read by csvExport
		}
		if !rt.queryFieldKnown(key) {
			unknown = append(unknown, key)
		}
	}
	sort.Strings(unknown)
	accepted := "this operation takes no query parameters"
	if len(rt.query) > 0 {
		accepted = "this operation accepts: " + strings.Join(rt.query, ", ")
	}
	out := make([]*errdetails.BadRequest_FieldViolation, len(unknown))
	for i, k := range unknown {
		desc := "unknown query parameter; " + accepted
		if md := rt.nestedQueryMessage(k); md != nil {
			desc = k + " is given through its fields: " + nestedExample(k, md) + "; " + accepted
		}
		out[i] = &errdetails.BadRequest_FieldViolation{Field: k, Description: desc}
	}
	return out
}

// nestedExample shows how the query sets a message through its fields.
func nestedExample(key string, md protoreflect.MessageDescriptor) string {
	f := md.Fields()
	if f.ByName("year") != nil && f.ByName("month") != nil && f.ByName("day") != nil {
		return fmt.Sprintf("a date is written %[1]s.year=2016&%[1]s.month=3&%[1]s.day=1", key)
	}
	names := make([]string, f.Len())
	for i := range names {
		names[i] = key + "." + string(f.Get(i).Name())
	}
	return strings.Join(names, ", ")
}

// invalidQueryValues checks every query value against the type of the
// field it sets, as the gateway's query parser will read it, so that a
// value of the wrong type (page_size=many) is refused with a violation
// naming the parameter and what it takes rather than the parser's text.
func (rt *route) invalidQueryValues(q url.Values) []*errdetails.BadRequest_FieldViolation {
	var out []*errdetails.BadRequest_FieldViolation
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		f := rt.queryField(key)
		if f == nil {
			continue // alt, or refused already as unknown
		}
		values := q[key]
		if !f.IsList() && len(values) > 1 {
			out = append(out, &errdetails.BadRequest_FieldViolation{Field: key,
				Description: fmt.Sprintf("given %d times; give it once", len(values))})
			continue
		}
		for _, v := range values {
			probe := dynamicpb.NewMessage(rt.input)
			if err := runtime.PopulateFieldFromPath(probe, key, v); err != nil {
				out = append(out, &errdetails.BadRequest_FieldViolation{Field: key, Description: expectedQueryValue(f, v)})
				break
			}
		}
	}
	return out
}

// expectedQueryValue says what a query parameter takes, and what it got.
func expectedQueryValue(f protoreflect.FieldDescriptor, v string) string {
	got := ", got " + strconv.Quote(v)
	switch f.Kind() {
	case protoreflect.BoolKind:
		return "expected true or false" + got
	case protoreflect.EnumKind:
		return "expected one of " + enumChoices(f.Enum()) + got
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "expected a 32-bit integer" + got
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "expected a 64-bit integer" + got
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return "expected a 32-bit non-negative integer" + got
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "expected a 64-bit non-negative integer" + got
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "expected a number" + got
	case protoreflect.BytesKind:
		return "expected base64-encoded bytes" + got
	case protoreflect.MessageKind:
		switch f.Message().FullName() {
		case "google.protobuf.Timestamp":
			return "expected an RFC 3339 timestamp such as 2026-03-02T09:30:00Z" + got
		case "google.protobuf.Duration":
			return "expected a duration such as 90s or 1h30m" + got
		}
		if w := f.Message().Fields().ByName("value"); w != nil && strings.HasPrefix(string(f.Message().FullName()), "google.protobuf.") {
			return expectedQueryValue(w, v)
		}
	}
	return "not a valid " + string(f.Kind().String()) + got
}

// writeInvalid answers 400 INVALID_ARGUMENT with the violations.
func (g *Gateway) writeInvalid(w http.ResponseWriter, reason, message string, v []*errdetails.BadRequest_FieldViolation) {
	st := statusSpec{code: codes.InvalidArgument, reason: reason, message: message}.proto()
	if len(v) > 0 {
		if withBR, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: v}); err == nil {
			st = withBR
		}
	}
	g.writeProto(w, http.StatusBadRequest, st)
}

var protojsonPrefix = regexp.MustCompile(`^proto:\s*(\(line \d+:\d+\):\s*)?`)

// protojsonText is a protojson error without its package prefix.
func protojsonText(err error) string {
	return protojsonPrefix.ReplaceAllString(err.Error(), "")
}
