import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { unpackLiveMessage, type LiveWireMessage, type ServerMessage } from "../../../worker/org/live/protocol.ts";
import { origin } from "./client.ts";

export interface ConnectOptions {
  cookie?: string;
  bearer?: string;
  origin?: string | null;
  upgrade?: boolean;
}

/** Asks the Worker for the live socket the way a browser (or an API client) does. */
export function connect(slug: string, options: ConnectOptions = {}): Promise<Response> {
  const headers = new Headers();
  if (options.upgrade !== false) headers.set("upgrade", "websocket");
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.bearer) headers.set("authorization", `Bearer ${options.bearer}`);
  const from = options.origin === undefined ? origin : options.origin;
  if (from) headers.set("origin", from);
  return exports.default.fetch(`${origin}/api/v1/orgs/${slug}/live`, { headers });
}

/** An open socket that records every message, and waits for the next one that matches. */
export class LiveClient {
  readonly ws: WebSocket;
  /** Server messages in order, unpacked from the socket's messages. */
  readonly messages: ServerMessage[] = [];
  /** The socket's messages as they came (an event array counts once). */
  readonly received: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #cursor = 0;
  #wake: (() => void) | null = null;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (event) => {
      this.received.push(String(event.data));
      this.messages.push(...unpackLiveMessage(JSON.parse(String(event.data)) as LiveWireMessage));
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
  }

  /** The next message after the last one taken that matches; fails after 5 s. */
  async take(match: (m: ServerMessage) => boolean = () => true): Promise<ServerMessage> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const index = this.messages.findIndex((m, i) => i >= this.#cursor && match(m));
      if (index >= 0) {
        this.#cursor = index + 1;
        return this.messages[index]!;
      }
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(this.messages.slice(this.#cursor))}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /**
   * Everything the socket received since the last take, up to a pong. The room sends a
   * command's events before it answers, and one socket keeps its order, so a ping sent
   * after the answer fences exactly that command's events.
   */
  async drain(): Promise<Event[]> {
    const from = this.#cursor;
    this.send({ type: "ping" });
    await this.take((m) => m.type === "pong");
    return this.messages.slice(from, this.#cursor - 1).map((m) => {
      if (!isEvent(m)) throw new Error(`expected only events before the pong, got ${JSON.stringify(m)}`);
      return m;
    });
  }

  /** Messages received since the last one taken. */
  pending(): ServerMessage[] {
    return this.messages.slice(this.#cursor);
  }
}

export async function open(slug: string, options: ConnectOptions): Promise<LiveClient> {
  const response = await connect(slug, options);
  expect(response.status).toBe(101);
  if (!response.webSocket) throw new Error("no socket");
  return new LiveClient(response.webSocket);
}

export type Event = Extract<ServerMessage, { seq: number; at: string }>;
export const isEvent = (m: ServerMessage): m is Event => "seq" in m && "at" in m;
export const ofType = (type: string) => (m: ServerMessage) => m.type === type;
export const about = (userId: string) => (m: ServerMessage) => isEvent(m) && "userId" in m.data && m.data.userId === userId;
export const seqOf = (m: ServerMessage) => (isEvent(m) || m.type === "ready" || m.type === "resync" ? m.seq : NaN);

