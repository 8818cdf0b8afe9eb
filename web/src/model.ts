// The API's types come from the Worker (worker/views/index.ts), as types only.
import type { Role } from "../../worker/views/index.ts";

export const roleLabel: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member", restricted: "Restricted" };
