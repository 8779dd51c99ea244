"""A self-contained page that renders the OpenAPI document: no external assets.

The page is static apart from the OpenAPI URL, which travels in a ``data-`` attribute so
the inline script never changes and can be allowed by hash. The script builds the DOM
with ``createElement``/``textContent`` only, so nothing in the document can inject markup.

The route serving the page should send::

    Content-Security-Policy: <DOCS_CSP>

which is ``default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…';
connect-src 'self'; …``. ``script-src 'unsafe-inline'`` and ``style-src 'unsafe-inline'``
also work, but the hashes are stricter. The page carries the same policy in a ``<meta>``
element as a fallback (``frame-ancestors`` only works as a header). The OpenAPI JSON must
come from the page's own origin (``connect-src 'self'``).
"""

from __future__ import annotations

import base64
import hashlib
import html

DOCS_TITLE = "sochat API"

DOCS_STYLE = """
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff;
  --code: #f6f8fa; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d;
  --bg: #0d1117; --code: #151b23; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin: 2rem 0 .5rem; font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h4 { margin: 1rem 0 .25rem; font-size: .95rem; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.muted { color: var(--muted); }
.desc { white-space: pre-wrap; }
.search { width: 100%; padding: .5rem .75rem; margin: 1rem 0; font: inherit; color: inherit;
  background: var(--code); border: 1px solid var(--line); border-radius: 6px; }
details.op { border: 1px solid var(--line); border-radius: 6px; margin: .4rem 0; background: var(--bg); }
details.op > summary { cursor: pointer; padding: .45rem .6rem; list-style: none; display: flex;
  gap: .6rem; align-items: baseline; flex-wrap: wrap; }
details.op > summary::-webkit-details-marker { display: none; }
details.op[open] > summary { border-bottom: 1px solid var(--line); }
.opbody { padding: .25rem .8rem .8rem; }
.verb { display: inline-block; min-width: 4.2rem; text-align: center; font-weight: 700; font-size: .8rem;
  padding: .1rem .4rem; border-radius: 4px; color: #fff; background: #6e7781; }
.verb-get { background: #1f7f4c; } .verb-post { background: #0969da; } .verb-put { background: #9a6700; }
.verb-patch { background: #8250df; } .verb-delete { background: #cf222e; }
.path { font-weight: 600; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
details.schema { display: inline-block; vertical-align: top; }
details.schema > summary { cursor: pointer; color: var(--accent); font-family: ui-monospace, monospace; }
details.schema[open] { display: block; border-left: 3px solid var(--line); padding-left: .6rem;
  margin: .2rem 0; }
.tag { display: inline-block; padding: 0 .35rem; margin: 0 .2rem .2rem 0; border: 1px solid var(--line);
  border-radius: 4px; font-size: .8rem; }
.error { color: #cf222e; font-weight: 600; }
"""

DOCS_SCRIPT = r"""
(function () {
  "use strict";
  var app = document.getElementById("app");
  var url = app.getAttribute("data-openapi-url") || "openapi.json";
  var spec = null;
  var has = function (obj, key) {
    return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key);
  };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function txt(parent, text) { parent.appendChild(document.createTextNode(String(text))); }

  function resolve(ref) {
    if (typeof ref !== "string" || ref.indexOf("#/") !== 0) { return null; }
    var node = spec;
    var parts = ref.slice(2).split("/");
    for (var i = 0; i < parts.length; i++) {
      var key = parts[i].replace(/~1/g, "/").replace(/~0/g, "~");
      if (!has(node, key)) { return null; }
      node = node[key];
    }
    return node;
  }
  function refName(ref) { return String(ref).slice(String(ref).lastIndexOf("/") + 1); }
  function deref(obj) { return has(obj, "$ref") ? (resolve(obj.$ref) || {}) : obj; }

  // A schema name that expands into its properties when opened (rendered on first open).
  function schemaRef(ref) {
    var box = el("details", "schema");
    add(box, el("summary", "", refName(ref)));
    var done = false;
    box.addEventListener("toggle", function () {
      if (!box.open || done) { return; }
      done = true;
      var target = resolve(ref);
      if (target === null) { add(box, el("span", "error", "unresolved " + ref)); return; }
      add(box, schemaBody(target));
    });
    return box;
  }

  function typeNode(schema) {
    var span = el("span", "mono");
    if (schema === null || typeof schema !== "object") { txt(span, "any"); return span; }
    if (has(schema, "$ref")) { return schemaRef(schema.$ref); }
    var alts = schema.anyOf || schema.oneOf;
    if (Array.isArray(alts)) {
      alts.forEach(function (alt, i) {
        if (i > 0) { txt(span, " | "); }
        add(span, typeNode(alt));
      });
      return span;
    }
    var type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
    if (type === "array") {
      txt(span, "array of ");
      add(span, typeNode(schema.items || {}));
      return span;
    }
    if (type === "object" && has(schema, "properties")) {
      var box = el("details", "schema");
      add(box, el("summary", "", "object"));
      box.open = true;
      add(box, schemaBody(schema));
      return box;
    }
    var extra = schema.additionalProperties;
    if (type === "object" && extra !== null && typeof extra === "object") {
      txt(span, "map of string to ");
      add(span, typeNode(extra));
      return span;
    }
    txt(span, (type || "any") + (schema.format ? " (" + schema.format + ")" : ""));
    return span;
  }

  function facts(schema) {
    var out = [];
    if (!schema || typeof schema !== "object") { return out; }
    if (Array.isArray(schema.enum)) { out.push("one of: " + schema.enum.join(", ")); }
    if (typeof schema.maxLength === "number") { out.push("max length " + schema.maxLength); }
    if (typeof schema.minimum === "number") { out.push("min " + schema.minimum); }
    if (typeof schema.maximum === "number") { out.push("max " + schema.maximum); }
    if (typeof schema.pattern === "string") { out.push("pattern " + schema.pattern); }
    if (has(schema, "default")) { out.push("default " + JSON.stringify(schema["default"])); }
    if (typeof schema.description === "string") { out.push(schema.description); }
    return out;
  }

  function schemaBody(schema) {
    var wrap = el("div");
    if (typeof schema.description === "string" && has(schema, "properties")) {
      add(wrap, el("p", "muted desc", schema.description));
    }
    if (!has(schema, "properties") || typeof schema.properties !== "object") {
      add(wrap, typeNode(schema));
      var extra = facts(schema);
      if (extra.length) { add(wrap, el("div", "muted", extra.join("; "))); }
      return wrap;
    }
    var required = Array.isArray(schema.required) ? schema.required : [];
    var table = add(wrap, el("table"));
    var head = add(table, el("tr"));
    ["Property", "Type", "Details"].forEach(function (h) { add(head, el("th", "", h)); });
    Object.keys(schema.properties).forEach(function (name) {
      var prop = schema.properties[name];
      var row = add(table, el("tr"));
      add(row, el("td", "mono", name + (required.indexOf(name) >= 0 ? " *" : "")));
      add(add(row, el("td")), typeNode(prop));
      add(row, el("td", "muted", facts(prop).join("; ")));
    });
    return wrap;
  }

  // Media types that share one schema are listed together.
  function contentRows(content) {
    var groups = [];
    Object.keys(content || {}).forEach(function (media) {
      var schema = (content[media] && content[media].schema) || {};
      var plain = {};
      Object.keys(schema).forEach(function (k) { if (k !== "xml") { plain[k] = schema[k]; } });
      var key = JSON.stringify(plain);
      var hit = groups.filter(function (g) { return g.key === key; })[0];
      if (hit) { hit.media.push(media); } else { groups.push({ key: key, media: [media], schema: schema }); }
    });
    return groups;
  }

  function parameters(op, body) {
    var params = (op.parameters || []).map(deref);
    if (!params.length) { return; }
    add(body, el("h4", "", "Parameters"));
    var table = add(body, el("table"));
    var head = add(table, el("tr"));
    ["Name", "In", "Required", "Type", "Description"].forEach(function (h) { add(head, el("th", "", h)); });
    params.forEach(function (p) {
      var row = add(table, el("tr"));
      add(row, el("td", "mono", p.name));
      add(row, el("td", "", p["in"]));
      add(row, el("td", "", p.required ? "yes" : "no"));
      add(add(row, el("td")), typeNode(p.schema || {}));
      add(row, el("td", "muted", p.description || ""));
    });
  }

  function requestBody(op, body) {
    if (!op.requestBody) { return; }
    var rb = deref(op.requestBody);
    add(body, el("h4", "", "Request body" + (rb.required ? "" : " (optional)")));
    if (rb.description) { add(body, el("p", "muted desc", rb.description)); }
    var table = add(body, el("table"));
    var head = add(table, el("tr"));
    ["Media types", "Schema"].forEach(function (h) { add(head, el("th", "", h)); });
    contentRows(rb.content).forEach(function (g) {
      var row = add(table, el("tr"));
      add(row, el("td", "mono", g.media.join(", ")));
      add(add(row, el("td")), typeNode(g.schema));
    });
  }

  function responses(op, body) {
    add(body, el("h4", "", "Responses"));
    var table = add(body, el("table"));
    var head = add(table, el("tr"));
    ["Status", "Description", "Media types", "Schema"].forEach(function (h) { add(head, el("th", "", h)); });
    Object.keys(op.responses || {}).forEach(function (status) {
      var resp = deref(op.responses[status]);
      var groups = contentRows(resp.content);
      if (!groups.length) { groups = [{ media: [], schema: null }]; }
      groups.forEach(function (g, i) {
        var row = add(table, el("tr"));
        add(row, el("td", "mono", i === 0 ? status : ""));
        add(row, el("td", "", i === 0 ? (resp.description || "") : ""));
        add(row, el("td", "mono", g.media.join(", ")));
        var cell = add(row, el("td"));
        if (g.schema) { add(cell, typeNode(g.schema)); } else { txt(cell, "(no body)"); }
      });
    });
  }

  function operation(verb, path, op) {
    var box = el("details", "op");
    box.setAttribute("data-search", (verb + " " + path + " " + (op.summary || "") + " " +
      (op.operationId || "")).toLowerCase());
    var sum = add(box, el("summary"));
    add(sum, el("span", "verb verb-" + verb, verb.toUpperCase()));
    add(sum, el("code", "path", path));
    add(sum, el("span", "muted", op.summary || ""));
    var body = add(box, el("div", "opbody"));
    var built = false;
    box.addEventListener("toggle", function () {
      if (!box.open || built) { return; }
      built = true;
      var meta = add(body, el("p", "muted"));
      txt(meta, "operationId ");
      add(meta, el("code", "", op.operationId || "-"));
      if (Array.isArray(op.security) && op.security.length === 0) { txt(meta, " \u00b7 no authentication"); }
      if (op.description) { add(body, el("p", "desc", op.description)); }
      parameters(op, body);
      requestBody(op, body);
      responses(op, body);
    });
    return box;
  }

  function render() {
    while (app.firstChild) { app.removeChild(app.firstChild); }
    var info = spec.info || {};
    add(app, el("h1", "", info.title || "API"));
    var line = add(app, el("p", "muted"));
    txt(line, "version " + (info.version || "?") + " \u00b7 OpenAPI " + (spec.openapi || "?"));
    (spec.servers || []).forEach(function (s) { txt(line, " \u00b7 server " + s.url); });
    if (info.description) { add(app, el("p", "desc", info.description)); }

    var schemes = (spec.components && spec.components.securitySchemes) || {};
    if (Object.keys(schemes).length) {
      add(app, el("h2", "", "Authentication"));
      var table = add(app, el("table"));
      var head = add(table, el("tr"));
      ["Scheme", "Kind", "Description"].forEach(function (h) { add(head, el("th", "", h)); });
      Object.keys(schemes).forEach(function (name) {
        var s = schemes[name];
        var kind = s.type === "http" ? "HTTP " + s.scheme : s.type + " in " + s["in"] + " " + s.name;
        var row = add(table, el("tr"));
        add(row, el("td", "mono", name));
        add(row, el("td", "mono", kind));
        add(row, el("td", "muted", s.description || ""));
      });
    }

    var search = add(app, el("input", "search"));
    search.type = "search";
    search.placeholder = "Filter by verb, path, summary or operationId";
    search.setAttribute("aria-label", "Filter operations");

    var groups = new Map();
    (spec.tags || []).forEach(function (t) { groups.set(String(t.name), []); });
    var verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path];
      verbs.forEach(function (verb) {
        if (!has(item, verb)) { return; }
        var op = item[verb];
        var tags = Array.isArray(op.tags) && op.tags.length ? op.tags : ["other"];
        tags.forEach(function (tag) {
          tag = String(tag);
          if (!groups.has(tag)) { groups.set(tag, []); }
          groups.get(tag).push(operation(verb, path, op));
        });
      });
    });
    var sections = [];
    groups.forEach(function (ops, tag) {
      if (!ops.length) { return; }
      var section = add(app, el("section"));
      add(section, el("h2", "", tag));
      ops.forEach(function (box) { add(section, box); });
      sections.push({ node: section, ops: ops });
    });
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      sections.forEach(function (s) {
        var shown = 0;
        s.ops.forEach(function (box) {
          var hit = !q || box.getAttribute("data-search").indexOf(q) >= 0;
          box.hidden = !hit;
          if (hit) { shown += 1; }
        });
        s.node.hidden = shown === 0;
      });
    });
  }

  function fail(message) {
    while (app.firstChild) { app.removeChild(app.firstChild); }
    add(app, el("h1", "", "API documentation"));
    add(app, el("p", "error", "Could not load " + url + ": " + message));
  }

  fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.json();
    })
    .then(function (data) {
      if (data === null || typeof data !== "object") { throw new Error("not an OpenAPI document"); }
      spec = data;
      render();
    })
    .catch(function (err) { fail(err && err.message ? err.message : String(err)); });
})();
"""


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


DOCS_SCRIPT_SHA256 = _csp_hash(DOCS_SCRIPT)
"""CSP source for the inline script, without quotes: ``script-src 'sha256-…'``."""
DOCS_STYLE_SHA256 = _csp_hash(DOCS_STYLE)
"""CSP source for the inline style sheet: ``style-src 'sha256-…'``."""

# Only single quotes inside: safe in a double-quoted attribute as is.
_META_CSP = (
    f"default-src 'none'; script-src '{DOCS_SCRIPT_SHA256}'; style-src '{DOCS_STYLE_SHA256}'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
)
DOCS_CSP = f"{_META_CSP}; frame-ancestors 'none'"
"""The Content-Security-Policy header the docs route should send."""


def docs_html(openapi_url: str) -> str:
    """The documentation page; ``openapi_url`` is where the script fetches the OpenAPI JSON."""
    url = html.escape(openapi_url, quote=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_META_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(DOCS_TITLE)}</title>\n"
        f"<style>{DOCS_STYLE}</style>\n"
        "</head>\n<body>\n"
        f'<main id="app" data-openapi-url="{url}"><p class="muted">Loading the API description…</p></main>\n'
        f"<script>{DOCS_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )
