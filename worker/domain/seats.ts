/** An organization's seats: `used = members + pending`, `available = limit − used` (never < 0). */
export interface Seats {
  limit: number;
  used: number;
  members: number;
  pending: number;
  available: number;
}

export function seats(limit: number, members: number, pending: number): Seats {
  const used = members + pending;
  return { limit, used, members, pending, available: Math.max(0, limit - used) };
}

/** The seat limit of a new organization (until billing exists, owners change it). */
export const defaultSeatLimit = 5;
