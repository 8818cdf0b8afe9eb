import { AppError } from "../../errors.ts";
import type { Permission } from "../../domain/roles.ts";
import { actorCan, type Actor } from "../actor.ts";

/** Every command starts here: the actor must hold `permission`. */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (!actorCan(actor, permission)) {
    throw new AppError("forbidden", `Your role does not allow ${permission}.`, { permission });
  }
}
