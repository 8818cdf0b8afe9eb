/**
 * How the Worker calls an organization's room: the stub ({@link orgRoom}) and the inputs of
 * its RPC methods. The room parses every input with these schemas (a trust boundary: an RPC
 * crosses isolates, and during a deploy the caller may run other code than the room).
 */
import { z } from "zod";
import { assignmentLimits, projectRoles, projectVisibilities } from "../domain/projects.ts";
import { roles } from "../domain/roles.ts";
import { scopes } from "../domain/scopes.ts";
import type { Bindings } from "../env.ts";
import { AppError, errorStatus, type ErrorCode } from "../errors.ts";
import type { OrgRoom } from "./room.ts";

const id = z.string().min(1).max(200);
const role = z.enum(roles);
const projects = z.array(z.object({ projectId: id, role: z.enum(projectRoles) }));

/** Who acts (org/actor.ts), as the room itself established it on an earlier call. */
export const ActorInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("user"), userId: id, role, sessionId: z.string().max(200) }),
  z.object({ type: z.literal("api_key"), keyId: id, role, scopes: z.array(z.enum(scopes)), createdBy: id }),
]);

/** A credential the Worker read and verified (auth/credentials.ts), not yet authorized here. */
export const CredentialInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("session"), sessionId: id, userId: id, expiresAt: z.number() }),
  z.object({ kind: z.literal("api_key"), secretHash: z.string().regex(/^[0-9a-f]{64}$/) }),
]);

/** An invitation to create, with the invitee already resolved by the Worker. */
export const InviteInput = z.object({
  /** Lower-cased; for an invitation by username, that account's email. */
  email: z.string().min(3).max(320),
  username: z.string().max(64).nullable(),
  inviteeUserId: id.nullable(),
  role,
  projects,
  message: z.string().max(2000).nullable(),
  expiresInDays: z.number().int().positive().nullable(),
  /** False: nothing is mailed (the link is handed over by other means). */
  mail: z.boolean().default(true),
  /** The invitee gets a welcome mail once they join. */
  welcomeEmail: z.boolean().default(false),
});
export type InviteInput = z.infer<typeof InviteInput>;

const errorCodes = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];
const RowError = z.object({ code: z.enum(errorCodes), message: z.string() });

/** A row of a bulk invitation: resolved, or already refused by the Worker. */
export const BulkRowInput = z.union([InviteInput, z.object({ error: RowError })]);
export type BulkRow = z.infer<typeof BulkRowInput>;

export const InvitationPatchInput = z.object({ role: role.optional(), projects: projects.optional(), message: z.string().max(2000).nullable().optional() });
export type InvitationPatch = z.infer<typeof InvitationPatchInput>;

export const OrgPatchInput = z.object({
  name: z.string().min(1).max(200).optional(),
  seatLimit: z.number().int().min(0).optional(),
  autoPrivateProject: z.boolean().optional(),
  allowedEmailDomains: z.array(z.string().max(253)).optional(),
  defaultInviteTtlDays: z.number().int().positive().optional(),
  status: z.enum(["active", "dormant"]).optional(),
});

export const ChangeMemberInput = z.object({ userId: id, role: role.optional(), title: z.string().max(200).optional() });

/** The signed-in user answering an invitation, as the Worker matched them to it. */
export const InviteeInput = z.object({ id, email: z.string().min(3).max(320), username: z.string().max(64).nullable(), name: z.string().max(200) });

export const ApiKeyInput = z.object({ name: z.string().min(1).max(200), scopes: z.array(z.enum(scopes)) });

/** The organization's life cycle: a status to set; the slug typed to confirm a deletion. */
export const OrgStatusInput = z.enum(["active", "dormant"]);
export const DeleteConfirmInput = z.string().max(200).optional();
export const ProjectInput = z.object({ name: z.string().min(1).max(100), visibility: z.enum(projectVisibilities) });
export const ProjectPatchInput = z.object({ name: z.string().min(1).max(100).optional(), visibility: z.enum(projectVisibilities).optional() });
export const ProjectAssignmentInput = z.object({ userIds: z.array(id).min(1).max(assignmentLimits.users), projects: projects.min(1).max(assignmentLimits.projects) });

export const Ids = z.array(id).max(1000);
export const DeliveryChangeInput = z.object({ invitationId: id, mailId: id, delivery: z.enum(["sent", "delivered", "delayed", "bounced", "complained", "failed"]) });
export const IdInput = id;
export const BulkInput = z.array(BulkRowInput).max(1000);

/** Parses an RPC input; a call the Worker should never make is a bug (500), not the user's. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("internal_error", `The room was called with invalid input: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

/** Room ids by namespace and organization: `idFromName` hashes the name on every call. */
const roomIds = new WeakMap<object, Map<string, DurableObjectId>>();
const maxRememberedRoomIds = 10_000;

/** The stub of an organization's room, keyed by the organization's immutable id. */
export function orgRoom(env: Bindings, orgId: string): DurableObjectStub<OrgRoom> {
  const namespace = env.ORG_ROOM;
  let ids = roomIds.get(namespace);
  if (!ids) roomIds.set(namespace, (ids = new Map()));
  let roomId = ids.get(orgId);
  if (!roomId) {
    roomId = namespace.idFromName(orgId);
    if (ids.size >= maxRememberedRoomIds) ids.clear();
    ids.set(orgId, roomId);
  }
  return namespace.get(roomId);
}
