import { createSignal, Show } from "solid-js";
import type { OrgView } from "../../../worker/views/index.ts";
import { setTitle } from "../components/Layouts.tsx";
import { SettingsForm } from "../components/SettingsForm.tsx";
import { DangerZone } from "../lifecycle/DangerZone.tsx";
import { useOrg } from "../stores/org-session.ts";
import "../org-admin/org-admin.css";

/**
 * `/orgs/:slug/settings`: owners change the name, seat limit, default invitation expiry,
 * allowed email domains, and in the danger zone make the organization dormant or delete it;
 * other roles that may open the page read them. Fields nobody touched follow changes made elsewhere, live.
 */
export default function OrgSettingsPage() {
  setTitle("Settings");
  const org = useOrg();
  /** The organization as the last save answered, until the live event or a read brings it. */
  const [saved, setSaved] = createSignal<OrgView>();
  const current = () => {
    const live = org.state.org;
    const mine = saved();
    return mine && (!live || mine.updatedAt > live.updatedAt) ? mine : live;
  };

  return (
    <div class="admin-page">
      <header>
        <h1>Settings</h1>
        <p class="muted">How this organization invites people and how many seats it has.</p>
      </header>
      <Show when={current()} fallback={<p role="status">Loading the settings…</p>}>
        {(shown) => (
          <Show when={org.can("org:update")} fallback={<SettingsSummary org={shown()} />}>
            <SettingsForm
              org={shown()}
              seats={org.state.seats}
              canSetSeats={org.can("seats:update")}
              onSaved={(answer) => {
                setSaved(answer);
                void org.org.refresh();
              }}
            />
            <DangerZone
              org={shown()}
              onChanged={(answer) => {
                setSaved(answer);
                void org.org.refresh();
              }}
            />
          </Show>
        )}
      </Show>
    </div>
  );
}

/** What the settings are, for a role that may not change them. */
function SettingsSummary(props: { org: OrgView }) {
  return (
    <section class="card" aria-labelledby="settings-summary">
      <h2 id="settings-summary">Organization settings</h2>
      <p class="hint">Only owners can change these settings.</p>
      <dl class="readonly">
        <div>
          <dt>Name</dt>
          <dd>{props.org.name}</dd>
        </div>
        <div>
          <dt>Default invitation expiry</dt>
          <dd>{days(props.org.defaultInviteTtlDays)}</dd>
        </div>
        <div>
          <dt>Allowed email domains</dt>
          <dd>{props.org.allowedEmailDomains.length ? props.org.allowedEmailDomains.join(", ") : "Any domain"}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{props.org.status === "dormant" ? "Dormant: nobody new can join" : "Active"}</dd>
        </div>
        <div>
          <dt>Private project per new member</dt>
          <dd>{props.org.autoPrivateProject ? "On" : "Off"}</dd>
        </div>
      </dl>
    </section>
  );
}

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
