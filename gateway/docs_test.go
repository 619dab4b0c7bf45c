package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOpenAPIDocument: /openapi.json and /openapi.yaml are the OpenAPI 3.1
// contract stamped with the build's version; the Swagger 2.0 document it is
// generated from stays at /openapi-v2.json.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.Version = "v1.2.3-test" })
	rec := env.do(http.MethodGet, "/openapi.json", nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP status = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Info.Title != "Turnaround API" || doc.Info.Version != "v1.2.3-test" {
		t.Errorf("info = %+v, want the Turnaround API at the build's version", doc.Info)
	}
	for _, p := range []string{"/v1/localAuthorities", "/v1/localAuthorities/{localAuthority}/riskAssessment"} {
		if _, ok := doc.Paths[p]["get"]; !ok {
			t.Errorf("paths lack GET %s", p)
		}
	}

	rec = env.do(http.MethodGet, "/openapi.yaml", nil, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/yaml" {
		t.Fatalf("/openapi.yaml = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{"openapi: 3.1.0", "version: v1.2.3-test", "/v1/localAuthorities/{localAuthority}/riskAssessment:"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/openapi.yaml lacks %q", want)
		}
	}

	rec = env.do(http.MethodGet, "/openapi-v2.json", nil, nil)
	var v2 struct {
		Swagger string `json:"swagger"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v2); err != nil || rec.Code != http.StatusOK || v2.Swagger != "2.0" {
		t.Errorf("/openapi-v2.json = %d, swagger %q (%v)", rec.Code, v2.Swagger, err)
	}
}

func TestDocsPage(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.do(http.MethodGet, "/docs", nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP status = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	page := rec.Body.String()
	for _, want := range []string{
		// Every operation, with its method, path and summary.
		`id="op-InspectionService_ListLocalAuthorities"`,
		`id="op-InspectionService_GetLocalAuthority"`,
		">ListLocalAuthorities</h3>",
		">GetLocalAuthority</h3>",
		`<span class="path">/v1/localAuthorities</span>`,
		`<span class="path">/v1/{name=localAuthorities/*}</span>`,
		"ordered by display name (default) or GSS code",
		// Parameters, with their descriptions rendered from proto comments.
		"<code>page_size</code>",
		"<code>filter</code>",
		"Maximum number of councils to return",
		// Response fields, linked to their types.
		"<code>next_page_token</code>",
		`list of <a href="#type-v1LocalAuthority">LocalAuthority</a>`,
		`<a href="#type-v1Region">Region</a>`,
		"<code>COUNCIL_TYPE_LONDON_BOROUGH</code>",
		// Authentication help.
		`id="authentication"`,
		"Authorization: Bearer",
		"turnaround token -role dfe_official",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	// Machines are offline: nothing may load from elsewhere.
	for _, banned := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("docs page contains %q", banned)
		}
	}
}

func TestProse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"joins wrapped lines", "Lists councils,\nfiltered by region.", "<p>Lists councils, filtered by region.</p>"},
		{"paragraphs", "One.\n\nTwo.", "<p>One.</p><p>Two.</p>"},
		{"code spans", "Use `page_token` here.", "<p>Use <code>page_token</code> here.</p>"},
		{"escapes markup", "a <b>bold</b> & `<x>`", "<p>a &lt;b&gt;bold&lt;/b&gt; &amp; <code>&lt;x&gt;</code></p>"},
		{"enum value list", "Region.\n\n - A: North.\n - B: South,\nfar.", "<p>Region.</p><ul><li>A: North.</li><li>B: South, far.</li></ul>"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(prose(tt.in)); got != tt.want {
				t.Errorf("prose(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDisplayPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		path   string
		params []openAPIParameter
		want   string
	}{
		{"single segment", "/v1/{name}", []openAPIParameter{{Name: "name", In: "path", Pattern: "localAuthorities/[^/]+"}},
			"/v1/{name=localAuthorities/*}"},
		{"nested resource", "/v1/{parent}/plans", []openAPIParameter{{Name: "parent", In: "path", Pattern: "localAuthorities/[^/]+/improvementPlans/[^/]+"}},
			"/v1/{parent=localAuthorities/*/improvementPlans/*}/plans"},
		{"no pattern", "/v1/sponsors/{id}", []openAPIParameter{{Name: "id", In: "path"}}, "/v1/sponsors/{id}"},
		{"pattern not a glob", "/v1/{name}", []openAPIParameter{{Name: "name", In: "path", Pattern: "a(b|c)"}}, "/v1/{name}"},
		{"query parameter ignored", "/v1/things", []openAPIParameter{{Name: "filter", In: "query", Pattern: "x"}}, "/v1/things"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := displayPath(tt.path, tt.params); got != tt.want {
				t.Errorf("displayPath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseOpenAPIKeepsDocumentOrder(t *testing.T) {
	t.Parallel()
	doc, err := parseOpenAPI([]byte(`{"swagger":"2.0",
		"paths":{"/z":{"post":{"operationId":"S_Z"}},"/a":{"get":{"operationId":"S_A"},"parameters":[]}},
		"definitions":{"v1Zeta":{"properties":{"z":{"type":"string"},"a":{"type":"integer","format":"int32"}}},"v1Alpha":{}}}`))
	if err != nil {
		t.Fatalf("parseOpenAPI: %v", err)
	}
	var got []string
	for _, p := range doc.Paths {
		for _, op := range p.Operations {
			got = append(got, op.Method+" "+p.Path)
		}
	}
	for _, d := range doc.Definitions {
		got = append(got, d.Name)
		for _, f := range d.Schema.Properties {
			got = append(got, d.Name+"."+f.Name)
		}
	}
	want := "POST /z|GET /a|v1Zeta|v1Zeta.z|v1Zeta.a|v1Alpha"
	if strings.Join(got, "|") != want {
		t.Errorf("order = %s, want %s", strings.Join(got, "|"), want)
	}

	for _, bad := range []string{`{"swagger":"3.0"}`, `[]`, `{"swagger":"2.0","paths":[]}`} {
		if _, err := parseOpenAPI([]byte(bad)); err == nil {
			t.Errorf("parseOpenAPI(%s) succeeded, want an error", bad)
		}
	}
}
