import { env } from "cloudflare:workers";
import { describe, expect, inject, it, vi } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import { mailOutbox } from "../../db/schema/index.ts";
import { createApp } from "../../worker/app.ts";
import { userDatabase } from "../../worker/lib/database.ts";
import { origin, uniqueEmail } from "./support/client.ts";

interface Received {
  path: string;
  authorization?: string;
  body: { from: string; to: string | string[]; subject: string; text: string; html: string };
  /** What the stand-in answered. */
  status: number;
}

/** The Worker with a Resend key, pointed at the local stand-in of Resend's API. */
const withResend = { ...env, RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: inject("resendUrl") };

async function received(): Promise<Received[]> {
  const response = await fetch(`${inject("resendUrl")}/__received`);
  return response.json<Received[]>();
}

describe("mail through Resend", () => {
  it("sends the sign-in link through the Resend SDK, from EMAIL_FROM, with the API key", async () => {
    const email = uniqueEmail("resend");
    const answer = await createApp().request(
      "/api/v1/auth/magic-link",
      { method: "POST", headers: { "content-type": "application/json", origin, "cf-connecting-ip": "198.51.100.7" }, body: JSON.stringify({ email }) },
      withResend,
    );
    expect(answer.status).toBe(202);
    const mail = (await received()).find((m) => m.path === "/emails" && JSON.stringify(m.body).includes(email));
    expect(mail).toBeDefined();
    expect(mail?.path).toBe("/emails");
    expect(mail?.authorization).toBe("Bearer re_test_key");
    expect(mail?.body.from).toBe(env.EMAIL_FROM);
    expect(mail?.body.subject).toMatch(/sign-in link/);
    expect(mail?.body.text).toMatch(/\/auth\/callback\?token=[A-Za-z0-9_-]{40,}/);
  });

  it("answers 202 all the same when Resend fails, so the answer tells nothing", async () => {
    const ask = (email: string, address: string) =>
      createApp().request(
        "/api/v1/auth/magic-link",
        { method: "POST", headers: { "content-type": "application/json", origin, "cf-connecting-ip": address }, body: JSON.stringify({ email }) },
        withResend,
      );
    const delivered = uniqueEmail("resend-ok");
    const failing = uniqueEmail("fail500");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    let ok: Response;
    let failed: Response;
    let errors: string[];
    try {
      ok = await ask(delivered, "198.51.100.8");
      failed = await ask(failing, "198.51.100.9");
      errors = logged.mock.calls.map((args) => args.map(String).join(" "));
    } finally {
      logged.mockRestore();
    }
    // Resend was asked for this very mail and refused it (the stand-in's 500)...
    const mail = await received();
    expect(mail.filter((m) => JSON.stringify(m.body).includes(delivered)).map((m) => m.status)).toEqual([200]);
    expect(mail.filter((m) => JSON.stringify(m.body).includes(failing)).map((m) => [m.path, m.status])).toEqual([["/emails", 500]]);
    // ...the mail waits in the outbox for its retry (logging nothing of its link)...
    const [row] = await userDatabase(env).select().from(mailOutbox).where(and(isNull(mailOutbox.orgId), eq(mailOutbox.to, failing)));
    expect(row).toMatchObject({ status: "queued", attempts: 1, lastError: expect.stringContaining("internal_server_error") });
    expect(errors.join("\n")).not.toMatch(/token=/);
    // ...and answered exactly as for a mail that went out.
    expect(failed.status).toBe(202);
    expect(failed.status).toBe(ok.status);
    expect(await failed.json()).toEqual(await ok.json());
    expect([...failed.headers.keys()].sort()).toEqual([...ok.headers.keys()].sort());
    expect(failed.headers.get("set-cookie")).toMatch(/signin/);
    expect(ok.headers.get("set-cookie")).toMatch(/signin/);
  });

  it("reports mail as Resend on /api/health, and has no dev mailbox then", async () => {
    const health = await createApp().request("/api/health", {}, withResend);
    expect((await health.json<{ mail: string }>()).mail).toBe("resend");
    const mailbox = await createApp().request("/api/v1/dev/mailbox", {}, withResend);
    expect(mailbox.status).toBe(404);
  });
});
