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
 * Resolves invitees: a username must name an account (`user_not_found` otherwise), found
 * on the user side in one query for all of them. An email needs no lookup — whether it
 * has an account is settled inside the invitation's own transaction — so the common case
 * costs no database round trip here.
 */
export async function resolveInvitees(env: Bindings, refs: InviteeRef[]): Promise<Array<ResolvedInvitee | AppError>> {
  const usernames = refs.flatMap((r) => ("username" in r ? [r.username.toLowerCase()] : []));
  const rows =
    usernames.length === 0
      ? []
      : await userDatabase(env)
          .select({ id: users.id, email: users.email, username: users.username })
          .from(users)
          .where(inArray(sql`lower(${users.username})`, usernames));
  const byUsername = new Map(rows.filter((r) => r.username).map((r) => [r.username!.toLowerCase(), r]));
  return refs.map((ref) => {
    if ("email" in ref) return { email: ref.email, username: null, inviteeUserId: null };
    const user = byUsername.get(ref.username.toLowerCase());
    if (!user) return new AppError("user_not_found", `No account has the username ${ref.username}.`);
    return { email: user.email, username: user.username, inviteeUserId: user.id };
  });
}

