import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { escape } from "../../mail/templates.ts";
import { previewMail, previewNames } from "../../mail/previews.ts";
import { errors } from "../schemas.ts";

const description =
  "Exists only in explicit local development without a Resend key, and answers only requests addressed to a loopback host or to `APP_URL`'s host; otherwise 404. Nothing is sent.";

const indexRoute = createRoute({
  operationId: "listMailPreviews",
  security: [],
  method: "get",
  path: "/api/v1/dev/mail-previews",
  tags: ["dev"],
  summary: "Every mail Roster sends, rendered with sample data (local development only)",
  description,
  responses: { 200: { description: "An HTML page: each mail's subject, HTML (framed) and plain text", content: { "text/html": { schema: z.string() } } }, ...errors(404) },
});

const oneRoute = createRoute({
  operationId: "getMailPreview",
  security: [],
  method: "get",
  path: "/api/v1/dev/mail-previews/{name}",
  tags: ["dev"],
  summary: "One mail rendered with sample data (local development only)",
  description,
  request: {
    params: z.object({ name: z.enum(previewNames).openapi({ param: { name: "name", in: "path" } }) }),
    query: z.object({ format: z.enum(["html", "text"]).default("html") }),
  },
  responses: { 200: { description: "The mail's HTML or plain text", content: { "text/html": { schema: z.string() }, "text/plain": { schema: z.string() } } }, ...errors(400, 404) },
});

export function registerMailPreviews(app: OpenAPIHono<AppEnv>): void {
  // The dev-only guard is applied to /api/v1/dev/* by the dev mailbox's registration.
  app.openapi(indexRoute, (c) => {
    const base = appUrl(c);
    const sections = previewNames
      .map((name) => {
        const mail = previewMail(name, base);
        // srcdoc: every response forbids framing (frame-ancestors 'none'); inline mail is not a response.
        return `<section id="${name}"><h2>${escape(name)}</h2><p><b>Subject:</b> ${escape(mail.subject)}</p>
<iframe title="${escape(name)} (HTML)" sandbox srcdoc="${escape(mail.html)}" style="width:100%;height:420px;border:1px solid #d1d5db"></iframe>
<h3>Plain text</h3><pre style="white-space:pre-wrap;background:#f9fafb;padding:12px">${escape(mail.text)}</pre></section>`;
      })
      .join("\n");
    return c.html(
      `<!doctype html><html><head><meta charset="utf-8"><title>Roster mail previews</title></head><body style="font-family:system-ui,sans-serif;max-width:760px;margin:auto;padding:24px">
<h1>Mail previews</h1><p>Every mail Roster sends, with sample data. Nothing is sent.</p><nav><ul>${previewNames.map((n) => `<li><a href="#${n}">${n}</a></li>`).join("")}</ul></nav>${sections}</body></html>`,
      200,
    );
  });
  app.openapi(oneRoute, (c) => {
    const { name } = c.req.valid("param");
    const mail = previewMail(name, appUrl(c));
    return c.req.valid("query").format === "text" ? c.text(mail.text, 200) : c.html(mail.html, 200);
  });
}
