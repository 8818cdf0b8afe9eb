import { createSignal, For, Show } from "solid-js";
import type { ApiKeyView } from "../../../worker/views/index.ts";
import { ListState } from "../components/ListState.tsx";
import { RefreshButton } from "../components/RefreshButton.tsx";
import { NewApiKeyDialog } from "../components/NewApiKeyDialog.tsx";
import { createConfirmation } from "../components/action.ts";
import { ConfirmDialog } from "../components/Dialog.tsx";
import { setTitle } from "../components/Layouts.tsx";
import { RelativeTime } from "../components/RelativeTime.tsx";
import { createApiKeysStore, createOwnerNames } from "../org-admin/api-keys.ts";
import { useOrg } from "../stores/org-session.ts";
import { toast, toastError } from "../toast.ts";
import "../org-admin/org-admin.css";

/**
 * `/orgs/:slug/api-keys` (owners): the organization's keys, revoked ones included, with
 * their scopes and last use; create one (its secret shown once) or revoke one.
 */
export default function ApiKeysPage() {
  setTitle("API keys");
  const org = useOrg();
  const store = createApiKeysStore(() => org.slug);
  const ownerName = createOwnerNames(() => org.slug);
  const [creating, setCreating] = createSignal(false);
  const revoking = createConfirmation<ApiKeyView>();

  const creator = (key: ApiKeyView) => (key.createdBy === org.viewer()?.userId ? "You" : (ownerName(key.createdBy) ?? "A former owner"));
  const list = () => (store.keys.state === "ready" || store.keys.state === "refreshing" ? store.keys() : undefined);
  const active = () => list()?.filter((k) => !k.revokedAt).length ?? 0;

  const revoke = () =>
    revoking.confirm(async (key) => {
      await store.revoke(key.id);
      revoking.close();
      toast(`${key.name} is revoked. Requests with it are refused from now on.`);
    });

  return (
    <div class="admin-page">
      <header class="section-head">
        <div>
          <h1>API keys</h1>
          <p class="muted">
            Keys let scripts and other services use the API for this organization: send one as <code>Authorization: Bearer &lt;key&gt;</code>. A key
            acts with its scopes, never beyond its creator's role, and never for owner-only actions.
          </p>
        </div>
        <button type="button" class="button primary" onClick={() => setCreating(true)}>
          New API key
        </button>
      </header>

      <section class="card" aria-labelledby="keys-title">
        <div class="section-head">
          <h2 id="keys-title">
            Keys <Show when={list()}>({active()} active)</Show>
          </h2>
          <RefreshButton loading={store.keys.loading} onClick={() => void store.refresh()} />
        </div>
        <ListState
          loading="Loading the keys…"
          what="API keys"
          error={store.keys.error}
          retry={() => void store.refresh()}
          items={list()}
          emptyTitle="No API keys yet."
          emptyHint="Create one for a script that provisions members or reads the audit trail."
        >
          {(keys) => (
            <div class="table-wrap">
              <table class="data-table" aria-labelledby="keys-title">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Key</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Created by</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={keys()}>
                    {(key) => (
                      <tr classList={{ revoked: key.revokedAt !== null }} aria-label={key.name}>
                        <td data-label="Name">
                          <strong>{key.name}</strong>
                        </td>
                        <td data-label="Key">
                          <code class="prefix-code">{key.prefix}…</code>
                        </td>
                        <td data-label="Scopes">
                          <span class="scopes">
                            <For each={key.scopes}>{(scope) => <code>{scope}</code>}</For>
                          </span>
                        </td>
                        <td data-label="Created by">{creator(key)}</td>
                        <td data-label="Created" class="num">
                          <RelativeTime at={key.createdAt} />
                        </td>
                        <td data-label="Last used" class="num">
                          <Show when={key.lastUsedAt} fallback={<span class="muted">Never used</span>}>
                            {(at) => (
                              <>
                                Used <RelativeTime at={at()} />
                              </>
                            )}
                          </Show>
                        </td>
                        <td data-label="Status">
                          <Show when={key.revokedAt} fallback={<span class="tag">Active</span>}>
                            {(at) => (
                              <span class="tag danger-tag">
                                Revoked <RelativeTime at={at()} />
                              </span>
                            )}
                          </Show>
                        </td>
                        <td data-label="">
                          <Show when={!key.revokedAt}>
                            <button
                              type="button"
                              class="button danger-outline small"
                              aria-label={`Revoke ${key.name}`}
                              onClick={() => revoking.ask(key)}
                            >
                              Revoke
                            </button>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <Show when={store.hasMore()}>
                <button type="button" class="button secondary small" disabled={store.loadingMore()} onClick={() => void store.more().catch(toastError)}>
                  {store.loadingMore() ? "Loading…" : "Show older keys"}
                </button>
              </Show>
            </div>
          )}
        </ListState>
      </section>

      <NewApiKeyDialog open={creating()} onClose={() => setCreating(false)} create={store.create} />
      <ConfirmDialog
        open={revoking.target() !== undefined}
        title={`Revoke ${revoking.target()?.name ?? "this key"}?`}
        description={`Anything using the key ${revoking.target()?.prefix ?? ""}… is refused from the next request on. This cannot be undone: a script that still needs access needs a new key.`}
        confirmLabel="Revoke key"
        pendingLabel="Revoking…"
        danger
        pending={revoking.pending()}
        error={revoking.error()}
        onClose={revoking.close}
        onConfirm={() => void revoke()}
      />
    </div>
  );
}
