import type { Context } from "hono";
import { isLocalDev, type AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";

/**
 * The client's address as per-address limits count it (`unknown` when there is none,
 * locally): Cloudflare's `cf-connecting-ip`, an IPv6 address grouped by its /64 (one
 * subscriber's prefix: a host picks any of its 2^64 addresses freely, so counting each
 * address alone would count nothing).
 */
export function clientAddress(c: Context<AppEnv>): string {
  return addressGroup(c.req.header("cf-connecting-ip") ?? "unknown");
}

/** An IPv6 address's /64 prefix (`2001:db8:0:1::/64`); an IPv4-mapped one as IPv4; others as they are. */
export function addressGroup(address: string): string {
  const value = address.trim().toLowerCase();
  if (!value.includes(":")) return value;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value);
  if (mapped) return mapped[1]!;
  const [head = "", tail, extra] = value.split("::");
  if (extra !== undefined) return value;
  const groups = (part: string) => (part === "" ? [] : part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])));
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const full = tail === undefined ? first : [...first, ...Array<string>(Math.max(0, 8 - first.length - last.length)).fill("0"), ...last];
  if (full.length !== 8 || !full.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return value;
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

/**
 * The dashboard's public URL, for links in mail: `APP_URL`. Never the request's origin (a
 * `Host` header is the caller's to choose, and a link built from it would point mail at their
 * site), except in explicit local development; elsewhere a missing `APP_URL` is 500
 * `misconfigured`, logged.
 */
export function appUrl(c: Context<AppEnv>): string {
  const configured = c.env.APP_URL;
  if (configured) return configured.replace(/\/+$/, "");
  if (isLocalDev(c.env)) return new URL(c.req.url).origin;
  console.error("[roster] APP_URL is not set: refusing to build links for mail");
  throw new AppError("misconfigured", "This deployment cannot build links: APP_URL is not configured.");
}
