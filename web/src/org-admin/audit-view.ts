import type { AuditEventView, AuditNameView } from "../../../worker/views/index.ts";
import { describeAuditAction } from "../../../worker/domain/audit-actions.ts";

type Names = Record<string, AuditNameView>;

/** "Removed a member". */
export function actionSentence(action: string): string {
  const words = describeAuditAction(action);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Who acted, as a person reads it. */
export function actorLabel(event: AuditEventView, names: Names, viewerId: string | undefined): { name: string; detail: string | null } {
  if (event.actorType === "system") return { name: "Roster", detail: "automatic" };
  const known = event.actorId ? names[event.actorId] : undefined;
  if (event.actorType === "api_key") return { name: known ? `API key “${known.name}”` : "A revoked API key", detail: known?.detail ? `${known.detail}…` : null };
  if (!known) return { name: event.actorId === viewerId ? "You" : "A former member", detail: event.actorId };
  const detail = known.detail === known.name ? null : known.detail;
  return { name: event.actorId === viewerId ? `${known.name} (you)` : known.name, detail };
}

/** What the event acted on. */
export function targetLabel(event: AuditEventView, names: Names): string {
  if (event.targetType === "org") return "The organization";
  const known = event.targetId ? names[event.targetId] : undefined;
  if (known) return event.targetType === "api_key" ? `API key “${known.name}”` : known.name;
  if (event.targetType === "member") return "A former member";
  if (event.targetType === "invitation") return "An invitation";
  return event.targetId ?? event.targetType;
}

function show(value: unknown, names: Names): string {
  if (value === null || value === undefined || value === "") return "none";
  if (typeof value === "string") return names[value]?.name ?? value;
  if (Array.isArray(value)) return value.length ? value.map((v) => show(v, names)).join(", ") : "none";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const fieldWords: Record<string, string> = {
  name: "Name",
  seatLimit: "Seat limit",
  defaultInviteTtlDays: "Default invitation expiry (days)",
  allowedEmailDomains: "Allowed email domains",
  status: "Status",
  autoPrivateProject: "Private project per member",
};

/** The event's data as short lines: "Name: Acme → Acme Inc", "Role: member → admin". */
export function detailLines(event: AuditEventView, names: Names): string[] {
  const data = event.data;
  const lines: string[] = [];
  const changes = data.changes;
  if (changes && typeof changes === "object" && !Array.isArray(changes)) {
    for (const [field, change] of Object.entries(changes as Record<string, { from?: unknown; to?: unknown }>)) {
      lines.push(`${fieldWords[field] ?? field}: ${show(change?.from, names)} → ${show(change?.to, names)}`);
    }
  }
  if (event.action === "member.role_changed" || event.action === "org.ownership_transferred") {
    lines.push(`${event.action === "member.role_changed" ? "Role" : "Owner"}: ${show(data.from, names)} → ${show(data.to, names)}`);
  }
  for (const [key, value] of Object.entries(data)) {
    if (key === "changes" || ((key === "from" || key === "to") && lines.length)) continue;
    if (key === "expiresAt" && typeof value === "string") {
      lines.push(`Expires: ${new Date(value).toLocaleString()}`);
      continue;
    }
    lines.push(`${key.charAt(0).toUpperCase()}${key.slice(1).replace(/([A-Z])/g, " $1").toLowerCase()}: ${show(value, names)}`);
  }
  return lines;
}

