import { sql } from "drizzle-orm";
import { users, type User } from "../../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { newId } from "../../lib/ids.ts";

/**
 * The account a `new` link's verification joins with, before anything else happens: the
 * join needs its id, and the token is used and the session started only once the join went
 * through (a refused join must leave the token good and the browser signed out). Created
 * with `name` if there is none (not verified and never signed in yet: the session does both);
 * an account without a name takes this one. Only the holder of the mailed token gets here.
 */
export async function joiningAccount(env: Bindings, email: string, name: string, now: number): Promise<User> {
  const db = userDatabase(env);
  const trimmed = name.trim();
  const [user] = await db
    .insert(users)
    .values({ id: newId("usr", now), email, name: trimmed, createdAt: new Date(now) })
    .onConflictDoUpdate({
      target: users.email,
      set: trimmed ? { name: sql`CASE WHEN ${users.name} = '' THEN ${trimmed} ELSE ${users.name} END` } : { email: sql`${users.email}` },
    })
    .returning();
  if (!user) throw new AppError("internal_error", "Could not prepare the account.");
  return user;
}
