/**
 * The live protocol of `GET /api/v1/orgs/:org/live`, defined once: what clients may send
 * (parsed with zod) and what the server sends (types the dashboard imports, through
 * views/index.ts). Its values depend only on zod; its payloads are the API's views.
 */
import { z } from "zod";
import type { JoinedVia } from "../../domain/memberships.ts";
import type { Permission, Role } from "../../domain/roles.ts";
import type { InvitationView } from "../../views/invitation.ts";
import type { LinkStateView } from "../../views/link.ts";
import type { OrgView } from "../../views/org.ts";
import type { SeatsView } from "../../views/seats.ts";
import type { ProjectChangedData } from "../../views/project.ts";

// ── Client → server ──────────────────────────────────────────────────────────────────

/** `{type:"resume", since}`: send every event after `since`, or `resync`. `{type:"ping"}`: answer `pong`. */
export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("resume"), since: z.number().int().min(0) }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** The longest client frame read (in UTF-16 units); longer ones get an error frame. */
export const maxClientFrameLength = 4096;

// ── Server → client: events ──────────────────────────────────────────────────────────

export const liveEventTypes = [
  "invitation.created",
  "invitation.updated",
  "member.joined",
  "member.updated",
  "member.removed",
  "seats.changed",
  "org.updated",
  "project.changed",
  "links.changed",
] as const;
export type LiveEventType = (typeof liveEventTypes)[number];

/** The `data` of each event type: the API's views (worker/views/), as the HTTP API answers them. */
export interface LiveEventData {
  "invitation.created": { invitation: InvitationView };
  /** The invitation as it is now (also when its mail is reported sent or failed), or only its id once deleted. */
  "invitation.updated": { invitation: InvitationView | { id: string; deleted: true } };
  /** `via`: how they joined; `linkTag`: the generation of the self-registration link they used. */
  "member.joined": { userId: string; role: Role; via: JoinedVia; linkTag?: string };
  /** The member's fields that may have changed; absent ones did not. */
  "member.updated": { userId: string; role: Role; title?: string; name?: string };
  "member.removed": { userId: string };
  "seats.changed": SeatsView;
  /** The organization as `GET /orgs/:org` shows it. */
  "org.updated": { org: OrgView };
  /** A project as it is now, or only its id once deleted; `userIds`: members whose role in it changed. */
  "project.changed": ProjectChangedData;
  /** A self-registration link was enabled, disabled or regenerated (never its URL: that is read with `GET /orgs/:org/links`). */
  "links.changed": { link: LinkStateView };
}

/** An event as its publisher hands it to the live channel, before it is numbered. */
export type LiveEventDraft = { [K in LiveEventType]: { type: K; data: LiveEventData[K] } }[LiveEventType];

/** A numbered event: `seq` strictly increases per organization; `at` is ISO 8601. */
export type LiveEvent<T extends LiveEventType = LiveEventType> = {
  [K in T]: { seq: number; type: K; at: string; data: LiveEventData[K] };
}[T];

/**
 * Who may see each event type unless its publisher says otherwise: the permission that
 * reads the same thing through the HTTP API. Member events are also shown to the member
 * they are about (see domain/live-visibility.ts).
 */
export const defaultAudience = {
  "invitation.created": "invitations:read",
  "invitation.updated": "invitations:read",
  "member.joined": "members:read",
  "member.updated": "members:read",
  "member.removed": "members:read",
  "seats.changed": "org:read",
  "org.updated": "org:read",
  // A private project's event goes to projects:write and its own member (views/project.ts projectAudience).
  "project.changed": "projects:read",
  "links.changed": "invitations:read",
} as const satisfies Record<LiveEventType, Permission>;

// ── Server → client: control frames ──────────────────────────────────────────────────

export type LiveErrorCode = "invalid_frame" | "rate_limited";

export type ControlFrame =
  /** First frame on every socket: the organization's current `seq`. */
  | { type: "ready"; seq: number }
  /** The events asked for are no longer kept (or `since` is ahead): reload, then go on from `seq`. */
  | { type: "resync"; seq: number }
  | { type: "pong" }
  /** A frame the server could not use, or a `resume` past its rate; the socket stays open. */
  | { type: "error"; code: LiveErrorCode; message: string }
  /**
   * Sent right before the server closes the socket with `code` (see `liveCloseCodes`): a page
   * cannot rely on when the close event itself arrives.
   */
  | { type: "closing"; code: number; reason: string };

/** Everything the server sends: events have a dotted `type`, control frames a plain one. */
export type ServerMessage = LiveEvent | ControlFrame;

/**
 * What one WebSocket message carries: a server message, or an array of events in `seq`
 * order — the events one commit produced that the socket may see (a new invitation and
 * the seats it took), or a slice of a `resume` replay. Control frames always come alone.
 */
export type LiveWireMessage = ServerMessage | LiveEvent[];

/** The server messages in one WebSocket message's parsed JSON, in order. */
export function unpackLiveMessage(message: LiveWireMessage): ServerMessage[] {
  return Array.isArray(message) ? message : [message];
}

/** Close codes the server uses (4000–4999 are the application's). */
export const liveCloseCodes = {
  /** The member was removed from the organization: do not reconnect. */
  removed: 4403,
  /** The API key was revoked, or its creator left the organization. */
  revoked: 4401,
  /** The session that opened the socket was signed out, or it expired: sign in again. */
  signedOut: 4401,
  /** The organization was deleted: do not reconnect (routes/orgs/delete.ts). */
  deleted: 4410,
} as const;
