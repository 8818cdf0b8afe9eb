import { z } from "@hono/zod-openapi";
import { linkKinds, type LinkState } from "../domain/links.ts";
import { Role } from "./role.ts";

/** A self-registration link's state, without its URL (what `links.changed` carries). */
export const LinkStateSchema = z
  .object({
    kind: z.enum(linkKinds).openapi({ description: "`new`: register and join; `existing`: sign in and join" }),
    enabled: z.boolean(),
    generation: z.number().int().openapi({ description: "Bumped by every regeneration; the URL is derived from it" }),
    tag: z.string().nullable().openapi({ description: "The generation's date (YYYY-MM-DD), stored on every membership made through it; null until first enabled", example: "2026-12-03" }),
    rotatedAt: z.string().nullable(),
  })
  .openapi("LinkState");
export type LinkStateView = z.infer<typeof LinkStateSchema>;

/** A self-registration link as owners and admins see it: its state and its URL, shown again at any time. */
export const Link = LinkStateSchema.extend({ url: z.string().openapi({ example: "https://roster.example/join/org_01….n1.…" }) }).openapi("Link");
export type LinkView = z.infer<typeof Link>;

export const LinkList = z.object({ links: z.array(Link) }).openapi("LinkList");
export type LinkListView = z.infer<typeof LinkList>;

export function linkStateView(link: LinkState): LinkStateView {
  return { kind: link.kind, enabled: link.enabled, generation: link.generation, tag: link.tag, rotatedAt: link.rotatedAt?.toISOString() ?? null };
}

/** What a link offers whoever holds it: the organization and the kind; nothing about its members or seats. */
export const LinkPreview = z
  .object({
    org: z.object({ name: z.string(), slug: z.string() }),
    kind: z.enum(linkKinds),
    role: Role.openapi({ description: "The role joining through a link gives (`restricted`)" }),
  })
  .openapi("LinkPreview");
export type LinkPreviewView = z.infer<typeof LinkPreview>;

/** The answer to a join: joined now, or a member already (no second seat is taken). */
export const LinkJoin = z
  .object({
    status: z.enum(["joined", "already_member"]),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    role: Role,
    linkTag: z.string().nullable().openapi({ description: "The tag stored on the membership (null when already a member)" }),
  })
  .openapi("LinkJoin");
export type LinkJoinView = z.infer<typeof LinkJoin>;

/** `POST /join/:token/register`: always the same answer, whether or not the address has an account. */
export const RegisterAccepted = z.object({ status: z.literal("accepted"), message: z.string() }).openapi("LinkRegisterAccepted");
