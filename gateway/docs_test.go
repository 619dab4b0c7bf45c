package gateway

import (
	"encoding/json"
	"net/http"
	"regexp"
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

// TestDocsPage: /docs is Swagger UI, embedded and offline, pointed at the
// OpenAPI 3.1 document, with try-it-out and a bearer token (Authorize).
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
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	page := rec.Body.String()
	// Every script and stylesheet comes from this server.
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 4 {
		t.Fatalf("page references %v", refs)
	}
	for _, ref := range refs {
		target := ref[1]
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
			t.Errorf("page loads %q from elsewhere", target)
			continue
		}
		asset := env.do(http.MethodGet, target, nil, nil)
		if asset.Code != http.StatusOK || asset.Body.Len() == 0 {
			t.Errorf("GET %s = %d (%d bytes)", target, asset.Code, asset.Body.Len())
		}
	}

	bundle := env.do(http.MethodGet, "/docs/vendor/swagger-ui-bundle.js", nil, nil)
	if ct := bundle.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("bundle Content-Type = %q", ct)
	}
	if !strings.Contains(bundle.Body.String(), "SwaggerUIBundle") {
		t.Error("the bundle is not Swagger UI")
	}
	init := env.do(http.MethodGet, "/docs/init.js", nil, nil).Body.String()
	for _, want := range []string{`url: "/openapi.json"`, "persistAuthorization: true", "validatorUrl: null"} {
		if !strings.Contains(init, want) {
			t.Errorf("init.js lacks %q", want)
		}
	}
	// Authorize needs the document's bearer scheme; Try it out needs the
	// operations. Both are the served document's.
	doc := env.do(http.MethodGet, "/openapi.json", nil, nil).Body.String()
	for _, want := range []string{`"bearerAuth"`, `"scheme": "bearer"`, "## Authentication", "## Errors"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	for _, missing := range []string{"/docs/nothing.js", "/docs/vendor/nothing.js", "/docs/vendor/..%2f..%2fgateway.go"} {
		if rec := env.do(http.MethodGet, missing, nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", missing, rec.Code)
		}
	}
}
