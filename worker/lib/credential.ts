/** What the session cookie's JWT says: which server-side session, whose, until when. */
export interface SessionClaims {
  sessionId: string;
  userId: string;
  expiresAt: number;
}

/**
 * Who a request claims to be, before any organization has been asked: read and verified by
 * auth/credentials.ts, authorized in an organization by its room (org/room-auth.ts).
 */
export type Credential = ({ kind: "session" } & SessionClaims) | { kind: "api_key"; secretHash: string };
