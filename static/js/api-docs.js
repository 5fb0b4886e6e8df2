// The API docs page (templates/api/docs.html): Swagger UI, vendored under static/vendor/swagger-ui/, drawing
// Kith's OpenAPI schema. "Try it out" sends the browser's session; a write also needs the CSRF token, read
// from the csrftoken cookie as every htmx request of the site sends it.
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root || !window.SwaggerUIBundle) {
      return;
    }
    window.SwaggerUIBundle({
      url: root.getAttribute("data-schema-url"),
      domNode: root,
      deepLinking: false,
      requestInterceptor: function (request) {
        var token = csrfToken();
        if (token) {
          request.headers["X-CSRFToken"] = token;
        }
        return request;
      },
    });
  });
})();
