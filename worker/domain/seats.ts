/** An organization's seats: `used = members + pending`, `available = limit − used` (never < 0). */
export function seats(limit: number, members: number, pending: number) {
  const used = members + pending;
  return { limit, used, members, pending, available: Math.max(0, limit - used) };
}

/** The seat limit of a new organization (until billing exists, owners change it). */
export const defaultSeatLimit = 5;
