import { AppError } from "../errors.ts";
import type { Credential } from "../lib/credential.ts";
import type { RoomStateSlot } from "./room-state.ts";

/**
 * A deleted organization, as an API key sees it: exactly like one that does not exist
 * (401 `unauthenticated`, the answer of `targetOf` in middleware/org-access.ts), so any
 * made-up `rk_…` bearer cannot tell which slugs were deleted. A session keeps the
 * documented `409 org_unavailable`.
 */
export async function deletedAsUnknownKey<T>(loading: Promise<T>, credential: Credential): Promise<T> {
  try {
    return await loading;
  } catch (error) {
    if (credential.kind === "api_key" && error instanceof AppError && error.code === "org_unavailable") {
      throw new AppError("unauthenticated", "The API key is not valid for this organization.");
    }
    throw error;
  }
}

/**
 * Whether the room's organization turns out to be deleted: loading its state (once per
 * instance; room-state.ts) refuses it and closes every socket with 4410. Any other failure
 * to load is not an answer about the organization, and the caller goes on.
 */
export async function orgDeleted(slot: RoomStateSlot): Promise<boolean> {
  try {
    await slot.load(slot.orgId());
    return false;
  } catch (error) {
    return error instanceof AppError && error.code === "org_unavailable";
  }
}
