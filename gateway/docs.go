package gateway

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

// openAPIDocument is the merged OpenAPI v2 document `buf generate` writes,
// served at /openapi-v2.json for tools that still need Swagger 2.0.
//
//go:embed openapi/turnaround.swagger.json
var openAPIDocument []byte

//go:embed docs.html.tmpl
var docsTemplateText string

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{
	"prose": prose,
}).Parse(docsTemplateText))

// loadAPIDocument checks the embedded document and renders the reference
// page once: both are static for the life of the binary.
func loadAPIDocument() (page []byte, err error) {
	doc, err := parseOpenAPI(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("embedded OpenAPI document: %w", err)
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, newDocsView(doc)); err != nil {
		return nil, fmt.Errorf("render API reference: %w", err)
	}
	return buf.Bytes(), nil
}

func (g *Gateway) serveDocs(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// The page is self-contained: nothing but its own inline styles may load.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	_, _ = w.Write(g.docsPage) // A failed write means the client hung up.
}

// The subset of OpenAPI v2 that protoc-gen-openapiv2 emits and the page shows.
// Paths, operations and properties keep document order (proto order), which
// encoding/json maps would lose.

type openAPIDoc struct {
	Tags        []openAPITag
	Paths       []openAPIPath
	Definitions []namedSchema
}

type openAPITag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type openAPIPath struct {
	Path       string
	Operations []openAPIOperation
}

type openAPIOperation struct {
	Method      string                     `json:"-"`
	Summary     string                     `json:"summary"`
	Description string                     `json:"description"`
	OperationID string                     `json:"operationId"`
	Parameters  []openAPIParameter         `json:"parameters"`
	Responses   map[string]openAPIResponse `json:"responses"`
	Tags        []string                   `json:"tags"`
}

type openAPIParameter struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description"`
	Required    bool           `json:"required"`
	Type        string         `json:"type"`
	Format      string         `json:"format"`
	Pattern     string         `json:"pattern"`
	Enum        []string       `json:"enum"`
	Items       *openAPISchema `json:"items"`
	Schema      *openAPISchema `json:"schema"`
}

type openAPIResponse struct {
	Description string         `json:"description"`
	Schema      *openAPISchema `json:"schema"`
}

type openAPISchema struct {
	Ref                  string          `json:"$ref"`
	Type                 string          `json:"type"`
	Format               string          `json:"format"`
	Title                string          `json:"title"`
	Description          string          `json:"description"`
	Enum                 []string        `json:"enum"`
	Items                *openAPISchema  `json:"items"`
	Properties           orderedSchemas  `json:"properties"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
	ReadOnly             bool            `json:"readOnly"`
	Required             []string        `json:"required"`
}

type namedSchema struct {
	Name   string
	Schema openAPISchema
}

// orderedSchemas is a JSON object of schemas decoded in document order.
type orderedSchemas []namedSchema

// UnmarshalJSON keeps the members' order.
func (o *orderedSchemas) UnmarshalJSON(data []byte) error {
	return eachMember(data, func(name string, raw json.RawMessage) error {
		var s openAPISchema
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("schema %s: %w", name, err)
		}
		*o = append(*o, namedSchema{Name: name, Schema: s})
		return nil
	})
}

// eachMember calls fn for every member of the JSON object data, in order.
func eachMember(data []byte, fn func(key string, value json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read object: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("expected a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("read member name: %w", err)
		}
		key, _ := tok.(string) // Object keys are always strings.
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("read member %s: %w", key, err)
		}
		if err := fn(key, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("read object end: %w", err)
	}
	return nil
}

// httpMethods are the path item members that are operations; the others
// (shared parameters, extensions) are not shown.
var httpMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true,
}

func parseOpenAPI(data []byte) (*openAPIDoc, error) {
	var top struct {
		Swagger     string          `json:"swagger"`
		Tags        []openAPITag    `json:"tags"`
		Paths       json.RawMessage `json:"paths"`
		Definitions orderedSchemas  `json:"definitions"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if top.Swagger != "2.0" {
		return nil, fmt.Errorf("swagger version %q, want 2.0", top.Swagger)
	}
	doc := &openAPIDoc{Tags: top.Tags, Definitions: top.Definitions}
	if len(top.Paths) == 0 {
		return doc, nil
	}
	err := eachMember(top.Paths, func(path string, item json.RawMessage) error {
		p := openAPIPath{Path: path}
		err := eachMember(item, func(method string, raw json.RawMessage) error {
			if !httpMethods[method] {
				return nil
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				return fmt.Errorf("%s %s: %w", method, path, err)
			}
			op.Method = strings.ToUpper(method)
			p.Operations = append(p.Operations, op)
			return nil
		})
		doc.Paths = append(doc.Paths, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("paths: %w", err)
	}
	return doc, nil
}

// The view the template renders.

type docsView struct {
	Services []serviceView
	Types    []typeView
}

type serviceView struct {
	Name        string
	Description string
	Operations  []operationView
}

type operationView struct {
	Anchor      string
	Name        string
	Method      string
	Path        string
	Summary     string
	Description string
	PathParams  []fieldView
	QueryParams []fieldView
	Body        *messageView
	Response    *messageView
}

type messageView struct {
	Type   typeRef
	Fields []fieldView
}

type fieldView struct {
	Name        string
	Type        typeRef
	Required    bool
	Description string
}

// typeRef is a field's type; Anchor is set when it links to a listed type.
type typeRef struct {
	Prefix string
	Name   string
	Anchor string
}

type typeView struct {
	Anchor      string
	Name        string
	Description string
	Fields      []fieldView
	Enum        []string
}

// docsBuilder turns the document into the view, resolving $refs.
type docsBuilder struct {
	defs  map[string]openAPISchema
	names map[string]string
}

func newDocsView(doc *openAPIDoc) docsView {
	b := docsBuilder{defs: map[string]openAPISchema{}, names: displayNames(doc.Definitions)}
	for _, d := range doc.Definitions {
		b.defs[d.Name] = d.Schema
	}

	var view docsView
	byTag := map[string]int{}
	service := func(tag string) *serviceView {
		i, ok := byTag[tag]
		if !ok {
			i = len(view.Services)
			byTag[tag] = i
			view.Services = append(view.Services, serviceView{Name: tag})
		}
		return &view.Services[i]
	}
	for _, t := range doc.Tags {
		service(t.Name).Description = t.Description
	}
	for _, p := range doc.Paths {
		for _, op := range p.Operations {
			tag := "Other operations"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			s := service(tag)
			s.Operations = append(s.Operations, b.operation(p.Path, op))
		}
	}
	// Tags without operations would be empty headings.
	services := view.Services[:0]
	for _, s := range view.Services {
		if len(s.Operations) > 0 {
			services = append(services, s)
		}
	}
	view.Services = services

	for _, d := range doc.Definitions {
		t := typeView{Anchor: typeAnchor(d.Name), Name: b.names[d.Name], Description: d.Schema.Description, Enum: d.Schema.Enum}
		t.Fields = b.fields(d.Schema)
		view.Types = append(view.Types, t)
	}
	return view
}

func (b docsBuilder) operation(path string, op openAPIOperation) operationView {
	name := op.OperationID
	if i := strings.LastIndex(name, "_"); i >= 0 {
		name = name[i+1:]
	}
	v := operationView{
		Anchor:      "op-" + op.OperationID,
		Name:        name,
		Method:      op.Method,
		Path:        displayPath(path, op.Parameters),
		Summary:     op.Summary,
		Description: op.Description,
	}
	for _, p := range op.Parameters {
		f := fieldView{Name: p.Name, Required: p.Required, Description: p.Description}
		switch p.In {
		case "path":
			f.Type = typeRef{Name: scalarName(p.Type, p.Format)}
			v.PathParams = append(v.PathParams, f)
		case "query":
			f.Type = b.paramType(p)
			v.QueryParams = append(v.QueryParams, f)
		case "body":
			if p.Schema != nil {
				v.Body = b.message(*p.Schema)
			}
		}
	}
	if ok, found := op.Responses["200"]; found && ok.Schema != nil {
		v.Response = b.message(*ok.Schema)
	}
	return v
}

// message lists the fields of a body schema, following one $ref.
func (b docsBuilder) message(s openAPISchema) *messageView {
	m := &messageView{Type: b.schemaType(s)}
	if s.Ref != "" {
		s = b.defs[refName(s.Ref)]
	}
	m.Fields = b.fields(s)
	return m
}

func (b docsBuilder) fields(s openAPISchema) []fieldView {
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	var out []fieldView
	for _, p := range s.Properties {
		desc := p.Schema.Description
		if desc == "" {
			desc = p.Schema.Title
		}
		if p.Schema.ReadOnly {
			desc = strings.TrimSpace(desc + "\n\nOutput only.")
		}
		out = append(out, fieldView{Name: p.Name, Type: b.schemaType(p.Schema), Required: required[p.Name], Description: desc})
	}
	return out
}

func (b docsBuilder) schemaType(s openAPISchema) typeRef {
	switch {
	case s.Ref != "":
		name := refName(s.Ref)
		return typeRef{Name: b.names[name], Anchor: typeAnchor(name)}
	case s.Type == "array" && s.Items != nil:
		t := b.schemaType(*s.Items)
		t.Prefix = "list of " + t.Prefix
		return t
	case s.Type == "object" && len(s.AdditionalProperties) > 0 && s.AdditionalProperties[0] == '{':
		var v openAPISchema
		if err := json.Unmarshal(s.AdditionalProperties, &v); err == nil {
			t := b.schemaType(v)
			t.Prefix = "map of string to " + t.Prefix
			return t
		}
		return typeRef{Name: "object"}
	case len(s.Enum) > 0:
		return typeRef{Name: "enum: " + strings.Join(s.Enum, ", ")}
	default:
		return typeRef{Name: scalarName(s.Type, s.Format)}
	}
}

func (b docsBuilder) paramType(p openAPIParameter) typeRef {
	switch {
	case p.Type == "array" && p.Items != nil:
		t := b.schemaType(*p.Items)
		t.Prefix = "repeated " + t.Prefix
		return t
	case len(p.Enum) > 0:
		return typeRef{Name: "enum: " + strings.Join(p.Enum, ", ")}
	default:
		return typeRef{Name: scalarName(p.Type, p.Format)}
	}
}

func scalarName(typ, format string) string {
	switch {
	case typ == "":
		return "object"
	case format == "":
		return typ
	default:
		return typ + " (" + format + ")"
	}
}

func refName(ref string) string {
	return strings.TrimPrefix(ref, "#/definitions/")
}

func typeAnchor(def string) string {
	return "type-" + def
}

// displayNames drops the package prefix protoc-gen-openapiv2 puts on each
// definition (v1LocalAuthority becomes LocalAuthority) unless that would make
// two names collide.
func displayNames(defs []namedSchema) map[string]string {
	short := func(name string) string {
		if i := strings.IndexFunc(name, func(r rune) bool { return r >= 'A' && r <= 'Z' }); i > 0 {
			return name[i:]
		}
		return name
	}
	count := map[string]int{}
	for _, d := range defs {
		count[short(d.Name)]++
	}
	names := make(map[string]string, len(defs))
	for _, d := range defs {
		names[d.Name] = d.Name
		if count[short(d.Name)] == 1 {
			names[d.Name] = short(d.Name)
		}
	}
	return names
}

// displayPath shows a templated path parameter with the resource pattern it
// must match, as the HTTP rule wrote it: /v1/{name} with pattern
// localAuthorities/[^/]+ reads /v1/{name=localAuthorities/*}.
func displayPath(path string, params []openAPIParameter) string {
	for _, p := range params {
		if p.In != "path" || p.Pattern == "" {
			continue
		}
		glob := strings.NewReplacer("[^/]+", "*", ".+", "**").Replace(p.Pattern)
		if strings.ContainsAny(glob, `[]()+?^$\|`) {
			continue
		}
		// The merged document renames colliding parameters name_1, name_2...;
		// with its pattern shown, the parameter reads as the HTTP rule wrote it.
		path = strings.Replace(path, "{"+p.Name+"}", "{"+collisionSuffix.ReplaceAllString(p.Name, "")+"="+glob+"}", 1)
	}
	return path
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// prose renders a proto comment as HTML: blank lines separate paragraphs,
// lines starting with "- " form a list, and `backticks` become code. All text
// is escaped first, so the document cannot inject markup.
func prose(text string) template.HTML {
	inline := func(s string) string {
		return codeSpan.ReplaceAllString(template.HTMLEscapeString(s), "<code>$1</code>")
	}
	var out strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		var prose []string
		var items []string
		for _, line := range strings.Split(para, "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "- "):
				items = append(items, strings.TrimPrefix(line, "- "))
			case len(items) > 0 && line != "":
				items[len(items)-1] += " " + line
			case line != "":
				prose = append(prose, line)
			}
		}
		if len(prose) > 0 {
			out.WriteString("<p>" + inline(strings.Join(prose, " ")) + "</p>")
		}
		if len(items) > 0 {
			out.WriteString("<ul>")
			for _, it := range items {
				out.WriteString("<li>" + inline(it) + "</li>")
			}
			out.WriteString("</ul>")
		}
	}
	// Safe: every piece of document text above went through HTMLEscapeString.
	return template.HTML(out.String())
}
