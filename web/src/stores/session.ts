import { createResource, createRoot } from "solid-js";
import { api, ApiError, post } from "../api.ts";
import type { MembershipView, MeView, Role, SignInPreviewView, UserView } from "../../../worker/views/index.ts";

/**
 * The signed-in user and their memberships (`GET /api/v1/me`), with the actions that
 * change who is signed in. `me()` is `null` when nobody is (401).
 */
function createSessionStore() {
  const [me, { mutate, refetch }] = createResource(async (): Promise<MeView | null> => {
    try {
      return await api<MeView>("/api/v1/me");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  });

  return {
    me,
    /** Reads `/me` again (after a change made elsewhere). */
    refresh: () => refetch(),
    /** The caller's membership in `slug`, if any. */
    membership(slug: string): MembershipView | undefined {
      return me.state === "ready" ? me()?.memberships.find((m) => m.org.slug === slug) : undefined;
    },
    /** Mails a sign-in link to `email` (always accepted unless rate limited). */
    async requestLink(email: string): Promise<void> {
      await post("/api/v1/auth/magic-link", { email });
    },
    /** Whom a mailed token signs in, and whether this browser asked for it; the token stays unused. */
    previewLink(token: string): Promise<SignInPreviewView> {
      return post<SignInPreviewView>("/api/v1/auth/session/preview", { token });
    },
    /**
     * Exchanges a mailed token for the session cookie, then reloads `/me`. With
     * `sameBrowser` the server refuses (403 `confirmation_required`) unless this browser
     * asked for the link: for signing in without asking the person first.
     */
    async signIn(token: string, options: { sameBrowser?: boolean } = {}): Promise<UserView> {
      const { user } = await post<{ user: UserView }>("/api/v1/auth/session", { token, ...(options.sameBrowser ? { sameBrowser: true } : {}) });
      await refetch();
      return user;
    },
    /** Ends the session on the server; the page forgets the user at once. */
    async signOut(): Promise<void> {
      await post("/api/v1/auth/logout");
      mutate(null);
    },
    /** The caller's role in `slug` changed (a live event said so). */
    setRole(slug: string, role: Role): void {
      mutate((current) =>
        current ? { ...current, memberships: current.memberships.map((m) => (m.org.slug === slug && m.role !== role ? { ...m, role } : m)) } : current,
      );
    },
    /** The caller is no longer a member of `slug` (removed while a page was open). */
    dropMembership(slug: string): void {
      mutate((current) => (current ? { ...current, memberships: current.memberships.filter((m) => m.org.slug !== slug) } : current));
    },
    /** Adds a membership the caller just got (e.g. by creating an organization). */
    addMembership(membership: MembershipView): void {
      mutate((current) =>
        current
          ? {
              ...current,
              memberships: [...current.memberships.filter((m) => m.org.id !== membership.org.id), membership].sort((a, b) =>
                a.org.name.localeCompare(b.org.name),
              ),
            }
          : current,
      );
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

let store: SessionStore | undefined;

/** The one session store, created on first use. */
export function useSession(): SessionStore {
  store ??= createRoot(createSessionStore);
  return store;
}
