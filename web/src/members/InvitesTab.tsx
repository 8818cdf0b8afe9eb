import { createSignal, createUniqueId, For, Show } from "solid-js";
import { effectiveStatus, invitationStatuses } from "../../../worker/domain/invitations.ts";
import type { InvitationView } from "../../../worker/views/index.ts";
import type { InvitationStatus } from "../live/state.ts";
import { roleLabel } from "../model.ts";
import { useInvitations, useOrg } from "../stores/org-session.ts";
import { FunnelChart } from "./FunnelChart.tsx";
import { LinksPanel } from "./LinksPanel.tsx";
import { actionLabel, createInvitationActions, InvitationDialogs, inviteeOf, type InvitationDialogState } from "./InvitationDialogs.tsx";
import { MenuButton } from "./Menu.tsx";
import { ListStatus, Pager, useNow, When } from "./parts.tsx";
import { invitationActions, invitationStatus } from "./rules.ts";

const statusWords: Record<InvitationStatus, string> = {
  pending: "Pending",
  accepted: "Accepted",
  declined: "Declined",
  revoked: "Revoked",
  expired: "Expired",
};

/**
 * The Invites tab: the invitation funnel, then the invitations newest first (a page at a time,
 * optionally of one status), each with its status and its mail's delivery, and a menu of the
 * actions its status allows. Kept current by live events.
 */
export function InvitesTab() {
  const org = useOrg();
  const invitations = useInvitations();
  const now = useNow();
  const filterId = createUniqueId();
  const page = () => invitations.page();
  const [dialog, setDialog] = createSignal<InvitationDialogState | null>(null);
  const act = createInvitationActions(org.slug, invitations, setDialog);
  const role = () => org.viewer()?.role ?? "restricted";
  const expired = (i: InvitationView) => effectiveStatus(i.status, Date.parse(i.expiresAt), now()) === "expired";
  // Every step of an invitation moves the seats or the page on screen: the funnel reads again then.
  const funnelVersion = () => `${org.state.seats?.pending}|${org.state.seats?.members}|${page().items.map((i) => `${i.id}:${i.status}`).join()}`;

  return (
    <div class="invites-tab">
      <Show when={org.can("invitations:write")}>
        <LinksPanel />
      </Show>
      <FunnelChart slug={org.slug} version={funnelVersion} offline={() => org.live.status() === "offline"} />

      <div class="toolbar">
        <div class="field">
          <label for={filterId}>Status</label>
          <select id={filterId} value={page().status ?? ""} onChange={(e) => void invitations.setStatus((e.currentTarget.value || null) as InvitationStatus | null)}>
            <option value="">All invitations</option>
            <For each={invitationStatuses}>{(s) => <option value={s}>{statusWords[s]}</option>}</For>
          </select>
        </div>
      </div>

      <ListStatus what="invitations" error={invitations.error()} loaded={page().loaded} retry={() => void invitations.refresh()} />

      <Show when={page().loaded}>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Invitations table">
          <table class="roster-table invitations-table" aria-label="Invitations" aria-busy={invitations.loading()} role="table">
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" role="columnheader">
                  Email or username
                </th>
                <th scope="col" role="columnheader">
                  Role
                </th>
                <th scope="col" role="columnheader">
                  Sent
                </th>
                <th scope="col" role="columnheader">
                  Expires
                </th>
                <th scope="col" role="columnheader">
                  Status
                </th>
                <th scope="col" role="columnheader">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              <For
                each={page().items}
                fallback={
                  <tr role="row" class="empty">
                    <td role="cell" colSpan={6}>
                      {page().status ? `No ${statusWords[page().status as InvitationStatus].toLowerCase()} invitations.` : "No invitations yet. Invite someone to see them here."}
                    </td>
                  </tr>
                }
              >
                {(invitation) => {
                  const status = () => invitationStatus(invitation, now());
                  const actions = () => invitationActions(role(), invitation, now());
                  return (
                    <tr role="row">
                      <td role="cell" class="email" data-label="Invitee">
                        {inviteeOf(invitation)}
                      </td>
                      <td role="cell" data-label="Role">
                        <span class={`role role-${invitation.role}`}>{roleLabel[invitation.role]}</span>
                      </td>
                      <td role="cell" data-label="Sent">
                        <When at={invitation.lastSentAt ?? invitation.createdAt} now={now()} />
                        <Show when={invitation.sendCount > 1}>
                          <span class="muted"> ({invitation.sendCount}×)</span>
                        </Show>
                      </td>
                      <td role="cell" data-label="Expires">
                        <Show when={invitation.status === "pending" || invitation.status === "expired"} fallback={<span class="muted">—</span>}>
                          <When at={invitation.expiresAt} now={now()} />
                        </Show>
                      </td>
                      <td role="cell" data-label="Status">
                        <span class={`status tone-${status().tone}`}>{status().label}</span>
                        <Show when={status().detail}>
                          <span class="status-detail">{status().detail}</span>
                        </Show>
                      </td>
                      <td role="cell" class="row-actions" data-label="">
                        <Show when={actions().length > 0}>
                          <MenuButton
                            label={`Actions for the invitation to ${inviteeOf(invitation)}`}
                            items={actions().map((a) => ({
                              label: actionLabel(a, expired(invitation)),
                              danger: a === "revoke" || a === "delete",
                              onSelect: () => void act(a, invitation),
                            }))}
                          >
                            <span aria-hidden="true">⋯</span>
                          </MenuButton>
                        </Show>
                      </td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
        <Pager
          label="Invitations"
          index={page().index}
          limit={page().limit}
          shown={page().items.length}
          hasNext={page().nextCursor !== null}
          busy={invitations.loading()}
          previous={() => void invitations.previous()}
          next={() => void invitations.next()}
        />
      </Show>

      <InvitationDialogs
        slug={org.slug}
        viewerRole={role()}
        defaultDays={org.state.org?.defaultInviteTtlDays ?? 7}
        store={invitations}
        state={dialog()}
        close={() => setDialog(null)}
      />
    </div>
  );
}
