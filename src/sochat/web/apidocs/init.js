// Starts Swagger UI on sochat's own OpenAPI document. A file (not an inline script) so the
// page's Content-Security-Policy can stay at script-src 'self'.
"use strict";
(function () {
  // The page is /api/v1/docs (under the root path, if any): the document sits beside it.
  var spec = new URL("openapi.json", window.location.href).href;
  window.ui = window.SwaggerUIBundle({
    url: spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    validatorUrl: null, // never send the document to an outside validator
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    filter: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
