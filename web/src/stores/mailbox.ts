import { createResource, type Accessor } from "solid-js";
import { api } from "../api.ts";
import type { DevMailboxView } from "../../../worker/views/index.ts";

/** The local dev mailbox of one address (`GET /api/v1/dev/mailbox?to=`), newest first. */
export function createMailbox(address: Accessor<string | false>) {
  const [mail, { refetch }] = createResource(address, async (to) => {
    const { messages } = await api<DevMailboxView>(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}&limit=10`);
    return messages;
  });
  return { mail, refresh: () => refetch() };
}

const signInLink = /https?:\/\/[^\s"'<>]+\/auth\/callback\?token=[^\s"'<>]+/g;

/** The sign-in links in a mail's text. */
export function signInLinks(text: string): string[] {
  return [...new Set(text.match(signInLink) ?? [])];
}
