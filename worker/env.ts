import type { Credential } from "./lib/credential.ts";
import type { User } from "../db/schema/index.ts";
import type { Clock } from "./lib/clock.ts";
import type { Actor } from "./org/actor.ts";

declare global {
  namespace Cloudflare {
    /**
     * Settings that arrive as secrets or `--var`s and may be absent, beside what
     * wrangler.toml declares (generated into worker-configuration.d.ts).
     */
    interface Env {
      /** `libsql://…` (Turso) or `http://127.0.0.1:PORT` (the local server in db/server). */
      DATABASE_URL?: string;
      DATABASE_AUTH_TOKEN?: string;
      SESSION_SECRET?: string;
      RESEND_API_KEY?: string;
      RESEND_BASE_URL?: string;
      RESEND_WEBHOOK_SECRET?: string;
      /** Requests per second this deployment makes to Resend, across all organizations (mail/pace.ts). */
      RESEND_REQUESTS_PER_SECOND?: string;
      APP_URL?: string;
      /**
       * Local development is switched on explicitly (`npm run dev` and the tests set it
       * to "1"); it is never inferred from a missing key. It enables the dev mailbox.
       */
      ROSTER_LOCAL_DEV?: string;
      /** Abuse limits an operator may raise (worker/lib/abuse-limits.ts has the defaults). */
      ORGS_PER_USER_PER_DAY?: string;
      INVITE_MAIL_PER_USER_PER_HOUR?: string;
      SEAT_LIMIT_CAP?: string;
      SIGN_IN_MAIL_PER_HOUR?: string;
    }
  }
}

/** The Worker's bindings and settings. */
export type Bindings = Cloudflare.Env;

/** Per-request values on Hono's typed context. */
export interface Variables {
  requestId: string;
  clock: Clock;
  /** The caller's claimed identity (auth/credentials.ts); null when anonymous. */
  credential: Credential | null;
  /** Set by `requireUser` on user-scoped routes. */
  user: User;
  /** Set by `orgAccess` on organization routes. */
  org: { id: string; slug: string };
  actor: Actor;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

export function isLocalDev(env: Bindings): boolean {
  return env.ROSTER_LOCAL_DEV === "1" || env.ROSTER_LOCAL_DEV === "true";
}
