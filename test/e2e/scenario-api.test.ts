import { expect, test } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";

/**
 * The client scenario against `npm run dev`, over plain fetch as an integrator
 * would: sign in through the dev mailbox, create and read an organization, see outsiders
 * refused, and use (then revoke) an owner's API key.
 */
test("an organization is readable by its owner and the owner's live API keys, and refused to everyone else", async () => {
  const owner = await signInOverApi(uniqueEmail("owner"));
  const slug = `scenario-${uniqueSuffix()}`;

  // A cookie mutation from a foreign origin is refused (CSRF), even for the owner.
  const forged = await call("/api/v1/orgs", { cookie: owner, origin: "https://evil.example", body: { name: "Forged", slug } });
  expect(forged.status).toBe(403);

  const created = await call("/api/v1/orgs", { cookie: owner, body: { name: "Scenario Co", slug } });
  expect(created.status).toBe(201);
  expect(field(created.body, "org", "slug")).toBe(slug);
  expect(field(created.body, "seats")).toEqual({ limit: 5, used: 1, members: 1, pending: 0, available: 4 });

  const read = await call(`/api/v1/orgs/${slug}`, { cookie: owner });
  expect(read.status).toBe(200);
  expect(field(read.body, "org", "name")).toBe("Scenario Co");
  expect(field(read.body, "seats", "used")).toBe(1);
  const me = await call("/api/v1/me", { cookie: owner });
  expect(field(me.body, "memberships")).toEqual([
    expect.objectContaining({ org: expect.objectContaining({ slug, name: "Scenario Co" }), role: "owner" }),
  ]);

  // Outsiders: another signed-in person is told it does not exist; nobody at all gets 401.
  const outsider = await signInOverApi(uniqueEmail("outsider"));
  const refused = await call(`/api/v1/orgs/${slug}`, { cookie: outsider });
  expect(refused.status).toBe(404);
  expect(field(refused.body, "error", "code")).toBe("not_found");
  const anonymous = await call(`/api/v1/orgs/${slug}`);
  expect(anonymous.status).toBe(401);
  expect(field(anonymous.body, "error", "code")).toBe("unauthenticated");

  // The owner's API key reads the organization with `Authorization: Bearer`.
  const key = await call(`/api/v1/orgs/${slug}/api-keys`, { cookie: owner, body: { name: "provisioning", scopes: ["org:read"] } });
  expect(key.status).toBe(201);
  const secret = field<string>(key.body, "secret");
  const keyId = field<string>(key.body, "apiKey", "id");
  expect(secret).toMatch(/^rk_/);
  const byKey = await call(`/api/v1/orgs/${slug}`, { bearer: secret });
  expect(byKey.status).toBe(200);
  expect(field(byKey.body, "org", "slug")).toBe(slug);
  // A key is bound to its organization: it opens no other.
  const otherSlug = `other-${uniqueSuffix()}`;
  expect((await call("/api/v1/orgs", { cookie: outsider, body: { name: "Other", slug: otherSlug } })).status).toBe(201);
  expect((await call(`/api/v1/orgs/${otherSlug}`, { bearer: secret })).status).toBe(401);

  // Revoked, it is refused at once.
  expect((await call(`/api/v1/orgs/${slug}/api-keys/${keyId}`, { cookie: owner, method: "DELETE" })).status).toBe(204);
  const revoked = await call(`/api/v1/orgs/${slug}`, { bearer: secret });
  expect(revoked.status).toBe(401);
  expect(field(revoked.body, "error", "code")).toBe("unauthenticated");
});
