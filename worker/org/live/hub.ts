import { visibleTo } from "../../domain/live-visibility.ts";
import { lowerOf, type Permission, type Role } from "../../domain/roles.ts";
import {
  ClientFrame,
  defaultAudience,
  liveCloseCodes,
  maxClientFrameLength,
  type LiveEventDraft,
  type ServerMessage,
} from "./protocol.ts";
import { EventLog, frameOf, messageOf, subjectOf, type EventRow } from "./event-log.ts";
import { shapedFrame } from "./shape.ts";
import { creatorTag, keyTag, sessionTag, SocketViewer, tagsOf, userTag } from "./viewer.ts";

/** Most events in one message of a `resume` replay. */
const replayBatch = 100;

/** `resume` frames one socket may send per {@link resumeWindowMs}; past that they replay nothing. */
export const resumesPerWindow = 10;
const resumeWindowMs = 60_000;

/** Close codes a peer may send but nobody may send back (RFC 6455 §7.4.1). */
const unsendableCloseCodes = new Set([1005, 1006, 1015]);

/** A published event on its way to the log and the sockets, its frame built once. */
interface UnsentEvent extends EventRow {
  frame: string;
}

/**
 * The organization's live channel, inside its room: the numbered event log (in the room's
 * SQLite storage, so `seq` survives eviction), the hibernatable sockets, and who may see
 * what. It never throws into the platform's handlers for a client's mistake.
 */
export class LiveHub {
  readonly #ctx: DurableObjectState;
  readonly #log: EventLog;
  /** Events published and not sent yet (see `flush`). */
  #unsent: UnsentEvent[] = [];
  /** Attachments parsed once per socket per instance (a hibernated room starts empty). */
  readonly #viewers = new WeakMap<WebSocket, SocketViewer>();
  /** When each socket's recent `resume` frames came (kept per instance: a hibernated room forgets). */
  readonly #resumes = new WeakMap<WebSocket, number[]>();
  readonly #now: () => number;
  /** The earliest end of a session among the open sockets; undefined: not known since the room woke. */
  #nextExpiry: number | null | undefined;

  constructor(ctx: DurableObjectState, options: { retention?: number; now?: () => number } = {}) {
    this.#ctx = ctx;
    this.#log = new EventLog(ctx.storage.sql, options.retention);
    this.#now = options.now ?? Date.now;
  }

  /** The seq of the newest event (0 before the first). */
  get seq(): number {
    return this.#log.seq;
  }

  /** Accepts an authorized upgrade: tags the socket, keeps its viewer, sends `ready`. */
  accept(viewer: SocketViewer): Response {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.#ctx.acceptWebSocket(server, tagsOf(viewer));
    server.serializeAttachment(viewer);
    this.#viewers.set(server, viewer);
    this.#send(server, { type: "ready", seq: this.#log.seq });
    const expiresAt = expiryOf(viewer);
    if (expiresAt !== null && this.#nextExpiry !== undefined && (this.#nextExpiry === null || expiresAt < this.#nextExpiry)) this.#nextExpiry = expiresAt;
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * When the next open socket's session ends (null: none will), for the room's alarm. After
   * the room wakes from hibernation this reads every socket's attachment once.
   */
  nextExpiry(): number | null {
    if (this.#nextExpiry === undefined) this.closeExpired();
    return this.#nextExpiry ?? null;
  }

  /** Closes (4401) every socket whose session has ended, and notes when the next one ends. */
  closeExpired(): void {
    const now = this.#now();
    let next: number | null = null;
    for (const ws of this.#ctx.getWebSockets()) {
      const viewer = this.#viewer(ws);
      const expiresAt = viewer ? expiryOf(viewer) : null;
      if (expiresAt === null) continue;
      if (expiresAt <= now) this.#closeExpired(ws);
      else if (next === null || expiresAt < next) next = expiresAt;
    }
    this.#nextExpiry = next;
  }

  /**
   * Numbers an event and queues it for the log and for the sockets allowed to see it. Call
   * it after the command committed, inside the room's queue, so seq order is commit order.
   * Events published together (one group commit's) are written to the log and sent
   * together at `flush()`, or at the end of the current microtask queue when nobody calls it.
   */
  publish(event: LiveEventDraft, audience: Permission = defaultAudience[event.type], subject?: string | null): number {
    const { type, data } = event;
    const seq = this.#log.next();
    const at = new Date(this.#now()).toISOString();
    const json = JSON.stringify(data);
    this.#unsent.push({ seq, type, at, data: json, audience, subject: subject === undefined ? subjectOf(type, data) : subject, frame: frameOf({ seq, type, at, data: json }) });
    if (this.#unsent.length === 1) queueMicrotask(() => this.flush());
    return seq;
  }

  /**
   * Logs what was published since the last flush (one insert) and sends it: one message per
   * socket, the one event it may see as an object or, when it may see several, their array
   * in seq order. A command that creates an invitation and changes the seats costs each
   * socket one send, not two; a group of a hundred commands, one send instead of a hundred
   * and one.
   */
  flush(): void {
    if (this.#unsent.length === 0) return;
    const events = this.#unsent;
    this.#unsent = [];
    this.#log.append(events);
    // Sockets that see the same events get the same string, built once.
    const messages = new Map<string, string>();
    const now = this.#now();
    for (const ws of this.#ctx.getWebSockets()) {
      const viewer = this.#viewer(ws);
      if (!viewer) continue;
      if (isExpired(viewer, now)) {
        this.#closeExpired(ws);
        continue;
      }
      // What the socket sees of each event ("0": nothing), some shaped for it (shape.ts).
      let key = "";
      const frames: string[] = [];
      for (const event of events) {
        if (!visibleTo(viewer, event)) {
          key += "0";
          continue;
        }
        const shaped = shapedFrame(viewer, event, event.frame);
        key += shaped.key;
        frames.push(shaped.frame);
      }
      let message = messages.get(key);
      if (message === undefined) {
        message = messageOf(frames);
        messages.set(key, message);
      }
      if (message) this.#sendRaw(ws, message);
    }
  }

  /** A client frame: parsed, never trusted; a bad one gets an error frame. */
  onMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const viewer = this.#viewer(ws);
    if (!viewer) return;
    if (isExpired(viewer, this.#now())) return this.#closeExpired(ws);
    if (typeof message !== "string") return this.#refuse(ws, "Frames are JSON text, not binary.");
    if (message.length > maxClientFrameLength) return this.#refuse(ws, `Frames are at most ${maxClientFrameLength} characters.`);
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return this.#refuse(ws, "The frame is not JSON.");
    }
    const frame = ClientFrame.safeParse(json);
    if (!frame.success) {
      const issue = frame.error.issues[0];
      return this.#refuse(ws, `Invalid frame${issue?.path.length ? ` at ${issue.path.join(".")}` : ""}: ${issue?.message ?? "unknown"}.`);
    }
    if (frame.data.type === "ping") return this.#send(ws, { type: "pong" });
    if (!this.#mayResume(ws)) {
      return this.#send(ws, { type: "error", code: "rate_limited", message: `At most ${resumesPerWindow} resume frames a minute; reconnect or wait.` });
    }
    this.#resume(ws, viewer, frame.data.since);
  }

  /** The peer closed: finish the closing handshake (codes that cannot be sent become 1000). */
  onClose(ws: WebSocket, code: number, reason: string): void {
    if (!this.#viewer(ws)) return;
    try {
      ws.close(unsendableCloseCodes.has(code) ? 1000 : code, reason);
    } catch {
      // Already closed (the runtime may have answered the close itself).
    }
  }

  /**
   * Closes every socket of a member who lost access, and those of the API keys they
   * created (a key dies with its creator's membership).
   */
  closeUser(userId: string, code: number = liveCloseCodes.removed, reason = "You are no longer a member of this organization."): void {
    for (const ws of [...this.#ctx.getWebSockets(userTag(userId)), ...this.#ctx.getWebSockets(creatorTag(userId))]) {
      this.#close(ws, code, reason);
    }
  }

  /** Closes the sockets opened with a session that was signed out. */
  closeSession(sessionId: string, code: number = liveCloseCodes.signedOut, reason = "Signed out."): void {
    for (const ws of this.#ctx.getWebSockets(sessionTag(sessionId))) this.#close(ws, code, reason);
  }

  /** Closes every socket of the organization (it was deleted). */
  closeAll(code: number = liveCloseCodes.deleted, reason = "This organization was deleted."): void {
    for (const ws of this.#ctx.getWebSockets()) this.#close(ws, code, reason);
  }

  /** Closes the sockets of a revoked API key. */
  closeKey(keyId: string, code: number = liveCloseCodes.revoked, reason = "The API key was revoked."): void {
    for (const ws of this.#ctx.getWebSockets(keyTag(keyId))) this.#close(ws, code, reason);
  }

  /**
   * A member's role changed: rewrite the attachment of their sockets, and of the sockets
   * of keys they created (a key never acts beyond its creator's role, nor above admin).
   * The next event is filtered by the new role.
   */
  setRole(userId: string, role: Role): void {
    for (const ws of this.#ctx.getWebSockets(userTag(userId))) this.#rewrite(ws, role);
    for (const ws of this.#ctx.getWebSockets(creatorTag(userId))) this.#rewrite(ws, lowerOf("admin", role));
  }

  /** Counts a `resume` against the socket's allowance: a replay reads the log, so a loop of them is refused. */
  #mayResume(ws: WebSocket): boolean {
    const now = this.#now();
    const recent = (this.#resumes.get(ws) ?? []).filter((at) => at > now - resumeWindowMs);
    if (recent.length >= resumesPerWindow) {
      this.#resumes.set(ws, recent);
      return false;
    }
    recent.push(now);
    this.#resumes.set(ws, recent);
    return true;
  }

  #resume(ws: WebSocket, viewer: SocketViewer, since: number): void {
    const rows = this.#log.since(since);
    // Events since+1 … are gone, or the client claims a future it cannot have seen.
    if (rows === null) return this.#send(ws, { type: "resync", seq: this.#log.seq });
    // Everything the socket missed, in messages of up to `replayBatch` events. Events still
    // waiting for `flush` are not in the log yet: the flush brings them.
    let frames: string[] = [];
    for (const row of rows) {
      if (!visibleTo(viewer, row)) continue;
      frames.push(shapedFrame(viewer, row).frame);
      if (frames.length === replayBatch) {
        this.#sendRaw(ws, messageOf(frames));
        frames = [];
      }
    }
    if (frames.length > 0) this.#sendRaw(ws, messageOf(frames));
  }

  #rewrite(ws: WebSocket, role: Role): void {
    const viewer = this.#viewer(ws);
    if (!viewer) return;
    const next = { ...viewer, role };
    ws.serializeAttachment(next);
    this.#viewers.set(ws, next);
  }

  /** The socket's viewer; null for a socket this hub did not accept. */
  #viewer(ws: WebSocket): SocketViewer | null {
    const known = this.#viewers.get(ws);
    if (known) return known;
    const parsed = SocketViewer.safeParse(ws.deserializeAttachment());
    if (!parsed.success) return null;
    this.#viewers.set(ws, parsed.data);
    return parsed.data;
  }

  #refuse(ws: WebSocket, message: string): void {
    this.#send(ws, { type: "error", code: "invalid_frame", message });
  }

  #send(ws: WebSocket, message: ServerMessage): void {
    this.#sendRaw(ws, JSON.stringify(message));
  }

  #sendRaw(ws: WebSocket, frame: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    try {
      ws.send(frame);
    } catch (error) {
      // One broken socket must not keep an event from the others.
      console.warn("[roster] LiveHub: a send failed:", error);
    }
  }

  #closeExpired(ws: WebSocket): void {
    this.#close(ws, liveCloseCodes.signedOut, "Your session has expired; sign in again.");
  }

  #close(ws: WebSocket, code: number, reason: string): void {
    // A frame naming the close goes first: a page cannot rely on when the close event itself
    // arrives. Closed at once, and never sent anything again (a closing socket is not OPEN).
    this.#send(ws, { type: "closing", code, reason });
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }
}

/** When the socket's session ends, or null for a socket with no end (an API key's, an older one). */
function expiryOf(viewer: SocketViewer): number | null {
  return viewer.kind === "user" ? (viewer.expiresAt ?? null) : null;
}

function isExpired(viewer: SocketViewer, now: number): boolean {
  const expiresAt = expiryOf(viewer);
  return expiresAt !== null && expiresAt <= now;
}
