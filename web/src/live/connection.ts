import { createSignal, type Accessor } from "solid-js";
import type { LiveEvent } from "../../../worker/views/index.ts";
import { isLiveEvent, liveCloseCodes, readLiveMessage } from "./messages.ts";

/**
 * Where the live connection stands: `connecting` until the first `ready`; `online` when
 * caught up; `offline` while the socket is down (it reconnects by itself); `ended` when the
 * server closed it for good (removed from the organization, signed out).
 */
export type LiveStatus = "connecting" | "online" | "offline" | "ended";

/** What the connection tells the organization's stores. */
export interface LiveListener {
  /** The first `ready`: the organization's seq now. Read the stores after this, not before. */
  start(seq: number): void;
  /** The first connection failed before `ready`: read the stores anyway (a later `start` reads them again). */
  unavailable(): void;
  /** Events in seq order (a replay after a drop comes sorted, after what arrived live meanwhile). */
  events(events: LiveEvent[]): void;
  /** What was missed is no longer kept: read every store again, then go on from `seq`. */
  resync(seq: number): void;
  /** The server is closing the socket for good (`code`: see `liveCloseCodes`), before the close itself. */
  closing(code: number, reason: string): void;
  /** The seq of the last event applied, to resume from after a drop. */
  lastSeq(): number;
}

export interface LiveConnection {
  status: Accessor<LiveStatus>;
  /** Stops for good: closes the socket, reconnects no more. */
  close(): void;
}

/** Tuning, for tests. */
export interface LiveOptions {
  /** Milliseconds before reconnect attempt `n` (from 0). */
  backoff?: (attempt: number) => number;
  /** How often a quiet socket is asked for a `pong`. */
  pingEveryMs?: number;
  /** How long an answer (pong, resume replay) may take before the socket counts as dead. */
  answerWithinMs?: number;
  /** How long the first connection may take before the stores are read without it. */
  firstReadyWithinMs?: number;
}

/** 1 s, 2 s, 4 s … up to 30 s, each ±20% so that a restarted server is not hit all at once. */
const defaultBackoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);

/** Closes that mean "do not come back": removed (4403), signed out, expired or revoked (4401), organization deleted (4410). */
const finalCodes: ReadonlySet<number> = new Set(Object.values(liveCloseCodes));

/**
 * Opens an organization's live channel (`GET /api/v1/orgs/:slug/live`) and keeps it open:
 * reconnects with backoff after a drop, then sends `{type:"resume", since}` with the last
 * seq applied. Events that arrive live while the replay comes are held until the replay is
 * complete (a `ping` sent after `resume` is answered after it), then handed over in seq
 * order, so nothing is applied out of order. Going offline (the browser's `offline` event,
 * or a ping left unanswered) shows at once; coming back online reconnects at once.
 * Call inside a reactive owner; `close()` when the page leaves.
 */
export function connectLive(url: string, listener: LiveListener, options: LiveOptions = {}): LiveConnection {
  const backoff = options.backoff ?? defaultBackoff;
  const pingEveryMs = options.pingEveryMs ?? 30_000;
  const answerWithinMs = options.answerWithinMs ?? 10_000;
  const [status, setStatus] = createSignal<LiveStatus>("connecting");

  let socket: WebSocket | null = null;
  let started = false;
  let ended = false;
  let attempt = 0;
  /** Events held while a resume replays; null when not catching up. */
  let held: LiveEvent[] | null = null;
  let readySeq = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let answerTimer: ReturnType<typeof setTimeout> | undefined;
  let firstTimer: ReturnType<typeof setTimeout> | undefined = setTimeout(giveUpWaiting, options.firstReadyWithinMs ?? 3000);

  function giveUpWaiting(): void {
    firstTimer = undefined;
    if (!started) listener.unavailable();
  }

  function open(): void {
    clearTimeout(retryTimer);
    if (ended || socket) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("message", (message) => {
      if (socket === ws) receive(message.data);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      // The closing frame normally came first; this is for a server that could not send it.
      if (finalCodes.has(event.code)) return end(event.code, event.reason);
      drop();
    });
  }

  /** The socket is gone (or counts as gone): show it, and try again later. */
  function drop(): void {
    const ws = socket;
    socket = null;
    held = null;
    clearInterval(pingTimer);
    clearTimeout(answerTimer);
    try {
      ws?.close();
    } catch {
      // Already closed.
    }
    if (ended) return;
    if (!started && firstTimer !== undefined) {
      clearTimeout(firstTimer);
      giveUpWaiting();
    }
    setStatus("offline");
    retryTimer = setTimeout(open, backoff(attempt++));
  }

  function end(code: number, reason: string): void {
    if (ended) return;
    ended = true;
    setStatus("ended");
    stop();
    listener.closing(code, reason);
  }

  function stop(): void {
    clearTimeout(retryTimer);
    clearTimeout(firstTimer);
    clearInterval(pingTimer);
    clearTimeout(answerTimer);
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOffline);
    document.removeEventListener("visibilitychange", onVisible);
    const ws = socket;
    socket = null;
    try {
      ws?.close(1000);
    } catch {
      // Already closed.
    }
  }

  function send(frame: { type: "resume"; since: number } | { type: "ping" }): void {
    socket?.send(JSON.stringify(frame));
  }

  /** Expects an answer soon; a socket that gives none is dead even if the browser has not noticed. */
  function expectAnswer(): void {
    clearTimeout(answerTimer);
    answerTimer = setTimeout(drop, answerWithinMs);
  }

  function receive(data: unknown): void {
    clearTimeout(answerTimer);
    const messages = readLiveMessage(data);
    const events = messages.filter(isLiveEvent);
    if (events.length > 0) {
      if (held) held.push(...events);
      else listener.events(events);
    }
    for (const message of messages) {
      switch (message.type) {
        case "ready":
          onReady(message.seq);
          break;
        case "pong":
          if (held) catchUp(held, 0);
          break;
        case "resync":
          listener.resync(message.seq);
          catchUp(held ?? [], message.seq);
          break;
        case "error":
          // A refused resume replays nothing: start over from what the server has now.
          if (held && message.code === "rate_limited") {
            listener.resync(readySeq);
            catchUp(held, readySeq);
          } else console.warn(`[roster] live: ${message.code}: ${message.message}`);
          break;
        case "closing":
          if (finalCodes.has(message.code)) end(message.code, message.reason);
          break;
      }
    }
  }

  function onReady(seq: number): void {
    attempt = 0;
    readySeq = seq;
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      send({ type: "ping" });
      expectAnswer();
    }, pingEveryMs);
    if (!started) {
      started = true;
      clearTimeout(firstTimer);
      setStatus("online");
      return listener.start(seq);
    }
    const since = listener.lastSeq();
    if (since === seq) return void setStatus("online");
    if (since > seq) {
      // The server's log is behind what this page saw (its storage was reset): start over.
      listener.resync(seq);
      return void setStatus("online");
    }
    held = [];
    send({ type: "resume", since });
    send({ type: "ping" });
    expectAnswer();
  }

  /** Hands over what was held during a replay, in seq order, past `after`; then the page is live again. */
  function catchUp(events: LiveEvent[], after: number): void {
    held = null;
    clearTimeout(answerTimer);
    const sorted = events.filter((e) => e.seq > after).sort((a, b) => a.seq - b.seq);
    if (sorted.length > 0) listener.events(sorted);
    setStatus("online");
  }

  function onOffline(): void {
    if (socket) drop();
  }
  function onOnline(): void {
    if (ended || socket) return;
    attempt = 0;
    open();
  }
  function onVisible(): void {
    if (document.visibilityState === "visible") onOnline();
  }
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);
  document.addEventListener("visibilitychange", onVisible);
  open();

  return {
    status,
    close() {
      ended = true;
      stop();
    },
  };
}

/** The live channel's URL for `slug` on this site. */
export function liveUrl(slug: string): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/api/v1/orgs/${encodeURIComponent(slug)}/live`;
}
