package gateway

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"go.yaml.in/yaml/v4"
)

// openAPIDocument is the merged OpenAPI v2 document `buf generate` writes,
// served at /openapi-v2.json for tools that still need Swagger 2.0; the
// gateway also reads each route's request shape from it (strict.go).
//
//go:embed openapi/turnaround.swagger.json
var openAPIDocument []byte

// openAPI31Document is the published contract: the OpenAPI 3.1 document
// `make generate` derives from the Swagger 2.0 one (gateway/internal/openapigen).
//
//go:embed openapi/turnaround.openapi.json
var openAPI31Document []byte

// apiDocuments are the contract as served: OpenAPI 3.1 in JSON and YAML
// with the build's version, and the Swagger 2.0 document it came from.
type apiDocuments struct {
	json, yaml, v2 []byte
}

// loadAPIDocuments stamps the build's version (when known) into the
// embedded 3.1 document and renders its YAML form, once per gateway.
func loadAPIDocuments(version string) (apiDocuments, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI31Document, &doc); err != nil {
		return apiDocuments{}, fmt.Errorf("embedded OpenAPI 3.1 document: %w", err)
	}
	info, ok := doc["info"].(map[string]any)
	if !ok {
		return apiDocuments{}, fmt.Errorf("embedded OpenAPI 3.1 document has no info")
	}
	if version != "" {
		info["version"] = version
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return apiDocuments{}, fmt.Errorf("encode OpenAPI document: %w", err)
	}
	y, err := yaml.Marshal(doc)
	if err != nil {
		return apiDocuments{}, fmt.Errorf("encode OpenAPI document as YAML: %w", err)
	}
	return apiDocuments{json: buf.Bytes(), yaml: y, v2: openAPIDocument}, nil
}

func serveBytes(contentType string, body []byte) func(http.ResponseWriter, *http.Request, map[string]string) {
	return func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(body) // A failed write means the client hung up.
	}
}
