import { z } from "@hono/zod-openapi";
import { roles } from "../domain/roles.ts";

/** A member's role in an organization (its type is domain/roles.ts's `Role`). */
export const Role = z.enum(roles).openapi("Role");
