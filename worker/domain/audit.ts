/** Who an audit event says acted: a user, an API key, or Roster itself (e.g. an expiry). */
export const actorTypes = ["user", "api_key", "system"] as const;
