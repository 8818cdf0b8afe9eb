import { z } from "zod";
import { linkKinds } from "../domain/links.ts";
import { InviteeInput } from "./room-client.ts";

/** Inputs of the room's self-registration link methods (parsed there: an RPC is a trust boundary). */
export const LinkKindInput = z.enum(linkKinds);
export const LinkEnabledInput = z.boolean();
export const LinkJoinInputSchema = z.object({ user: InviteeInput, kind: LinkKindInput, generation: z.number().int().min(1).max(999_999_999) });
export const LinkEmailInput = z.string().min(3).max(320).nullable();
