/** An organization's seats: `used = members + pending`, `available = limit − used` (never < 0). */
export function seats(limit: number, members: number, pending: number) {
  const used = members + pending;
  return { limit, used, members, pending, available: Math.max(0, limit - used) };
}

/** The seat limit of a new organization (until billing exists, owners change it). */
export const defaultSeatLimit = 5;

/**
 * The largest seat limit the API takes (`PATCH /orgs/:org {seatLimit}`): a sanity bound far
 * above any organization's size (100,000 members and 100,000 pending invitations need
 * 200,000). The deployment's cap (`SEAT_LIMIT_CAP`) is what owners meet first.
 */
export const maxSeatLimit = 10_000_000;
