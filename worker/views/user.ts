import { z } from "@hono/zod-openapi";
import type { User as UserRow } from "../../db/schema/index.ts";

/** A user as the API shows them to themselves. */
export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    username: z.string().nullable(),
    name: z.string(),
    emailVerified: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("User");
export type UserView = z.infer<typeof User>;

export function userView(user: UserRow): UserView {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
