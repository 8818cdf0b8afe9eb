import { z } from "zod";
import { roles } from "../../domain/roles.ts";
import { scopes } from "../../domain/scopes.ts";
import type { Actor } from "../actor.ts";

const Role = z.enum(roles);

/**
 * Who holds a socket, as its attachment keeps it (small, and it survives hibernation).
 * The role is rewritten when it changes; everything else is fixed at accept time.
 */
export const SocketViewer = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("user"),
    id: z.string().min(1),
    role: Role,
    sessionId: z.string().min(1),
    /** When the session ends (epoch ms): the socket is closed then. Absent on sockets accepted before it was kept. */
    expiresAt: z.number().int().optional(),
  }),
  z.object({
    kind: z.literal("api_key"),
    id: z.string().min(1),
    role: Role,
    scopes: z.array(z.enum(scopes)),
    createdBy: z.string().min(1),
  }),
]);
export type SocketViewer = z.infer<typeof SocketViewer>;

const ActorSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("user"), userId: z.string().min(1), role: Role, sessionId: z.string() }),
  z.object({
    type: z.literal("api_key"),
    keyId: z.string().min(1),
    role: Role,
    scopes: z.array(z.enum(scopes)),
    createdBy: z.string().min(1),
  }),
]) satisfies z.ZodType<Actor>;

/**
 * Headers the Worker sets when it hands an authorized upgrade to the room. The room
 * trusts them only because a Durable Object's `fetch` is reachable from this Worker alone.
 */
export const liveHeaders = { actor: "x-roster-actor", org: "x-roster-org", sessionExpiresAt: "x-roster-session-expires-at" } as const;

/** The organization and actor of a handed-over upgrade (and its session's end), or null when the headers are not valid. */
export function parseLiveHandover(headers: Headers): { orgId: string; actor: Actor; sessionExpiresAt?: number } | null {
  const orgId = headers.get(liveHeaders.org);
  const raw = headers.get(liveHeaders.actor);
  if (!orgId || !raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const actor = ActorSchema.safeParse(json);
  if (!actor.success) return null;
  const expires = headers.get(liveHeaders.sessionExpiresAt);
  if (expires === null) return { orgId, actor: actor.data };
  const sessionExpiresAt = Number(expires);
  return Number.isSafeInteger(sessionExpiresAt) ? { orgId, actor: actor.data, sessionExpiresAt } : null;
}

/** The socket's viewer for an actor the room has just re-checked; a session's socket ends with the session. */
export function viewerOf(actor: Actor, sessionExpiresAt?: number): SocketViewer {
  return actor.type === "user"
    ? { kind: "user", id: actor.userId, role: actor.role, sessionId: actor.sessionId, ...(sessionExpiresAt !== undefined ? { expiresAt: sessionExpiresAt } : {}) }
    : { kind: "api_key", id: actor.keyId, role: actor.role, scopes: actor.scopes, createdBy: actor.createdBy };
}

/**
 * Tags are fixed at accept time: a member's socket by user and session (sign-out ends it),
 * a key's by key and creator (whose removal ends it).
 */
export function tagsOf(viewer: SocketViewer): string[] {
  return viewer.kind === "user"
    ? [userTag(viewer.id), sessionTag(viewer.sessionId)]
    : [keyTag(viewer.id), creatorTag(viewer.createdBy)];
}

export const userTag = (userId: string) => `user:${userId}`;
export const keyTag = (keyId: string) => `key:${keyId}`;
export const sessionTag = (sessionId: string) => `session:${sessionId}`;
export const creatorTag = (userId: string) => `key-by:${userId}`;
