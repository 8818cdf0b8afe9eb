import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Pool } from "./conn.ts";
import { ProtocolError } from "./errors.ts";
import { Stream } from "./stream.ts";

/** How long an unused stream lives by default (sqld: 10 s). */
export const DEFAULT_STREAM_IDLE_MS = 10_000;
/** How long an expired stream's baton still answers STREAM_EXPIRED rather than BATON_INVALID. */
const EXPIRED_MEMORY_MS = 5 * 60_000;
const MAX_EXPIRED_REMEMBERED = 10_000;

/**
 * All open streams, keyed by a random id. Batons are `base64(id ‖ seq ‖ HMAC-SHA256(id ‖ seq))`
 * like sqld's: unforgeable, and each one is good for exactly one request (the sequence number
 * moves on every use). An idle stream expires, which rolls back its transaction and frees its lock.
 */
export class StreamRegistry {
  readonly #key = randomBytes(32);
  readonly #streams = new Map<string, Stream>();
  readonly #expired = new Map<string, number>();
  readonly #pool: Pool;
  readonly #idleMs: number;
  readonly #maxStreams: number;

  constructor(pool: Pool, idleMs = DEFAULT_STREAM_IDLE_MS, maxStreams = 1000) {
    this.#pool = pool;
    this.#idleMs = idleMs;
    this.#maxStreams = maxStreams;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** Opens a new stream (no baton) or takes the one the baton names, for one request. */
  acquire(baton: string | null): Stream {
    if (baton === null) {
      if (this.#streams.size >= this.#maxStreams) {
        throw new ProtocolError(`Too many open streams (${this.#maxStreams}); close streams or retry later`, "TOO_MANY_STREAMS", 429);
      }
      const stream = new Stream(randomBytes(8).toString("hex"), randomBytes(8).readBigUInt64BE(), this.#pool);
      this.#streams.set(stream.id, stream);
      stream.busy = true;
      return stream;
    }
    const [id, seq] = this.#decode(baton);
    const stream = this.#streams.get(id);
    if (stream === undefined) {
      if (this.#expired.has(id)) throw new ProtocolError("The stream has expired due to inactivity", "STREAM_EXPIRED");
      throw new ProtocolError("Received an invalid baton", "BATON_INVALID");
    }
    if (stream.busy || stream.seq !== seq) {
      throw new ProtocolError("Received a baton that has already been used", "BATON_REUSED");
    }
    clearTimeout(stream.timer);
    stream.busy = true;
    return stream;
  }

  /** Ends a request on the stream: returns the baton for the next request, or null once closed. */
  release(stream: Stream): string | null {
    stream.busy = false;
    if (stream.closed) {
      this.#streams.delete(stream.id);
      return null;
    }
    stream.seq = (stream.seq + 1n) & 0xffffffffffffffffn;
    stream.timer = setTimeout(() => this.#expire(stream), this.#idleMs);
    stream.timer.unref();
    return this.#encode(stream.id, stream.seq);
  }

  /** Drops a stream at once (after a protocol error, as sqld does): its transaction rolls back. */
  destroy(stream: Stream): void {
    clearTimeout(stream.timer);
    stream.close();
    this.#streams.delete(stream.id);
  }

  /** Closes every stream (server shutdown). */
  closeAll(): void {
    for (const s of [...this.#streams.values()]) this.destroy(s);
  }

  #expire(stream: Stream): void {
    if (stream.busy || this.#streams.get(stream.id) !== stream) return;
    this.destroy(stream);
    const now = Date.now();
    for (const [id, at] of this.#expired) {
      if (now - at < EXPIRED_MEMORY_MS && this.#expired.size < MAX_EXPIRED_REMEMBERED) break;
      this.#expired.delete(id);
    }
    this.#expired.set(stream.id, now);
  }

  #mac(payload: Buffer): Buffer {
    return createHmac("sha256", this.#key).update(payload).digest();
  }

  #encode(id: string, seq: bigint): string {
    const payload = Buffer.alloc(16);
    payload.write(id, 0, "hex");
    payload.writeBigUInt64BE(seq, 8);
    return Buffer.concat([payload, this.#mac(payload)]).toString("base64url");
  }

  #decode(baton: string): [string, bigint] {
    const data = /^[A-Za-z0-9_-]{64}$/.test(baton) ? Buffer.from(baton, "base64url") : Buffer.alloc(0);
    if (data.length !== 48) throw new ProtocolError("Received an invalid baton", "BATON_INVALID");
    const payload = data.subarray(0, 16);
    if (!timingSafeEqual(data.subarray(16), this.#mac(payload))) {
      throw new ProtocolError("Received an invalid baton", "BATON_INVALID");
    }
    return [payload.subarray(0, 8).toString("hex"), payload.readBigUInt64BE(8)];
  }
}
