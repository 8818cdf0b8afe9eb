import { z } from "@hono/zod-openapi";
import type { loginTokens } from "../../db/schema/index.ts";

/** Whom a sign-in link's token would sign in, without using it. */
export const SignInPreview = z
  .object({
    email: z.string().openapi({ description: "Whom the link signs in." }),
    requestedHere: z.boolean().openapi({ description: "Whether this browser asked for the link (its sign-in nonce cookie matches)." }),
    expiresAt: z.string().openapi({ description: "When the link stops working (ISO 8601)." }),
  })
  .openapi("SignInPreview");
export type SignInPreviewView = z.infer<typeof SignInPreview>;

export function signInPreviewView(token: Pick<typeof loginTokens.$inferSelect, "email" | "expiresAt">, requestedHere: boolean): SignInPreviewView {
  return { email: token.email, requestedHere, expiresAt: token.expiresAt.toISOString() };
}
