import { z } from "@hono/zod-openapi";

/** The member a `/members/{userId}` route is about. */
export const UserIdParams = z.object({
  userId: z.string().min(1).max(64).openapi({ param: { name: "userId", in: "path" } }),
});
