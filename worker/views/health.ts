import { z } from "@hono/zod-openapi";
import { mailerKinds } from "../domain/mail.ts";

/** `GET /api/health`: Roster and its database are up. */
export const Health = z
  .object({
    status: z.literal("ok"),
    database: z.object({ reachable: z.literal(true), latencyMs: z.number() }),
    mail: z.enum(mailerKinds).openapi({
      description: "`resend` with a key; `dev_mailbox` in local development; else `not_configured`.",
    }),
    localDev: z.boolean(),
    time: z.iso.datetime(),
  })
  .openapi("Health");
export type HealthView = z.infer<typeof Health>;
