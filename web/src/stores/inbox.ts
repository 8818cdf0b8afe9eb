import { createMemo, createRoot, createSignal } from "solid-js";
import { api, post } from "../api.ts";
import type { MeView, NotificationView, PendingInvitationView } from "../../../worker/views/index.ts";
import { useSession } from "./session.ts";

type InboxData = Pick<MeView, "invitations" | "notifications">;

/**
 * The signed-in user's inbox: their pending invitations and notifications, as `GET /me`
 * lists them (the session's copy, or a newer read when the inbox is opened). What this tab
 * did since — notifications marked read, invitations answered — shows at once, before the
 * next read. A read of its own never touches the session: a failed one must not take the
 * page down, only the inbox says so.
 */
function createInboxStore() {
  const session = useSession();
  const [fresh, setFresh] = createSignal<{ userId: string; data: InboxData }>();
  const [read, setRead] = createSignal<ReadonlySet<string>>(new Set());
  const [answered, setAnswered] = createSignal<ReadonlySet<string>>(new Set());
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();

  const me = () => (session.me.state === "ready" || session.me.state === "refreshing" ? session.me() : undefined);
  /** The newest read for the user signed in now (another account's is never shown). */
  const source = (): InboxData | undefined => {
    const user = me();
    if (!user) return undefined;
    const newer = fresh();
    return newer && newer.userId === user.user.id ? newer.data : user;
  };

  const invitations = createMemo((): PendingInvitationView[] => {
    const now = Date.now();
    return (source()?.invitations ?? []).filter((i) => !answered().has(i.id) && new Date(i.expiresAt).getTime() > now);
  });
  const notifications = createMemo((): NotificationView[] =>
    (source()?.notifications ?? []).map((n) => (!n.read && read().has(n.id) ? { ...n, read: true } : n)),
  );
  const unread = createMemo(() => notifications().filter((n) => !n.read).length);

  const markLocally = (ids: string[], isRead: boolean) =>
    setRead((current) => {
      const next = new Set(current);
      for (const id of ids) (isRead ? next.add(id) : next.delete(id));
      return next;
    });

  return {
    invitations,
    notifications,
    /** Unread notifications. */
    unread,
    /** What the header counts: pending invitations and unread notifications. */
    count: () => invitations().length + unread(),
    loading,
    error,
    /** Reads `/me` again for the inbox alone. */
    async refresh(): Promise<void> {
      setLoading(true);
      setError(undefined);
      try {
        const data = await api<MeView>("/api/v1/me");
        setFresh({ userId: data.user.id, data });
      } catch (failure) {
        setError(failure);
      } finally {
        setLoading(false);
      }
    },
    /** Marks one notification read, at once here and then on the server (undone if that fails). */
    async markRead(id: string): Promise<void> {
      if (notifications().find((n) => n.id === id)?.read) return;
      markLocally([id], true);
      try {
        await post(`/api/v1/me/notifications/${encodeURIComponent(id)}/read`);
      } catch (failure) {
        markLocally([id], false);
        throw failure;
      }
    },
    /** Marks every notification read (undone if the server refuses). */
    async markAllRead(): Promise<void> {
      const ids = notifications().filter((n) => !n.read).map((n) => n.id);
      if (ids.length === 0) return;
      markLocally(ids, true);
      try {
        await post("/api/v1/me/notifications/read");
      } catch (failure) {
        markLocally(ids, false);
        throw failure;
      }
    },
    /** The invitation `id` was accepted or declined in this tab: it is no longer pending. */
    answered(id: string): void {
      setAnswered((current) => new Set(current).add(id));
    },
  };
}

export type InboxStore = ReturnType<typeof createInboxStore>;

let store: InboxStore | undefined;

/** The one inbox store, created on first use. */
export function useInbox(): InboxStore {
  store ??= createRoot(createInboxStore);
  return store;
}
