import type { DeletedOrgView, OrgView } from "../../../worker/views/index.ts";
import { api, post } from "../api.ts";

/** Whether what the owner typed confirms deleting the organization `slug`: exactly the slug, as the API checks it. */
export function confirmsDeletion(slug: string, typed: string): boolean {
  return typed === slug;
}

const orgPath = (slug: string) => `/api/v1/orgs/${encodeURIComponent(slug)}`;

/** Makes the organization dormant, or wakes it (POST …/dormant, …/wake). */
export function setOrgStatus(slug: string, status: OrgView["status"]): Promise<{ org: OrgView }> {
  return post<{ org: OrgView }>(`${orgPath(slug)}/${status === "dormant" ? "dormant" : "wake"}`);
}

/** Leaves the organization (POST …/leave). */
export function leaveOrg(slug: string): Promise<void> {
  return post<void>(`${orgPath(slug)}/leave`);
}

/** Deletes the organization, confirmed by its slug (DELETE …). */
export function deleteOrg(slug: string, confirm: string): Promise<DeletedOrgView> {
  return api<DeletedOrgView>(orgPath(slug), { method: "DELETE", body: JSON.stringify({ confirm }) });
}
