/**
 * What the dashboard (web/) takes from the Worker: the API's views and the live protocol,
 * as types only. Import it with `import type`, so no Worker code (nor zod) reaches the
 * dashboard's bundle; each view's home is its own file here.
 */
import type { liveCloseCodes } from "../org/live/protocol.ts";

export type { Role } from "../domain/roles.ts";
export type { ApiKeyView, CreatedApiKeyView } from "./api-key.ts";
export type { AuditEventView, AuditNameView, AuditPageView } from "./audit-event.ts";
export type { DevMailboxView, DevMailView } from "./dev-mail.ts";
export type { DeletedOrgView } from "./deleted-org.ts";
export type { ErrorBody, FieldIssue } from "./error.ts";
export type { HealthView } from "./health.ts";
export type { InvitationPreviewView } from "./invitation-preview.ts";
export type {
  BulkInvitationResultsView,
  BulkInvitationResultView,
  CreatedInvitationView,
  ExtendedInvitationView,
  InvitationAnswerView,
  InvitationPageView,
  InvitationView,
} from "./invitation.ts";
export type { InvitationFunnelView } from "./invitation-funnel.ts";
export type { LinkJoinView, LinkListView, LinkPreviewView, LinkStateView, LinkView } from "./link.ts";
export type { MembershipView, MeView, NotificationView, PendingInvitationView } from "./me.ts";
export type { ChangedMemberView, MemberPageView, MemberRemovalsView, MemberView, OwnershipTransferView } from "./member.ts";
export type { OrgView, OrgWithSeatsView } from "./org.ts";
export type { MemberProjectView, ProjectAssignmentsView, ProjectChangedData, ProjectDetailView, ProjectMemberPageView, ProjectMemberView, ProjectView } from "./project.ts";
export type { SeatsView } from "./seats.ts";
export type { SignInPreviewView } from "./sign-in-preview.ts";
export type { UserView } from "./user.ts";

export type {
  ClientFrame,
  ControlFrame,
  LiveErrorCode,
  LiveEvent,
  LiveEventData,
  LiveEventDraft,
  LiveEventType,
  LiveWireMessage,
  ServerMessage,
} from "../org/live/protocol.ts";

/** The live channel's close codes (`liveCloseCodes`), to check the dashboard's copies with `satisfies`. */
export type LiveCloseCodes = typeof liveCloseCodes;
