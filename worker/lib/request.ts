import type { Context } from "hono";
import type { AppEnv } from "../env.ts";

/** The client's address as Cloudflare reports it (`unknown` when there is none, locally). */
export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}

/** The dashboard's public URL, for links in mail: `APP_URL`, else the request's origin. */
export function appUrl(c: Context<AppEnv>): string {
  return (c.env.APP_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}
