/**
 * Organizations arranged over the API for the members page's browser tests: an owner, people
 * who joined through invitations, and invitations in each state.
 */
import { expect } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./api.ts";

export interface Person {
  email: string;
  cookie: string;
  userId: string;
}

export interface ArrangedOrg {
  slug: string;
  name: string;
  owner: Person;
}

/** A signed-in person, with a name and username when given. */
export async function person(email: string, profile?: { name?: string; username?: string }): Promise<Person> {
  const cookie = await signInOverApi(email);
  const userId = field<string>((await call("/api/v1/me", { cookie })).body, "user", "id");
  if (profile) expect((await call("/api/v1/me", { cookie, method: "PATCH", body: profile })).status).toBe(200);
  return { email, cookie, userId };
}

/** A new organization owned by a new person; `seatLimit` when the plan's five are not enough. */
export async function arrangeOrg(stem: string, seatLimit?: number): Promise<ArrangedOrg> {
  const owner = await person(uniqueEmail(`${stem}-owner`));
  const slug = `${stem}-${uniqueSuffix()}`;
  const name = `${stem[0]?.toUpperCase()}${stem.slice(1)} ${slug.slice(-6)}`;
  expect((await call("/api/v1/orgs", { cookie: owner.cookie, body: { name, slug } })).status).toBe(201);
  if (seatLimit !== undefined) await setSeatLimit({ slug, name, owner }, seatLimit);
  return { slug, name, owner };
}

export async function setSeatLimit(org: ArrangedOrg, seatLimit: number): Promise<void> {
  expect((await call(`/api/v1/orgs/${org.slug}`, { cookie: org.owner.cookie, method: "PATCH", body: { seatLimit } })).status).toBe(200);
}

/** An invitation made over the API; answers its id and link. */
export async function inviteOverApi(org: ArrangedOrg, invitee: string, role = "member", by = org.owner): Promise<{ id: string; url: string }> {
  const made = await call(`/api/v1/orgs/${org.slug}/invitations`, { cookie: by.cookie, body: { invitee, role } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { id: field<string>(made.body, "invitation", "id"), url: field<string>(made.body, "inviteUrl") };
}

/** A person who signs in, is invited with `role` and accepts. */
export async function join(org: ArrangedOrg, email: string, role = "member", profile?: { name?: string; username?: string }): Promise<Person> {
  const joined = await person(email, profile);
  const { url } = await inviteOverApi(org, email, role);
  const token = new URL(url).pathname.split("/invitations/")[1];
  const accepted = await call(`/api/v1/invitations/${token}/accept`, { cookie: joined.cookie, method: "POST" });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return joined;
}

/** Sets a member's title over the API. */
export async function setTitle(org: ArrangedOrg, userId: string, title: string): Promise<void> {
  expect((await call(`/api/v1/orgs/${org.slug}/members/${userId}`, { cookie: org.owner.cookie, method: "PATCH", body: { title } })).status).toBe(200);
}
