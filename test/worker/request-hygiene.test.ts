import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createOrg, origin, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

const mutating = ["post", "put", "patch", "delete"];

/** Every mutating operation of the OpenAPI document, with its path parameters filled in. */
async function mutatingRoutes(slug: string): Promise<Array<{ method: string; path: string }>> {
  const document = await (await exports.default.fetch(`${origin}/api/v1/openapi.json`)).json<OpenApiDocument>();
  return Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.keys(operations)
      .filter((method) => mutating.includes(method))
      .map((method) => ({
        method: method.toUpperCase(),
        path: template.replace("{org}", slug).replace(/{kind}/g, "existing").replace(/{(\w+)}/g, "x0000000000000000000000"),
      })),
  );
}

describe("every write requires JSON", () => {
  let owner: SignedIn;
  let org: { slug: string; id: string };

  beforeAll(async () => {
    owner = await signIn(uniqueEmail("hygiene-owner"));
    org = await createOrg(owner, "hygiene");
  });

  const bodies: Array<[string, Record<string, string>]> = [
    ["text/plain", { "content-type": "text/plain" }],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }],
    ["no content type", {}],
  ];

  for (const [label, headers] of bodies) {
    it(`refuses a body sent as ${label} on every mutating route with 415, and changes nothing`, async () => {
      const routes = await mutatingRoutes(org.slug);
      expect(routes.length).toBeGreaterThan(20);
      const body = JSON.stringify({ invitee: "hygiene@example.com", role: "member", name: "Renamed", email: "x@example.com", token: "x" });
      const answers = await Promise.all(
        routes.map(async ({ method, path }) => {
          const response = await exports.default.fetch(`${origin}${path}`, {
            method,
            headers: { ...headers, cookie: owner.cookie, origin, "cf-connecting-ip": "192.0.2.77" },
            body,
          });
          const answer = (await response.json()) as { error?: { code: string } };
          return { route: `${method} ${path}`, status: response.status, code: answer.error?.code };
        }),
      );
      expect(answers.filter((a) => a.status !== 415 || a.code !== "unsupported_media_type")).toEqual([]);
      const invitations = await call<{ invitations: unknown[] }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
      expect(invitations.body.invitations).toEqual([]);
      const read = await call<{ org: { name: string } }>("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
      expect(read.body.org.name).toBe(`Org ${org.slug}`);
    });
  }

  it("still takes a JSON body with a charset, and a bodiless action with no content type", async () => {
    const response = await exports.default.fetch(`${origin}/api/v1/orgs/${org.slug}/invitations`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", cookie: owner.cookie, origin },
      body: JSON.stringify({ invitee: uniqueEmail("charset"), role: "member" }),
    });
    expect(response.status).toBe(201);
    const { invitation } = await response.json<{ invitation: { id: string } }>();
    const revoked = await exports.default.fetch(`${origin}/api/v1/orgs/${org.slug}/invitations/${invitation.id}/revoke`, {
      method: "POST",
      headers: { cookie: owner.cookie, origin },
    });
    expect(revoked.status).toBe(200);
  });
});

describe("dev-only routes answer only this machine", () => {
  const mailbox = (base: string) => exports.default.fetch(`${base}/api/v1/dev/mailbox?limit=1`);

  it("serves the dev mailbox to loopback hosts and to APP_URL's host", async () => {
    for (const base of ["http://localhost:8787", "http://127.0.0.1:8788", "http://[::1]:8787", origin]) {
      expect((await mailbox(base)).status, base).toBe(200);
    }
  });

  it("answers 404 to any other host, as a DNS-rebinding page would send", async () => {
    for (const base of ["http://attacker.example:8788", "http://roster.test.attacker.example", "http://localhost.attacker.example:8787", "http://192.168.1.5:8788"]) {
      const response = await mailbox(base);
      expect(response.status, base).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
  });
});
