import { useNavigate } from "@solidjs/router";
import { createSignal, onMount, Show } from "solid-js";
import { ApiError, describeError } from "../api.ts";
import { Shell } from "../components/Shell.tsx";
import { setTitle } from "../components/Layouts.tsx";
import { createOrganization } from "../stores/org.ts";
import { useSession } from "../stores/session.ts";
import { lastOrg } from "../storage.ts";
import { slugLimits, slugProblem } from "../../../worker/domain/slugs.ts";
import { nameProblem, slugify } from "../slug.ts";

interface Problems {
  name?: string | undefined;
  slug?: string | undefined;
  form?: string | undefined;
}

/** `/orgs/new`: name an organization; its slug follows the name until edited. */
export default function NewOrgPage() {
  setTitle("New organization");
  return (
    <Shell>
      <NewOrgForm />
    </Shell>
  );
}

function NewOrgForm() {
  const session = useSession();
  const navigate = useNavigate();
  const [name, setName] = createSignal("");
  const [typedSlug, setTypedSlug] = createSignal<string>();
  const [checked, setChecked] = createSignal({ name: false, slug: false });
  const [server, setServer] = createSignal<Problems>({});
  const [pending, setPending] = createSignal(false);
  let nameInput: HTMLInputElement | undefined;
  let slugInput: HTMLInputElement | undefined;
  onMount(() => nameInput?.focus());

  const slug = () => (typedSlug() ?? slugify(name())).trim();
  const nameError = () => server().name ?? (checked().name ? nameProblem(name()) : null);
  const slugError = () => server().slug ?? (checked().slug ? slugProblem(slug()) : null);
  const firstOrg = () => session.me()?.memberships.length === 0;

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setChecked({ name: true, slug: true });
    setServer({});
    if (nameProblem(name())) return nameInput?.focus();
    if (slugProblem(slug())) return slugInput?.focus();
    setPending(true);
    try {
      const created = await createOrganization({ name: name().trim(), slug: slug() });
      lastOrg.set(created.org.slug);
      navigate(`/orgs/${encodeURIComponent(created.org.slug)}`);
    } catch (error) {
      setServer(serverProblems(error));
      if (server().name) nameInput?.focus();
      else if (server().slug) slugInput?.focus();
    } finally {
      setPending(false);
    }
  };

  return (
    <section class="card narrow">
      <h1>Create an organization</h1>
      <p class="muted">
        <Show when={firstOrg()} fallback="Organizations keep their own members, invitations and seats.">
          You are not in any organization yet. Create one, then invite your team.
        </Show>
      </p>
      <form class="form" novalidate onSubmit={onSubmit}>
        <div class="field">
          <label for="org-name">Name</label>
          <input
            ref={nameInput}
            id="org-name"
            name="name"
            autocomplete="organization"
            required
            maxlength={100}
            value={name()}
            onInput={(e) => {
              setName(e.currentTarget.value);
              setServer((s) => ({ ...s, name: undefined }));
              if (typedSlug() === undefined) setServer((s) => ({ ...s, slug: undefined }));
            }}
            onBlur={() => name() && setChecked((c) => ({ ...c, name: true }))}
            aria-invalid={nameError() ? true : undefined}
            aria-describedby={nameError() ? "org-name-error" : undefined}
          />
          <Show when={nameError()}>
            <p id="org-name-error" class="field-error">
              {nameError()}
            </p>
          </Show>
        </div>
        <div class="field">
          <label for="org-slug">URL slug</label>
          <div class="prefixed">
            <span class="prefix" aria-hidden="true">
              /orgs/
            </span>
            <input
              ref={slugInput}
              id="org-slug"
              name="slug"
              required
              maxlength={slugLimits.max}
              spellcheck={false}
              autocapitalize="off"
              autocomplete="off"
              value={slug()}
              onInput={(e) => {
                const typed = e.currentTarget.value.toLowerCase().replace(/\s/g, "-");
                if (typed !== e.currentTarget.value) e.currentTarget.value = typed;
                // Emptying the slug hands it back to the name.
                setTypedSlug(typed === "" ? undefined : typed);
                setServer((s) => ({ ...s, slug: undefined }));
              }}
              onBlur={() => setChecked((c) => ({ ...c, slug: true }))}
              aria-invalid={slugError() ? true : undefined}
              aria-describedby={slugError() ? "org-slug-error org-slug-hint" : "org-slug-hint"}
            />
          </div>
          <p id="org-slug-hint" class="hint">
            {slugLimits.min}–{slugLimits.max} lower-case letters, digits and single hyphens. It cannot be changed later.
          </p>
          <Show when={slugError()}>
            <p id="org-slug-error" class="field-error">
              {slugError()}
            </p>
          </Show>
        </div>
        <Show when={server().form}>
          <p class="banner error" role="alert">
            {server().form}
          </p>
        </Show>
        <div class="actions">
          <button type="submit" class="button primary" disabled={pending()}>
            {pending() ? "Creating…" : "Create organization"}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Places the server's refusal next to the field it is about. */
function serverProblems(error: unknown): Problems {
  if (error instanceof ApiError && error.code === "slug_taken") return { slug: "This slug is taken. Choose another." };
  if (error instanceof ApiError && error.code === "validation_failed") {
    const problems: Problems = {};
    const other: string[] = [];
    for (const issue of error.issues) {
      if (issue.path === "name" || issue.path === "slug") problems[issue.path] ??= issue.message;
      else other.push(issue.message);
    }
    if (other.length || (!problems.name && !problems.slug)) problems.form = other.join(" ") || error.message;
    return problems;
  }
  return { form: `Could not create the organization: ${describeError(error)}` };
}
