import { createResource, createSignal, type Accessor } from "solid-js";
import type { ApiKeyView, CreatedApiKeyView, MemberView } from "../../../worker/views/index.ts";
import type { Scope } from "../../../worker/domain/scopes.ts";
import { api, post } from "../api.ts";

const keysUrl = (slug: string) => `/api/v1/orgs/${encodeURIComponent(slug)}/api-keys`;

interface KeyPage {
  apiKeys: ApiKeyView[];
  nextCursor: string | null;
}

/**
 * An organization's API keys (`GET /orgs/:slug/api-keys`, owners), newest first, a page of
 * 100 and more on asking, with creating (the secret comes back once) and revoking (shown at
 * once, rolled back if refused).
 */
export function createApiKeysStore(slug: Accessor<string>) {
  const [nextCursor, setNextCursor] = createSignal<string | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [keys, { mutate, refetch }] = createResource(slug, async (s) => {
    const page = await api<KeyPage>(keysUrl(s));
    setNextCursor(page.nextCursor);
    return page.apiKeys;
  });

  return {
    keys,
    refresh: () => refetch(),
    /** Whether older keys than those shown exist. */
    hasMore: () => nextCursor() !== null,
    loadingMore,
    /** Appends the next page of older keys. */
    async more(): Promise<void> {
      const cursor = nextCursor();
      if (cursor === null || loadingMore()) return;
      setLoadingMore(true);
      try {
        const page = await api<KeyPage>(`${keysUrl(slug())}?cursor=${encodeURIComponent(cursor)}`);
        setNextCursor(page.nextCursor);
        mutate((list) => [...(list ?? []), ...page.apiKeys.filter((k) => !(list ?? []).some((shown) => shown.id === k.id))]);
      } finally {
        setLoadingMore(false);
      }
    },
    /** Creates a key; answers it with its secret, which nothing keeps. */
    async create(input: { name: string; scopes: Scope[] }): Promise<CreatedApiKeyView> {
      const created = await post<CreatedApiKeyView>(keysUrl(slug()), input);
      mutate((list) => [created.apiKey, ...(list ?? []).filter((k) => k.id !== created.apiKey.id)]);
      return created;
    },
    /** Revokes a key: it shows as revoked at once, and again as active if the API refuses. */
    async revoke(id: string): Promise<void> {
      const before = keys();
      mutate((list) => list?.map((k) => (k.id === id ? { ...k, revokedAt: new Date().toISOString() } : k)));
      try {
        await api(`${keysUrl(slug())}/${encodeURIComponent(id)}`, { method: "DELETE" });
      } catch (error) {
        mutate(before);
        throw error;
      }
      void refetch();
    },
  };
}

/**
 * Who created keys: only owners create them, so the organization's owners (one short read)
 * name them; a creator no longer among them is a former owner.
 */
export function createOwnerNames(slug: Accessor<string>) {
  const [owners] = createResource(slug, async (s) => {
    const answer = await api<{ members: MemberView[] }>(`/api/v1/orgs/${encodeURIComponent(s)}/members?role=owner&limit=100`);
    return new Map(answer.members.map((m) => [m.userId, m.name || m.email]));
  });
  return (userId: string): string | undefined => (owners.state === "ready" ? owners()?.get(userId) : undefined);
}
