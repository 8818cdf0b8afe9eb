import { createClient } from "@libsql/client/web";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { auditExportChunk, csvField } from "../../worker/routes/audit/export.ts";
import { call, createOrg, env, origin, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import type { AuditEventView } from "../../worker/views/audit-event.ts";

type AuditEvent = AuditEventView;

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
const header = ["id", "at", "actorType", "actorId", "action", "targetType", "targetId", "data"];

let owner: SignedIn;
let admin: SignedIn;
let member: SignedIn;
let org: { id: string; slug: string };

/** GETs a download as the owner (or `cookie`), raw. */
async function download(path: string, cookie = owner.cookie): Promise<Response> {
  return exports.default.fetch(`${origin}${path}`, { headers: { cookie, "cf-connecting-ip": "192.0.2.1" } });
}

/** RFC 4180: rows of fields, quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field), rows.push(row), (row = []), (field = ""), i++;
    } else field += ch;
  }
  expect(field === "" && row.length === 0, "the file ends with CRLF").toBe(true);
  return rows;
}

/** Every event the list API gives for `query`, walking its pages. */
async function listAll(slug: string, query: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: number | null = null;
  do {
    const page: { status: number; body: { events: AuditEvent[]; nextCursor: number | null } } = await call<{ events: AuditEvent[]; nextCursor: number | null }>("GET", `/api/v1/orgs/${slug}/audit?limit=200&${query}${cursor ? `&cursor=${cursor}` : ""}`, {
      cookie: owner.cookie,
    });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    events.push(...page.body.events);
    cursor = page.body.nextCursor;
  } while (cursor);
  return events;
}

async function exportJson(slug: string, query: string): Promise<AuditEvent[]> {
  const answer = await download(`/api/v1/orgs/${slug}/audit/export?format=json&${query}`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as AuditEvent[];
}

async function exportCsv(slug: string, query: string): Promise<string[][]> {
  const answer = await download(`/api/v1/orgs/${slug}/audit/export?format=csv&${query}`);
  expect(answer.status).toBe(200);
  const rows = parseCsv(await answer.text());
  expect(rows[0]).toEqual(header);
  return rows.slice(1);
}

/** An event as the CSV writes it. */
function asCsv(e: AuditEvent): string[] {
  return [String(e.id), e.at, e.actorType, e.actorId ?? "", e.action, e.targetType, e.targetId ?? "", JSON.stringify(e.data)];
}

async function seedEvents(orgId: string, count: number, make: (i: number) => [string, string | null, string | null, string, string | null, string]): Promise<void> {
  const client = createClient({ url: env.DATABASE_URL ?? "" });
  const now = Date.now();
  const statements = Array.from({ length: count }, (_, i) => {
    const [actorType, actorId, , targetType, targetId, data] = make(i);
    return {
      sql: "INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      args: [orgId, actorType, actorId, make(i)[2] ?? "test.seeded", targetType, targetId, data, now + i],
    };
  });
  for (let i = 0; i < statements.length; i += 1000) await client.batch(statements.slice(i, i + 1000), "write");
  client.close();
}

beforeAll(async () => {
  owner = await signIn(uniqueEmail("export-owner"));
  admin = await signIn(uniqueEmail("export-admin"));
  member = await signIn(uniqueEmail("export-member"));
  org = await createOrg(owner, "audit-export");
  await seedMember(org, admin, "admin");
  await seedMember(org, member, "member");
  await pause();
  expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Exported, \"Inc\"", seatLimit: 10 } })).status).toBe(200);
  await pause();
  for (const who of [owner, admin, owner]) {
    const made = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: who.cookie, body: { invitee: uniqueEmail("export-invitee") } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await pause();
  }
});

describe("exporting the audit trail", () => {
  it("gives exactly the list's entries, in JSON and in CSV, as an attachment", async () => {
    const listed = await listAll(org.slug, "");
    expect(listed.length).toBeGreaterThanOrEqual(5);
    expect(await exportJson(org.slug, "")).toEqual(listed);
    expect(await exportCsv(org.slug, "")).toEqual(listed.map(asCsv));

    const day = new Date().toISOString().slice(0, 10);
    const csv = await download(`/api/v1/orgs/${org.slug}/audit/export`);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="${org.slug}-audit-${day}.csv"`);
    await csv.text();
    const json = await download(`/api/v1/orgs/${org.slug}/audit/export?format=json`);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json.headers.get("content-disposition")).toBe(`attachment; filename="${org.slug}-audit-${day}.json"`);
    await json.text();
  });

  it("applies the list's filters: action, actor, since, until", async () => {
    const all = await listAll(org.slug, "");
    const middle = all[Math.floor(all.length / 2)]!;
    const queries = [
      "action=invitation",
      "action=invitation.created",
      "action=org.updated",
      `actor=${encodeURIComponent(admin.email.toUpperCase())}`,
      `actor=${owner.userId}&action=invitation`,
      "actor=system",
      `since=${encodeURIComponent(middle.at)}`,
      `until=${encodeURIComponent(middle.at)}`,
    ];
    for (const query of queries) {
      const listed = await listAll(org.slug, query);
      expect(await exportJson(org.slug, query), query).toEqual(listed);
      expect(await exportCsv(org.slug, query), query).toEqual(listed.map(asCsv));
    }
    expect((await listAll(org.slug, "action=invitation")).length).toBe(3);
    expect((await listAll(org.slug, `actor=${admin.userId}`)).length).toBe(1);
  });

  it("is refused to members and outsiders, and refuses bad filters", async () => {
    expect((await download(`/api/v1/orgs/${org.slug}/audit/export`, admin.cookie)).status).toBe(200);
    expect((await download(`/api/v1/orgs/${org.slug}/audit/export`, member.cookie)).status).toBe(403);
    const stranger = await signIn(uniqueEmail("export-stranger"));
    expect((await download(`/api/v1/orgs/${org.slug}/audit/export`, stranger.cookie)).status).toBe(404);
    expect((await download(`/api/v1/orgs/${org.slug}/audit/export`, "")).status).toBe(401);
    for (const query of ["format=xml", "action=Member!", "since=yesterday", `since=${encodeURIComponent("2026-02-01T00:00:00Z")}&until=${encodeURIComponent("2026-01-01T00:00:00Z")}`]) {
      const answer = await call("GET", `/api/v1/orgs/${org.slug}/audit/export?${query}`, { cookie: owner.cookie });
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code).toBe("validation_failed");
    }
  });

  it("quotes fields (RFC 4180) and neutralises formulas", async () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-1")).toBe("'-1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvField(null)).toBe("");
    expect(csvField(42)).toBe("42");

    const tricky = await createOrg(owner, "audit-export-tricky");
    const targets = ['=HYPERLINK("http://evil","x")', "+cmd", "-2+3", "@SUM(A1)", "a,b", 'say "hi"', "two\r\nlines", "\tTab"];
    await seedEvents(tricky.id, targets.length, (i) => ["system", null, "test.tricky", "member", targets[i]!, JSON.stringify({ note: targets[i] })]);
    const rows = await exportCsv(tricky.slug, "action=test");
    expect(rows.map((r) => r[6])).toEqual([...targets].reverse().map((t) => `'${t}`.replace(/^'(?![=+\-@\t\r])/, "")));
    expect(rows.map((r) => r[7])).toEqual([...targets].reverse().map((t) => JSON.stringify({ note: t })));
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });

  it(`exports a large trail completely, reading it ${auditExportChunk} events at a time`, async () => {
    const big = await createOrg(owner, "audit-export-big");
    const count = 5_000;
    await seedEvents(big.id, count, (i) => ["user", owner.userId, "test.bulk", "member", `usr_${i}`, JSON.stringify({ i })]);
    // 5,000 seeded plus org.created: not a multiple of the chunk.
    const answer = await download(`/api/v1/orgs/${big.slug}/audit/export?format=csv`);
    expect(answer.status).toBe(200);
    const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads++;
      text += value;
    }
    const rows = parseCsv(text).slice(1);
    expect(rows).toHaveLength(count + 1);
    const ids = rows.map((r) => Number(r[0]));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(rows.at(-1)?.[4]).toBe("org.created");
    expect(rows.filter((r) => r[4] === "test.bulk").map((r) => JSON.parse(r[7]!).i).sort((a: number, b: number) => a - b)).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
    // The body came as a stream of several pieces, not one buffer.
    expect(reads).toBeGreaterThanOrEqual(Math.ceil((count + 1) / auditExportChunk));

    const json = await exportJson(big.slug, "action=test.bulk");
    expect(json).toHaveLength(count);
    expect(json.map((e) => e.id)).toEqual(ids.slice(0, count));
  });
});
