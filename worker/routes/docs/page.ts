import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { errorStatus } from "../../errors.ts";
import { documentInfo, openApiDocument } from "./document.ts";

type Json = Record<string, unknown>;

const escape = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** A JSON schema as a compact, readable type: `{ name: string, role?: "owner" | … }`. */
function typeOf(schema: unknown, depth = 0): string {
  if (!isObject(schema)) return "any";
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop() ?? "";
    return `<a href="#schema-${escape(name)}">${escape(name)}</a>`;
  }
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((s) => typeOf(s, depth)).join(" | ");
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${escape(JSON.stringify(v))}</code>`).join(" | ");
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  const nullable = Array.isArray(schema.type) && schema.type.includes("null") ? " | null" : "";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "array") return `${typeOf(schema.items, depth)}[]${nullable}`;
  if (type === "object" || isObject(schema.properties)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    if (Object.keys(props).length === 0) return `object${nullable}`;
    if (depth > 3) return "{…}";
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const fields = Object.entries(props).map(([name, s]) => {
      const note = isObject(s) && typeof s.description === "string" ? ` <span class="note">${escape(s.description)}</span>` : "";
      return `<li><b>${escape(name)}</b>${required.has(name) ? "" : "?"}: ${typeOf(s, depth + 1)}${note}</li>`;
    });
    return `{<ul>${fields.join("")}</ul>}${nullable}`;
  }
  const bounds = [schema.minimum, schema.maximum].some((b) => b !== undefined)
    ? ` <span class="note">${schema.minimum ?? ""}…${schema.maximum ?? ""}</span>`
    : "";
  return `${escape(type ?? "any")}${schema.format ? ` (${escape(schema.format)})` : ""}${bounds}${nullable}`;
}

function operation(method: string, path: string, op: Json): string {
  const params = Array.isArray(op.parameters) ? (op.parameters as Json[]) : [];
  const body = isObject(op.requestBody) ? (op.requestBody.content as Json | undefined)?.["application/json"] : undefined;
  const responses = isObject(op.responses) ? op.responses : {};
  const auth = Array.isArray(op.security) && op.security.length ? op.security.map((s) => Object.keys(s as Json).join("+")).join(" or ") : "none";
  return `<section class="op" id="${escape(`${method}-${path}`)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary ?? "")}</p>${op.description ? `<p class="note">${escape(op.description)}</p>` : ""}
<p class="note">Auth: ${escape(auth)}</p>
${params.length ? `<h4>Parameters</h4><ul>${params.map((p) => `<li><b>${escape(p.name)}</b> (${escape(p.in)}${p.required ? ", required" : ""}): ${typeOf(p.schema)}${p.description ? ` <span class="note">${escape(p.description)}</span>` : ""}</li>`).join("")}</ul>` : ""}
${isObject(body) ? `<h4>Body</h4><div class="schema">${typeOf(body.schema)}</div>` : ""}
<h4>Responses</h4><ul>${Object.entries(responses)
    .map(([status, r]) => {
      const schema = isObject(r) && isObject(r.content) ? (r.content["application/json"] as Json | undefined)?.schema : undefined;
      return `<li><b>${escape(status)}</b> ${escape(isObject(r) ? (r.description ?? "") : "")}${schema ? ` — ${typeOf(schema)}` : ""}</li>`;
    })
    .join("")}</ul></section>`;
}

/** Renders the whole reference from the OpenAPI document: no script, no CDN, works offline. */
export function renderReference(doc: Json): string {
  const paths = isObject(doc.paths) ? doc.paths : {};
  const ops = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(isObject(item) ? item : {}).map(([method, op]) => ({ path, method, op: op as Json })),
  );
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  const codes = Object.entries(errorStatus).map(([code, status]) => `<tr><td><code>${code}</code></td><td>${status}</td></tr>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roster API reference</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:auto;padding:24px;color:#111}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#a5b4fc}}
h1{color:#4f46e5}.op{border-top:1px solid #8884;padding:8px 0}.note{color:#6b7280}
.method{font:bold 12px monospace;padding:2px 6px;border-radius:4px;color:#fff;background:#6b7280}
.get{background:#2563eb}.post{background:#16a34a}.patch{background:#d97706}.delete{background:#dc2626}
ul{margin:2px 0;padding-left:20px;list-style:none}.schema{font-family:monospace;font-size:13px}
nav a{display:block;font-size:13px}table{border-collapse:collapse}td{padding:2px 12px 2px 0}
</style></head><body>
<h1>${escape((doc.info as Json | undefined)?.title ?? "API")}</h1><p>${escape((doc.info as Json | undefined)?.description ?? "")}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<nav>${ops.map(({ method, path }) => `<a href="#${escape(`${method}-${path}`)}">${method.toUpperCase()} ${escape(path)}</a>`).join("")}</nav>
<h2>Operations</h2>${ops.map(({ method, path, op }) => operation(method, path, op)).join("")}
<h2>Error codes</h2><table>${codes}</table>
<h2>Schemas</h2>${Object.entries(schemas).map(([name, s]) => `<section id="schema-${escape(name)}"><h3>${escape(name)}</h3><div class="schema">${typeOf(s)}</div></section>`).join("")}
</body></html>`;
}

/** `GET /api/docs`: the browsable reference, rendered once per isolate. */
export function registerReferencePage(app: OpenAPIHono<AppEnv>): void {
  let html: string | undefined;
  app.get("/api/docs", (c) => {
    html ??= renderReference(openApiDocument(app) as unknown as Json);
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    return c.html(html);
  });
}
