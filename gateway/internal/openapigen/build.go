package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
)

// obj is a JSON object of the document being enriched. Working on the plain
// JSON tree keeps every enrichment a few lines; the output is written with
// sorted keys, so it is byte-for-byte reproducible.
type obj = map[string]any

// Title is the document's title. Its version is "dev" here; the gateway
// serves it with the version of the build (Config.Version).
const (
	Title          = "Turnaround API"
	VersionInFiles = "dev"
)

// Build converts the Swagger 2.0 document to OpenAPI 3 with openapi2conv and
// enriches it to the published OpenAPI 3.1 contract, returned as indented
// JSON with a trailing newline.
func Build(swagger []byte) ([]byte, error) {
	var v2 openapi2.T
	if err := json.Unmarshal(swagger, &v2); err != nil {
		return nil, fmt.Errorf("read Swagger 2.0 document: %w", err)
	}
	v3, err := openapi2conv.ToV3(&v2)
	if err != nil {
		return nil, fmt.Errorf("convert to OpenAPI 3: %w", err)
	}
	converted, err := json.Marshal(v3)
	if err != nil {
		return nil, fmt.Errorf("marshal OpenAPI 3: %w", err)
	}
	doc, err := decode(converted)
	if err != nil {
		return nil, err
	}
	src, err := decode(swagger)
	if err != nil {
		return nil, err
	}
	e := &enricher{doc: doc, src: src}
	if err := e.run(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("marshal OpenAPI 3.1: %w", err)
	}
	return buf.Bytes(), nil
}

func decode(data []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var o obj
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	return o, nil
}

type enricher struct {
	doc     obj // the converted document, enriched in place
	src     obj // the Swagger 2.0 source, for what the conversion drops
	schemas obj // doc.components.schemas
	// names maps each schema to an example resource name pattern, learnt
	// from the Get operations that return it.
	names map[string]string
	// oneofs are the oneof groups of each schema's message (field names).
	oneofs map[string][][]string
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (e *enricher) run() error {
	e.doc["openapi"] = "3.1.0"
	e.doc["info"] = obj{
		"title":       Title,
		"version":     VersionInFiles,
		"summary":     "Intervention and improvement in children's services: inspections, risk, peer review, improvement plans and sponsor matching.",
		"description": infoDescription,
	}
	e.doc["servers"] = []any{obj{"url": "/", "description": "The server that serves this document."}}
	e.doc["security"] = []any{obj{"bearerAuth": []any{}}}
	components := object(e.doc, "components")
	e.schemas = object(components, "schemas")

	e.restoreRefSiblings()
	e.renameSchemas()
	e.describeSchemas()
	e.markOneofs()
	components["securitySchemes"] = obj{"bearerAuth": obj{
		"type":         "http",
		"scheme":       "bearer",
		"bearerFormat": "JWT",
		"description":  "A JSON Web Token naming the caller, their roles and the council or sponsor they act for. For local development: `turnaround token -role dfe_official`.",
	}}
	components["responses"] = errorResponses()

	if err := e.renamePaths(); err != nil {
		return err
	}
	e.learnResourceNames()
	paths := object(e.doc, "paths")
	for _, p := range sortedKeys(paths) {
		item := paths[p].(obj)
		for _, m := range httpMethods {
			op, ok := item[m].(obj)
			if !ok {
				continue
			}
			e.operation(p, m, op)
		}
	}
	walkStrings(e.doc, cleanDescription)
	return nil
}

// restoreRefSiblings puts back what OpenAPI 3.0 could not say and the
// conversion therefore dropped: the description and readOnly of a property
// whose type is a $ref. OpenAPI 3.1 allows them beside the $ref.
func (e *enricher) restoreRefSiblings() {
	defs, _ := e.src["definitions"].(obj)
	for name, def := range defs {
		if dst, ok := e.schemas[name].(obj); ok {
			mergeSiblings(def.(obj), dst)
		}
	}
	srcPaths, _ := e.src["paths"].(obj)
	dstPaths, _ := e.doc["paths"].(obj)
	for p, item := range srcPaths {
		for _, m := range httpMethods {
			op, ok := item.(obj)[m].(obj)
			if !ok {
				continue
			}
			dstOp, ok := dig(dstPaths, p, m).(obj)
			if !ok {
				continue
			}
			params, _ := op["parameters"].([]any)
			for _, prm := range params {
				prm := prm.(obj)
				if prm["in"] == "body" {
					if dst, ok := dig(dstOp, "requestBody", "content", "application/json", "schema").(obj); ok {
						if s, ok := prm["schema"].(obj); ok {
							mergeSiblings(s, dst)
						}
					}
				}
			}
		}
	}
}

func mergeSiblings(src, dst obj) {
	if _, ok := src["$ref"]; ok {
		if _, ok := dst["$ref"]; ok {
			for _, k := range []string{"description", "readOnly", "title"} {
				if v, ok := src[k]; ok {
					dst[k] = v
				}
			}
		}
	}
	if sp, ok := src["properties"].(obj); ok {
		if dp, ok := dst["properties"].(obj); ok {
			for k, v := range sp {
				if d, ok := dp[k].(obj); ok {
					mergeSiblings(v.(obj), d)
				}
			}
		}
	}
	if si, ok := src["items"].(obj); ok {
		if di, ok := dst["items"].(obj); ok {
			mergeSiblings(si, di)
		}
	}
	if sa, ok := src["additionalProperties"].(obj); ok {
		if da, ok := dst["additionalProperties"].(obj); ok {
			mergeSiblings(sa, da)
		}
	}
}

// renameSchemas gives schemas the names a client generator turns into type
// names: LocalAuthority rather than v1LocalAuthority, Status rather than
// rpcStatus. Two messages of the same name in different packages keep
// their package: ImprovementplanProgressRating.
func (e *enricher) renameSchemas() {
	short := func(name string) string {
		switch name {
		case "rpcStatus":
			return "Status"
		case "protobufAny":
			return "Any"
		}
		if m := packagedName.FindStringSubmatch(name); m != nil {
			return strings.ToUpper(m[1][:1]) + m[1][1:] + m[2]
		}
		if i := strings.IndexFunc(name, func(r rune) bool { return r >= 'A' && r <= 'Z' }); i > 0 {
			return name[i:]
		}
		return name
	}
	count := map[string]int{}
	for name := range e.schemas {
		count[short(name)]++
	}
	renames := map[string]string{}
	for name := range e.schemas {
		if s := short(name); count[s] == 1 && s != name {
			renames[name] = s
		}
	}
	for from, to := range renames {
		e.schemas[to] = e.schemas[from]
		delete(e.schemas, from)
	}
	walk(e.doc, func(o obj) {
		if ref, ok := o["$ref"].(string); ok {
			if to, ok := renames[strings.TrimPrefix(ref, schemaRefPrefix)]; ok {
				o["$ref"] = schemaRefPrefix + to
			}
		}
	})
}

var packagedName = regexp.MustCompile(`^turnaround([A-Z][a-z]+)V1([A-Z].*)$`)

const schemaRefPrefix = "#/components/schemas/"

// describeSchemas documents the two google types every error body uses.
func (e *enricher) describeSchemas() {
	if st, ok := e.schemas["Status"].(obj); ok {
		st["title"] = "google.rpc.Status"
		st["description"] = "The body of every error (AIP-193). `code` is the canonical gRPC code, `message` a developer-facing English message, and `details` always holds a `google.rpc.ErrorInfo` (stable `reason`, domain `turnaround`); invalid input adds a `google.rpc.BadRequest` with one `field_violations` entry per offending field."
		st["required"] = []any{"code", "message", "details"}
		st["examples"] = []any{notFoundExample}
	}
	if a, ok := e.schemas["Any"].(obj); ok {
		a["title"] = "google.protobuf.Any"
		a["description"] = "One error detail, named by `@type`: `type.googleapis.com/google.rpc.ErrorInfo` (`reason`, `domain`, `metadata`), `type.googleapis.com/google.rpc.BadRequest` (`field_violations`: `field`, `description`) or `type.googleapis.com/google.rpc.RetryInfo` (`retry_delay`)."
		a["required"] = []any{"@type"}
	}
}

// pathVar is one path template parameter of the converted document, e.g.
// {name_3} with the pattern localAuthorities/[^/]+.
var pathVar = regexp.MustCompile(`\{([^}]+)\}`)

// renamePaths spells each resource-name parameter out into the path it
// matches, naming each variable segment after its collection:
// /v1/{name_3} with pattern localAuthorities/[^/]+/inspections/[^/]+ becomes
// /v1/localAuthorities/{localAuthority}/inspections/{inspection}. The
// gateway routes both spellings alike: they are the same URLs.
func (e *enricher) renamePaths() error {
	paths := object(e.doc, "paths")
	out := obj{}
	for _, p := range sortedKeys(paths) {
		item := paths[p].(obj)
		for _, m := range httpMethods {
			op, ok := item[m].(obj)
			if !ok {
				continue
			}
			newPath, vars, err := expandPath(p, op)
			if err != nil {
				return fmt.Errorf("%s %s: %w", strings.ToUpper(m), p, err)
			}
			var params []any
			for _, v := range vars {
				params = append(params, pathParam(v))
			}
			old, _ := op["parameters"].([]any)
			for _, prm := range old {
				if prm.(obj)["in"] != "path" {
					params = append(params, prm)
				}
			}
			if len(params) > 0 {
				op["parameters"] = params
			} else {
				delete(op, "parameters")
			}
			target := object(out, newPath)
			if _, dup := target[m]; dup {
				return fmt.Errorf("two operations on %s %s", strings.ToUpper(m), newPath)
			}
			target[m] = op
		}
	}
	e.doc["paths"] = out
	return nil
}

// segmentVar is a variable path segment: a collection's name and the
// parameter named for its singular.
type segmentVar struct {
	collection string
	name       string
}

func expandPath(path string, op obj) (string, []segmentVar, error) {
	patterns := map[string]string{}
	params, _ := op["parameters"].([]any)
	for _, prm := range params {
		prm := prm.(obj)
		if prm["in"] != "path" {
			continue
		}
		pattern, _ := dig(prm, "schema", "pattern").(string)
		if pattern == "" {
			return "", nil, fmt.Errorf("path parameter %v has no pattern", prm["name"])
		}
		patterns[prm["name"].(string)] = pattern
	}
	var vars []segmentVar
	var err error
	expanded := pathVar.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		pattern, ok := patterns[name]
		if !ok {
			err = fmt.Errorf("path parameter %s is not declared", name)
			return m
		}
		segs := strings.Split(strings.ReplaceAll(pattern, "[^/]+", "\x00"), "/")
		for i, s := range segs {
			if s != "\x00" {
				if strings.ContainsAny(s, `[]()*+?^$\{}|.`) {
					err = fmt.Errorf("pattern %q: segment %q is neither a literal nor [^/]+", pattern, s)
				}
				continue
			}
			if i == 0 {
				err = fmt.Errorf("pattern %q starts with a variable", pattern)
				continue
			}
			v := segmentVar{collection: segs[i-1], name: singular(segs[i-1])}
			for _, seen := range vars {
				if seen.name == v.name {
					err = fmt.Errorf("pattern %q names %s twice", pattern, v.name)
				}
			}
			vars = append(vars, v)
			segs[i] = "{" + v.name + "}"
		}
		return strings.Join(segs, "/")
	})
	return expanded, vars, err
}

func singular(collection string) string {
	switch {
	case strings.HasSuffix(collection, "ies"):
		return strings.TrimSuffix(collection, "ies") + "y"
	case strings.HasSuffix(collection, "s"):
		return strings.TrimSuffix(collection, "s")
	}
	return collection
}

// exampleIDs are the example values of path variables and of the IDs in
// example resource names.
var exampleIDs = map[string]string{
	"localAuthorities": "E08000035",
	"sponsors":         "leeds-childrens-trust",
	"reviewers":        "r-4f2a9c",
}

func exampleID(collection string) string {
	if id, ok := exampleIDs[collection]; ok {
		return id
	}
	return "7d3f2a9c"
}

func pathParam(v segmentVar) obj {
	desc := fmt.Sprintf("ID of the %s: the segment after `%s/` in its resource name.", words(v.name), v.collection)
	if v.collection == "localAuthorities" {
		desc = "The council's GSS code, e.g. `E08000035` (Leeds): the segment after `localAuthorities/` in its resource name."
	}
	return obj{
		"name":        v.name,
		"in":          "path",
		"required":    true,
		"description": desc,
		"schema":      obj{"type": "string", "pattern": "^[^/]+$"},
		"example":     exampleID(v.collection),
	}
}

// words spells a lowerCamel name as words: improvementPlan → improvement plan.
func words(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// learnResourceNames finds, for each schema a Get operation returns, the
// resource name pattern its path spells.
func (e *enricher) learnResourceNames() {
	e.names = map[string]string{}
	paths := object(e.doc, "paths")
	for _, p := range sortedKeys(paths) {
		op, ok := paths[p].(obj)["get"].(obj)
		if !ok || !strings.HasPrefix(p, "/v1/") || strings.Contains(p, ":") {
			continue
		}
		ref, _ := dig(op, "responses", "200", "content", "application/json", "schema", "$ref").(string)
		if ref == "" || !strings.HasSuffix(p, "}") && !strings.HasSuffix(p, "riskAssessment") && !strings.HasSuffix(p, "compensationStatement") {
			continue
		}
		e.names[strings.TrimPrefix(ref, schemaRefPrefix)] = exampleName(strings.TrimPrefix(p, "/v1/"))
	}
}

// exampleName fills a path's variables with example IDs.
func exampleName(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i > 0 {
			segs[i] = exampleID(segs[i-1])
		}
	}
	return strings.Join(segs, "/")
}

// operation enriches one operation.
func (e *enricher) operation(path, method string, op obj) {
	// A one-paragraph comment arrives as the summary alone: the summary
	// becomes its first sentence and the whole comment the description.
	text, _ := op["summary"].(string)
	if d, _ := op["description"].(string); d != "" {
		text = strings.TrimSpace(text + "\n\n" + d)
	}
	if text != "" {
		op["summary"] = firstSentence(text)
		op["description"] = text
	} else {
		op["summary"] = op["operationId"]
	}
	op["security"] = []any{obj{"bearerAuth": []any{}}}

	if rb, ok := op["requestBody"].(obj); ok {
		delete(rb, "x-originalParamName")
		if media, ok := dig(rb, "content", "application/json").(obj); ok {
			media["example"] = e.example(media["schema"], true, 0, nil)
		}
	}
	if method == "patch" {
		e.patch(op)
	}

	responses := object(op, "responses")
	if ok, found := responses["200"].(obj); found {
		if media, found := dig(ok, "content", "application/json").(obj); found {
			schema, _ := media["schema"].(obj)
			if ref, _ := schema["$ref"].(string); ref != "" {
				ok["description"] = "The " + words(lowerFirst(strings.TrimPrefix(ref, schemaRefPrefix))) + "."
			} else {
				ok["description"] = "Done."
			}
			media["example"] = e.example(schema, false, 0, nil)
			if method == "get" && e.isList(schema) {
				e.csv(op, ok)
			}
		}
	}
	delete(responses, "default")
	add := func(code, name string) { responses[code] = obj{"$ref": "#/components/responses/" + name} }
	add("400", "BadRequest")
	add("401", "Unauthenticated")
	add("403", "PermissionDenied")
	if strings.Contains(path, "{") {
		add("404", "NotFound")
	}
	if method != "get" {
		add("409", "Conflict")
	}
	if _, ok := op["requestBody"]; ok {
		add("413", "TooLarge")
		add("415", "UnsupportedMediaType")
	}
	add("503", "Unavailable")
	add("default", "Error")
}

// patch documents what an update takes besides the resource: update_mask
// (the generator leaves it out because the gateway fills it from the body
// when absent) and the etag precondition.
func (e *enricher) patch(op obj) {
	var fields []string
	if s, ok := dig(op, "requestBody", "content", "application/json", "schema").(obj); ok {
		for _, k := range sortedKeys(propertiesOf(e.resolve(s))) {
			p := propertiesOf(e.resolve(s))[k].(obj)
			if ro, _ := p["readOnly"].(bool); ro || k == "name" || k == "etag" {
				continue
			}
			fields = append(fields, k)
		}
	}
	example := strings.Join(fields[:min(2, len(fields))], ",")
	params, _ := op["parameters"].([]any)
	op["parameters"] = append(params, obj{
		"name":        "update_mask",
		"in":          "query",
		"required":    false,
		"description": "Comma-separated field paths to change (a `google.protobuf.FieldMask`), e.g. `" + example + "`. When absent, every field present in the body is changed. Output-only fields may not be named.",
		"schema":      obj{"type": "string"},
		"example":     example,
	})
	op["description"] = strings.TrimSpace(fmt.Sprint(op["description"]) + "\n\n" +
		"**Concurrency:** send the resource's current `etag` in the body, as read from the last Get, List or Update. " +
		"If the resource changed since, the update is refused with `409` (`ABORTED`, reason `ETAG_MISMATCH`): read it again and retry.")
}

func propertiesOf(s obj) obj {
	p, _ := s["properties"].(obj)
	return p
}

// resolve follows one $ref.
func (e *enricher) resolve(s obj) obj {
	if ref, ok := s["$ref"].(string); ok {
		if t, ok := e.schemas[strings.TrimPrefix(ref, schemaRefPrefix)].(obj); ok {
			return t
		}
	}
	return s
}

func firstSentence(text string) string {
	flat := strings.Join(strings.Fields(strings.SplitN(text, "\n\n", 2)[0]), " ")
	if i := strings.Index(flat, ". "); i > 0 && i < 160 {
		return flat[:i+1]
	}
	if len(flat) > 160 {
		cut := strings.LastIndex(flat[:157], " ")
		if cut < 40 {
			cut = 157
		}
		return flat[:cut] + "…"
	}
	return flat
}

var repeatedSentence = regexp.MustCompile(`([A-Z][^.]*\.)(\s+)`)

// cleanDescription removes duplicated boilerplate: a sentence repeated
// right after itself ("Output only. Output only.") appears once.
func cleanDescription(s string) string {
	for {
		parts := repeatedSentence.FindAllStringSubmatchIndex(s, -1)
		changed := false
		for i := 0; i+1 < len(parts); i++ {
			a := s[parts[i][2]:parts[i][3]]
			b := s[parts[i+1][2]:parts[i+1][3]]
			if a == b && parts[i][1] == parts[i+1][0] {
				s = s[:parts[i][1]] + s[parts[i+1][1]:]
				changed = true
				break
			}
		}
		if !changed {
			break
		}
	}
	// Also a final sentence repeating the one before it, without trailing space.
	for {
		trimmed := strings.TrimSpace(s)
		idx := strings.LastIndex(strings.TrimSuffix(trimmed, "."), ". ")
		if idx < 0 {
			return s
		}
		last := trimmed[idx+2:]
		if !strings.HasSuffix(strings.TrimSpace(trimmed[:idx+1]), last) || last == "" {
			return s
		}
		s = strings.TrimSpace(trimmed[:idx+1])
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// object returns o[key] as an object, creating it when absent.
func object(o obj, key string) obj {
	if v, ok := o[key].(obj); ok {
		return v
	}
	v := obj{}
	o[key] = v
	return v
}

func dig(o obj, keys ...string) any {
	var cur any = o
	for _, k := range keys {
		m, ok := cur.(obj)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func sortedKeys(o obj) []string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// walk calls fn on every object in the tree.
func walk(v any, fn func(obj)) {
	switch t := v.(type) {
	case obj:
		fn(t)
		for _, c := range t {
			walk(c, fn)
		}
	case []any:
		for _, c := range t {
			walk(c, fn)
		}
	}
}

// walkStrings rewrites every description and summary in the tree.
func walkStrings(v any, fn func(string) string) {
	walk(v, func(o obj) {
		for _, k := range []string{"description", "summary"} {
			if s, ok := o[k].(string); ok {
				o[k] = fn(s)
			}
		}
	})
}

// isList reports whether a response schema is a list's, as the gateway's
// CSV export recognises one: a next_page_token and exactly one array of
// messages.
func (e *enricher) isList(schema obj) bool {
	props := propertiesOf(e.resolve(schema))
	if _, ok := props["next_page_token"]; !ok {
		return false
	}
	items := 0
	for _, k := range sortedKeys(props) {
		p, _ := props[k].(obj)
		if p["type"] != "array" {
			continue
		}
		if it, _ := p["items"].(obj); it != nil {
			if ref, _ := it["$ref"].(string); ref != "" {
				items++
			}
		}
	}
	return items == 1
}

// csvDescription says what a list's CSV export is; gateway/csv.go is what
// it describes.
const csvDescription = "The same rows as the JSON list, every page of it, as RFC 4180 CSV (`text/csv`): a header row of field names, " +
	"nested messages flattened to dotted columns (`latest_judgement.overall_grade`), lists, maps and timestamps written as their JSON, " +
	"CRLF line ends. A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so a spreadsheet " +
	"never runs it as a formula. Rows stream as the pages arrive, up to 100,000; the HTTP trailer `X-Csv-Truncated` is `true` when the " +
	"cap (or a failing later page) cut the export. An error before the first row is answered as the JSON list's would be."

// csv documents a list's CSV export: the alt query parameter and the
// text/csv content of its 200 response (which Accept: text/csv also
// chooses).
func (e *enricher) csv(op, ok obj) {
	params, _ := op["parameters"].([]any)
	op["parameters"] = append(params, obj{
		"name":     "alt",
		"in":       "query",
		"required": false,
		"description": "The response format: `json` (the default) or `csv`, the whole list as CSV. `Accept: text/csv` " +
			"chooses CSV too. `alt=csv` on an operation that is not a list is refused with `400` (reason `CSV_NOT_AVAILABLE`).",
		"schema":  obj{"type": "string", "enum": []any{"json", "csv"}, "default": "json"},
		"example": "csv",
	})
	content := object(ok, "content")
	content["text/csv"] = obj{
		"schema": obj{"type": "string", "description": csvDescription},
	}
	ok["headers"] = obj{
		"Trailer": obj{
			"description": "With CSV, `X-Csv-Truncated`: the trailer sent after the last row, `true` when the export was cut short, `false` otherwise.",
			"schema":      obj{"type": "string"},
		},
	}
}
