import { inArray, sql } from "drizzle-orm";
import { users } from "../../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";

export type InviteeRef = { email: string } | { username: string };

export interface ResolvedInvitee {
  email: string;
  username: string | null;
  inviteeUserId: string | null;
}

/**
 * Resolves invitees on the user side in one query: a username must name an account
 * (`user_not_found` otherwise); an email may or may not have one (if it does, the person
 * is also told in the app).
 */
export async function resolveInvitees(env: Bindings, refs: InviteeRef[]): Promise<Array<ResolvedInvitee | AppError>> {
  const emails = refs.flatMap((r) => ("email" in r ? [r.email] : []));
  const usernames = refs.flatMap((r) => ("username" in r ? [r.username.toLowerCase()] : []));
  const rows =
    emails.length + usernames.length === 0
      ? []
      : await userDatabase(env)
          .select({ id: users.id, email: users.email, username: users.username })
          .from(users)
          .where(
            sql`${emails.length ? inArray(users.email, emails) : sql`0`} OR ${usernames.length ? inArray(sql`lower(${users.username})`, usernames) : sql`0`}`,
          );
  const byEmail = new Map(rows.map((r) => [r.email, r]));
  const byUsername = new Map(rows.filter((r) => r.username).map((r) => [r.username!.toLowerCase(), r]));
  return refs.map((ref) => {
    if ("email" in ref) return { email: ref.email, username: null, inviteeUserId: byEmail.get(ref.email)?.id ?? null };
    const user = byUsername.get(ref.username.toLowerCase());
    if (!user) return new AppError("user_not_found", `No account has the username ${ref.username}.`);
    return { email: user.email, username: user.username, inviteeUserId: user.id };
  });
}

