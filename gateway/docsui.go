package gateway

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

// docsFiles is the API reference page: Swagger UI from swagger-ui-dist
// (web/docs/vendor, copied from the pinned npm package by `make
// docs-assets` and drift-checked by `make test`) and the page that points
// it at /openapi.json. Everything it loads is served from here.
//
//go:embed web/docs/index.html web/docs/init.js web/docs/docs.css web/docs/vendor
var docsFiles embed.FS

// docsCSP lets the reference load only its own scripts and styles (Swagger
// UI sets inline styles) and call only this server.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func (g *Gateway) serveDocs(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	g.serveDocsFile(w, r, "index.html")
}

// serveDocsAsset serves /docs/{file} and /docs/vendor/{file}.
func (g *Gateway) serveDocsAsset(w http.ResponseWriter, r *http.Request, params map[string]string) {
	name := params["file"]
	if dir := params["dir"]; dir != "" {
		name = dir + "/" + name
	}
	g.serveDocsFile(w, r, name)
}

func (g *Gateway) serveDocsFile(w http.ResponseWriter, r *http.Request, name string) {
	body, err := fs.ReadFile(docsFiles, path.Join("web/docs", path.Clean("/"+name)))
	if err != nil {
		g.handleRoutingError(r.Context(), g.mux, g.marshaler, w, r, http.StatusNotFound)
		return
	}
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(body) // A failed write means the client hung up.
}
