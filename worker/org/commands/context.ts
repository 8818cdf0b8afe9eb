import { AppError } from "../../errors.ts";
import type { Permission } from "../../domain/roles.ts";
import type { Database } from "../../lib/database.ts";
import { actorCan, type Actor } from "../actor.ts";
import type { RoomState } from "../state.ts";

/** What a room command works with. Commands run one at a time, inside the room's queue. */
export interface CommandContext {
  db: Database;
  state: RoomState;
  now: number;
}

/** Every command starts here: the actor must hold `permission`. */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (!actorCan(actor, permission)) {
    throw new AppError("forbidden", `Your role does not allow ${permission}.`, { permission });
  }
}
