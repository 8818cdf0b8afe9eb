import type { OrgView } from "../../../worker/views/index.ts";
import { invitationTtlDays } from "../../../worker/domain/invitations.ts";
import { maxSeatLimit } from "../../../worker/domain/seats.ts";
import { ApiError, describeError } from "../api.ts";
import { nameProblem } from "../slug.ts";

/** The settings form's fields, as typed (numbers stay text until sent). */
export interface SettingsDraft {
  name: string;
  seatLimit: string;
  defaultInviteTtlDays: string;
  allowedEmailDomains: string[];
  /** Every new member gets a private project of their own. */
  autoPrivateProject: boolean;
}

export type SettingsField = keyof SettingsDraft;

/** What the form says is wrong, per field and for the whole form. */
export type SettingsProblems = Partial<Record<SettingsField | "form", string>>;

/** The largest seat limit the API takes (PATCH /orgs/:slug); the deployment's cap may be lower. */
export const seatLimitMax = maxSeatLimit;
export const maxDomains = 50;

/** The form's values for an organization as it is. */
export function draftOf(org: OrgView): SettingsDraft {
  return {
    name: org.name,
    seatLimit: String(org.seatLimit),
    defaultInviteTtlDays: String(org.defaultInviteTtlDays),
    allowedEmailDomains: org.allowedEmailDomains,
    autoPrivateProject: org.autoPrivateProject,
  };
}

function wholeNumber(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}

/** What is wrong with each field the person changed. */
export function draftProblems(draft: SettingsDraft, changed: ReadonlySet<SettingsField>): SettingsProblems {
  const problems: SettingsProblems = {};
  if (changed.has("name")) problems.name = nameProblem(draft.name) ?? undefined;
  if (changed.has("seatLimit")) {
    const limit = wholeNumber(draft.seatLimit);
    if (limit === null || limit > seatLimitMax) problems.seatLimit = `Enter a whole number from 0 to ${seatLimitMax.toLocaleString()}.`;
  }
  if (changed.has("defaultInviteTtlDays")) {
    const days = wholeNumber(draft.defaultInviteTtlDays);
    if (days === null || days < invitationTtlDays.min || days > invitationTtlDays.max) {
      problems.defaultInviteTtlDays = `Enter a number of days from ${invitationTtlDays.min} to ${invitationTtlDays.max}.`;
    }
  }
  for (const key of Object.keys(problems) as SettingsField[]) if (!problems[key]) delete problems[key];
  return problems;
}

/** The PATCH body: only what differs from the organization as it is now. */
export function patchOf(draft: SettingsDraft, org: OrgView): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (draft.name.trim() !== org.name) patch.name = draft.name.trim();
  if (Number(draft.seatLimit) !== org.seatLimit) patch.seatLimit = Number(draft.seatLimit);
  if (Number(draft.defaultInviteTtlDays) !== org.defaultInviteTtlDays) patch.defaultInviteTtlDays = Number(draft.defaultInviteTtlDays);
  if (draft.allowedEmailDomains.join(",") !== org.allowedEmailDomains.join(",")) patch.allowedEmailDomains = draft.allowedEmailDomains;
  if (draft.autoPrivateProject !== org.autoPrivateProject) patch.autoPrivateProject = draft.autoPrivateProject;
  return patch;
}

/** The API's own rule for a domain (worker/routes/orgs/update.ts). */
const domainShape = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A typed domain as the API keeps it ("@Example.COM " → "example.com"). */
export function normalizeDomain(text: string): string {
  return text.trim().toLowerCase().replace(/^@/, "").replace(/\.$/, "");
}

/** What is wrong with adding `domain` to `domains`, or null. */
export function domainProblem(domain: string, domains: readonly string[]): string | null {
  if (!domain) return "Enter a domain, such as example.com.";
  if (domain.includes("@")) return "Enter only the part after @, such as example.com.";
  if (!domainShape.test(domain)) return "This is not a domain name, such as example.com.";
  if (domains.includes(domain)) return `${domain} is already in the list.`;
  if (domains.length >= maxDomains) return `At most ${maxDomains} domains.`;
  return null;
}

const fieldOfPath: Record<string, SettingsField> = {
  name: "name",
  seatLimit: "seatLimit",
  defaultInviteTtlDays: "defaultInviteTtlDays",
  allowedEmailDomains: "allowedEmailDomains",
  autoPrivateProject: "autoPrivateProject",
};

/** Places the API's refusal next to the field it is about (its own words). */
export function serverProblems(error: unknown): SettingsProblems {
  if (error instanceof ApiError && error.code === "seat_limit_cap") {
    return { seatLimit: error.message };
  }
  if (error instanceof ApiError && error.code === "validation_failed" && error.issues.length) {
    const problems: SettingsProblems = {};
    const other: string[] = [];
    for (const issue of error.issues) {
      const [head, index] = issue.path.split(".");
      const field = fieldOfPath[head ?? ""];
      if (!field) other.push(issue.message);
      else if (field === "allowedEmailDomains" && index !== undefined) problems[field] ??= `Domain ${Number(index) + 1}: ${issue.message}`;
      else problems[field] ??= issue.message;
    }
    if (other.length) problems.form = other.join(" ");
    return problems;
  }
  return { form: `Could not save the settings: ${describeError(error)}` };
}

/** The seat cap the API named in a `seat_limit_cap` refusal. */
export function seatCapOf(error: unknown): number | undefined {
  const cap = error instanceof ApiError && error.code === "seat_limit_cap" ? error.details?.cap : undefined;
  return typeof cap === "number" ? cap : undefined;
}
