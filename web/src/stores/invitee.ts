import { api, post } from "../api.ts";
import type { InvitationAnswerView, InvitationPreviewView } from "../../../worker/views/index.ts";

/** What an invitation page answers with. */
export type Answer = "accept" | "decline";

/**
 * One invitation as its invitee's page reads and answers it: by its link's token (anyone
 * holding the link may read it; only the invited account may answer), or by its id (the
 * signed-in invitee's own, from `/me` and notifications).
 */
export interface InvitationSource {
  /** The page's own path, to come back to after signing in. */
  readonly path: string;
  load(): Promise<InvitationPreviewView>;
  answer(answer: Answer): Promise<InvitationAnswerView>;
}

/** `/invitations/:token`: the mailed link. */
export function invitationByToken(token: string): InvitationSource {
  const base = `/api/v1/invitations/${encodeURIComponent(token)}`;
  return {
    path: `/invitations/${encodeURIComponent(token)}`,
    load: () => api<InvitationPreviewView>(base),
    answer: (answer) => post<InvitationAnswerView>(`${base}/${answer}`),
  };
}

/** `/me/invitations/:id`: one of the signed-in user's invitations. */
export function invitationById(id: string): InvitationSource {
  const base = `/api/v1/me/invitations/${encodeURIComponent(id)}`;
  return {
    path: `/me/invitations/${encodeURIComponent(id)}`,
    load: () => api<InvitationPreviewView>(base),
    answer: (answer) => post<InvitationAnswerView>(`${base}/${answer}`),
  };
}
