import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import { expect, inject, test } from "vitest";
import { apiTypes, apiTypesFile } from "./support/api-types.ts";
import { uniqueAddress, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import type { paths } from "./support/roster-api.ts";

/**
 * Issue 22 item 7: the served document is accepted by a client generator as it is. Types come
 * from openapi-typescript (test/e2e/support/roster-api.ts, regenerated with
 * `node test/e2e/support/api-types.ts <appUrl>`), calls go through openapi-fetch.
 */
test("openapi-typescript generates types for every operation of the served document", async () => {
  const response = await fetch(new URL("/api/v1/openapi.json", inject("appUrl")));
  expect(response.status).toBe(200);
  const document = (await response.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
  const generated = await apiTypes(document);
  expect(generated).toContain(`"/api/v1/orgs/{org}/members": {`);
  for (const [path, item] of Object.entries(document.paths)) {
    expect(generated, path).toContain(`"${path}": {`);
    for (const [method, op] of Object.entries(item)) expect(generated, `${method} ${path}`).toContain(`${method}: operations["${op.operationId}"];`);
  }
  // The checked-in types are what the generator makes of this document, for what they cover.
  const checkedIn = readFileSync(apiTypesFile, "utf8");
  for (const operationId of checkedIn.matchAll(/operations\["(\w+)"\]/g)) expect(generated, operationId[1]).toContain(operationId[0]);
});

test("an integrator signs in, creates an organization, invites and lists invitations through openapi-fetch with the generated types", async () => {
  const appUrl = inject("appUrl");
  const address = uniqueAddress();
  const email = uniqueEmail("typed");
  const anonymous = createClient<paths>({ baseUrl: appUrl, headers: { "cf-connecting-ip": address } });

  const asked = await anonymous.POST("/api/v1/auth/magic-link", { body: { email } });
  expect(asked.response.status).toBe(202);
  const mailbox = await anonymous.GET("/api/v1/dev/mailbox", { params: { query: { to: email } } });
  const token = mailbox.data?.messages[0]?.text.match(/\/auth\/callback\?token=(\S+)/)?.[1];
  expect(token, "a sign-in link in the dev mailbox").toBeDefined();
  const session = await anonymous.POST("/api/v1/auth/session", { body: { token: decodeURIComponent(token!) } });
  expect(session.data?.user.email).toBe(email);
  const cookie = session.response.headers.getSetCookie().find((c) => c.startsWith("roster_session="))?.split(";")[0];
  expect(cookie, "the session cookie").toBeDefined();

  // A browser sends its origin with a cookie mutation (CSRF protection); so does this client.
  const owner = createClient<paths>({ baseUrl: appUrl, headers: { "cf-connecting-ip": address, cookie: cookie!, origin: appUrl } });
  const slug = `typed-${uniqueSuffix()}`;
  const created = await owner.POST("/api/v1/orgs", { body: { name: "Typed Co", slug } });
  expect(created.response.status).toBe(201);
  expect(created.data?.org.slug).toBe(slug);

  const invitee = uniqueEmail("typed-invitee");
  const invited = await owner.POST("/api/v1/orgs/{org}/invitations", { params: { path: { org: slug } }, body: { invitee, role: "member", mail: false } });
  expect(invited.response.status, JSON.stringify(invited.error)).toBe(201);

  const listed = await owner.GET("/api/v1/orgs/{org}/invitations", { params: { path: { org: slug }, query: { status: "pending" } } });
  expect(listed.response.status).toBe(200);
  expect(listed.data?.invitations.map((i) => i.email)).toEqual([invitee]);

  // A retry-safe POST (Idempotency-Key) and a project, as an integrator automates them.
  const project = await owner.POST("/api/v1/orgs/{org}/projects", {
    params: { path: { org: slug }, header: { "Idempotency-Key": `typed-${slug}` } },
    body: { name: "Typed project", visibility: "public" },
  });
  expect(project.response.status, JSON.stringify(project.error)).toBe(201);
  const again = await owner.POST("/api/v1/orgs/{org}/projects", {
    params: { path: { org: slug }, header: { "Idempotency-Key": `typed-${slug}` } },
    body: { name: "Typed project", visibility: "public" },
  });
  expect(again.response.headers.get("idempotent-replayed")).toBe("true");
  expect(again.data?.project.id).toBe(project.data?.project.id);
  const projects = await owner.GET("/api/v1/orgs/{org}/projects", { params: { path: { org: slug } } });
  expect(projects.data?.projects.map((p) => p.name)).toEqual(["Typed project"]);

  // Errors come typed too: the one error shape with a stable code.
  const stranger = createClient<paths>({ baseUrl: appUrl, headers: { "cf-connecting-ip": uniqueAddress() } });
  const refused = await stranger.GET("/api/v1/orgs/{org}/members", { params: { path: { org: slug } } });
  expect(refused.response.status).toBe(401);
  expect(refused.error?.error.code).toBe("unauthenticated");
});
