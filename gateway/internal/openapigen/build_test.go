package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func built(t *testing.T) (raw []byte, doc map[string]any) {
	t.Helper()
	src, err := os.ReadFile("../../openapi/turnaround.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err = Build(src)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return raw, doc
}

// TestCommittedDocumentIsFresh is the drift check: the committed 3.1
// document is what the generator makes of the committed 2.0 document.
func TestCommittedDocumentIsFresh(t *testing.T) {
	raw, _ := built(t)
	committed, err := os.ReadFile("../../openapi/turnaround.openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, committed) {
		t.Fatal("gateway/openapi/turnaround.openapi.json is out of date: run make generate")
	}
}

func TestDocumentIsTheContract(t *testing.T) {
	raw, doc := built(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info := doc["info"].(map[string]any)
	if info["title"] != Title || info["version"] != VersionInFiles {
		t.Errorf("info = %v", info)
	}
	for _, want := range []string{"## Authentication", "## Errors", "turnaround token -role"} {
		if !strings.Contains(info["description"].(string), want) {
			t.Errorf("info.description lacks %q", want)
		}
	}
	if bytes.Contains(raw, []byte("Output only. Output only.")) {
		t.Error(`document repeats "Output only. Output only."`)
	}
	if bytes.Contains(raw, []byte("version not set")) || bytes.Contains(raw, []byte("types.proto")) {
		t.Error("document keeps the generator's placeholder title or version")
	}
	scheme := dig(doc, "components", "securitySchemes", "bearerAuth").(map[string]any)
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" {
		t.Errorf("bearerAuth = %v", scheme)
	}
	if dig(doc, "components", "schemas", "Status", "title") != "google.rpc.Status" {
		t.Error("no google.rpc.Status schema")
	}

	ops := 0
	for path, item := range doc["paths"].(map[string]any) {
		if strings.Contains(path, "{name") || strings.Contains(path, ".name}") || strings.Contains(path, "{parent") {
			t.Errorf("path %s keeps a generic resource-name parameter", path)
		}
		for method, v := range item.(map[string]any) {
			op := v.(map[string]any)
			ops++
			id := op["operationId"]
			if sec, _ := op["security"].([]any); len(sec) != 1 {
				t.Errorf("%s: security = %v", id, op["security"])
			}
			if s, _ := op["summary"].(string); s == "" || strings.Contains(s, "\n") {
				t.Errorf("%s: summary %q", id, s)
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				if dig(rb, "content", "application/json", "example") == nil {
					t.Errorf("%s: request body has no example", id)
				}
			}
			responses := op["responses"].(map[string]any)
			if dig(responses, "200", "content", "application/json", "example") == nil {
				t.Errorf("%s: 200 response has no example", id)
			}
			for _, code := range []string{"400", "401", "403", "default"} {
				if _, ok := responses[code]; !ok {
					t.Errorf("%s: no %s response", id, code)
				}
			}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				if p["in"] == "path" && !strings.Contains(path, "{"+p["name"].(string)+"}") {
					t.Errorf("%s: path parameter %v not in %s", id, p["name"], path)
				}
			}
			if method == "patch" {
				found := false
				params, _ := op["parameters"].([]any)
				for _, p := range params {
					found = found || p.(map[string]any)["name"] == "update_mask"
				}
				if !found {
					t.Errorf("%s: PATCH without update_mask", id)
				}
				if !strings.Contains(op["description"].(string), "etag") {
					t.Errorf("%s: PATCH description does not explain the etag", id)
				}
			}
		}
	}
	if ops < 80 {
		t.Errorf("only %d operations", ops)
	}
	// Every list documents its CSV export (alt=csv, text/csv); nothing
	// else does.
	lists := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, v := range item.(map[string]any) {
			op := v.(map[string]any)
			ok := dig(op, "responses", "200").(map[string]any)
			_, csv := dig(ok, "content").(map[string]any)["text/csv"]
			var alt map[string]any
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				if p := p.(map[string]any); p["name"] == "alt" && p["in"] == "query" {
					alt = p
				}
			}
			list := method == "get" && dig(ok, "content", "application/json", "example", "next_page_token") != nil
			switch {
			case list && (!csv || alt == nil):
				t.Errorf("%s %s: a list without its CSV export documented (text/csv %v, alt %v)", method, path, csv, alt)
			case !list && (csv || alt != nil):
				t.Errorf("%s %s: CSV documented on an operation that is not a list", method, path)
			case list:
				lists++
				if enum := dig(alt, "schema", "enum").([]any); len(enum) != 2 || enum[0] != "json" || enum[1] != "csv" {
					t.Errorf("%s %s: alt takes %v", method, path, enum)
				}
				if d, _ := dig(ok, "content", "text/csv", "schema", "description").(string); !strings.Contains(d, "RFC 4180") || !strings.Contains(d, "formula") {
					t.Errorf("%s %s: text/csv description %q", method, path, d)
				}
			}
		}
	}
	if lists < 20 || dig(doc, "paths", "/v1/localAuthorities/{localAuthority}/timelineEntries", "get", "responses", "200", "content", "text/csv") == nil {
		t.Errorf("%d lists document CSV; the timeline's is missing or too few", lists)
	}

	// Named parameters, as a frontend developer reads them.
	get := dig(doc, "paths", "/v1/localAuthorities/{localAuthority}/inspections/{inspection}", "get")
	if get == nil {
		t.Fatal("no GET /v1/localAuthorities/{localAuthority}/inspections/{inspection}")
	}
}

func TestCleanDescription(t *testing.T) {
	for in, want := range map[string]string{
		"Output only. Output only.":             "Output only.",
		"The name. Output only. Output only.":   "The name. Output only.",
		"Output only. Output only. Then more.":  "Output only. Then more.",
		"Two sentences. Not repeated.":          "Two sentences. Not repeated.",
		"`localAuthorities/{la}`. Output only.": "`localAuthorities/{la}`. Output only.",
	} {
		if got := cleanDescription(in); got != want {
			t.Errorf("cleanDescription(%q) = %q, want %q", in, got, want)
		}
	}
}
