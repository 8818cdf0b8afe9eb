import { createSignal, For, Match, Show, Switch } from "solid-js";
import type { CreatedApiKeyView } from "../../../worker/views/index.ts";
import { ApiError, describeError } from "../api.ts";
import { scopeDescriptions, scopes, type Scope } from "../org-admin/scopes.ts";
import { toastError } from "../toast.ts";
import { CopyButton } from "./CopyButton.tsx";
import { Dialog } from "./Dialog.tsx";
import { FormEnd } from "./FormEnd.tsx";
import { TextField } from "./Fields.tsx";

interface Problems {
  name?: string | undefined;
  scopes?: string | undefined;
  form?: string | undefined;
}

/**
 * Creating an API key: a name and its scopes, then the secret, shown this once with a copy
 * button. Closing forgets the secret.
 */
export function NewApiKeyDialog(props: { open: boolean; onClose: () => void; create: (input: { name: string; scopes: Scope[] }) => Promise<CreatedApiKeyView> }) {
  const [name, setName] = createSignal("");
  const [chosen, setChosen] = createSignal<ReadonlySet<Scope>>(new Set());
  const [problems, setProblems] = createSignal<Problems>({});
  const [pending, setPending] = createSignal(false);
  const [created, setCreated] = createSignal<CreatedApiKeyView>();
  let nameInput: HTMLInputElement | undefined;
  let firstScope: HTMLInputElement | undefined;

  const close = () => {
    props.onClose();
    setCreated(undefined);
    setName("");
    setChosen(new Set<Scope>());
    setProblems({});
  };

  const toggle = (scope: Scope, on: boolean) => {
    setChosen((set) => {
      const next = new Set(set);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });
    setProblems((p) => ({ ...p, scopes: undefined }));
  };

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const wrong: Problems = {};
    if (!name().trim()) wrong.name = "Name the key after what will use it, such as “CI provisioning”.";
    if (chosen().size === 0) wrong.scopes = "Choose at least one scope.";
    setProblems(wrong);
    if (wrong.name) return nameInput?.focus();
    if (wrong.scopes) return firstScope?.focus();
    setPending(true);
    try {
      setCreated(await props.create({ name: name().trim(), scopes: scopes.filter((s) => chosen().has(s)) }));
    } catch (error) {
      const fromApi: Problems = {};
      if (error instanceof ApiError && error.code === "validation_failed") {
        for (const issue of error.issues) {
          const field = issue.path.split(".")[0];
          if (field === "name" || field === "scopes") fromApi[field] ??= issue.message;
          else fromApi.form = issue.message;
        }
      }
      if (!fromApi.name && !fromApi.scopes && !fromApi.form) {
        fromApi.form = `Could not create the key: ${describeError(error)}`;
        toastError(error);
      }
      setProblems(fromApi);
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog open={props.open} title={created() ? "Copy your new API key" : "New API key"} busy={pending()} onClose={close}>
      <Switch>
        <Match when={created()}>
          {(key) => (
            <div class="secret-box">
              <p class="banner warn" role="alert">
                This is the only time the secret is shown. Copy it now and keep it somewhere safe: Roster keeps only a hash of it, so a lost secret
                means a new key.
              </p>
              <label for="new-key-secret">Secret of {key().apiKey.name}</label>
              <div class="secret-row">
                <input id="new-key-secret" readonly value={key().secret} onFocus={(e) => e.currentTarget.select()} spellcheck={false} />
                <CopyButton text={key().secret} label="Copy secret" class="button primary small" />
              </div>
              <p class="hint">
                Scopes: {key().apiKey.scopes.join(", ")}. It starts with <code>{key().apiKey.prefix}</code>, which is how the list shows it.
              </p>
              <div class="actions dialog-actions">
                <button type="button" class="button secondary" onClick={close}>
                  I have copied it
                </button>
              </div>
            </div>
          )}
        </Match>
        <Match when={!created()}>
          <form class="form" novalidate onSubmit={onSubmit}>
            <TextField
              label="Name"
              ref={(el) => (nameInput = el)}
              value={name()}
              maxLength={100}
              required
              error={problems().name}
              hint="What uses it, so you know what breaks if it is revoked."
              onInput={(v) => {
                setName(v);
                setProblems((p) => ({ ...p, name: undefined }));
              }}
            />
            <fieldset aria-describedby={problems().scopes ? "new-key-scopes-error" : undefined}>
              <legend>Scopes</legend>
              <div class="checks">
                <For each={scopes}>
                  {(scope, index) => (
                    <label class="check">
                      <input
                        type="checkbox"
                        ref={(el) => index() === 0 && (firstScope = el)}
                        checked={chosen().has(scope)}
                        onChange={(e) => toggle(scope, e.currentTarget.checked)}
                      />
                      <span>
                        <code>{scope}</code>
                        <span class="hint">{scopeDescriptions[scope]}</span>
                      </span>
                    </label>
                  )}
                </For>
              </div>
              <Show when={problems().scopes}>
                <p id="new-key-scopes-error" class="field-error">
                  {problems().scopes}
                </p>
              </Show>
            </fieldset>
            <FormEnd pending={pending()} error={problems().form} close={close} label="Create key" pendingLabel="Creating…" />
          </form>
        </Match>
      </Switch>
    </Dialog>
  );
}
