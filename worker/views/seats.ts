import { z } from "@hono/zod-openapi";

/**
 * An organization's seats, as domain/seats.ts's `seats()` computes them:
 * `used = members + pending`, `available = limit − used` (never below 0).
 */
export const Seats = z
  .object({ limit: z.number().int(), used: z.number().int(), members: z.number().int(), pending: z.number().int(), available: z.number().int() })
  .openapi("Seats");
export type SeatsView = z.infer<typeof Seats>;
