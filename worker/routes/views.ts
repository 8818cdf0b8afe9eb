import type { User } from "../../db/schema/index.ts";

/** A user as the API shows them to themselves. */
export function userView(user: User) {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
