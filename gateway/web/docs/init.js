// The API reference: Swagger UI (swagger-ui-dist, pinned in package-lock.json
// and embedded in the binary) showing this server's OpenAPI 3.1 document.
// Nothing loads from anywhere else. "Authorize" takes a bearer token (mint
// one with `turnaround token -role dfe_official`); "Try it out" sends it.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    displayOperationId: true,
    filter: true,
    defaultModelsExpandDepth: 0,
    // No call to the public validator service: the page works offline.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
