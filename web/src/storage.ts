/**
 * What the dashboard remembers in the browser. Storage can be unavailable (privacy modes,
 * full quota): every access is allowed to fail, and then nothing is remembered.
 */
const lastOrgKey = "roster.lastOrg";
const nextKey = "roster.next";

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Not remembering is harmless.
  }
}

/** The slug of the organization last opened in this browser. */
export const lastOrg = {
  get: () => read(() => localStorage, lastOrgKey),
  set: (slug: string) => write(() => localStorage, lastOrgKey, slug),
};

/**
 * Whether `target` is a path on this site (not `//evil.example`), safe to go to after sign-in.
 * One leading slash, then printable ASCII without spaces or backslashes (as the browser's
 * own `pathname + search` are): URL parsing drops tabs and newlines and reads a backslash
 * as a slash, so `/\t/evil.example` and `/\\evil.example` would leave the site. The API
 * takes the same shape for a sign-in link's `next`.
 */
export function isLocalPath(target: string): boolean {
  return /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(target);
}

/** `target` if it is a page worth returning to after signing in: a local path, not the sign-in pages themselves. */
export function returnPath(target: string | null | undefined): string | null {
  if (!target || !isLocalPath(target) || target.startsWith("/signin") || target.startsWith("/auth/")) return null;
  return target;
}

/** Where to go after signing in, kept for this tab while the person reads their mail. */
export const nextPath = {
  remember: (target: string) => {
    const path = returnPath(target);
    if (path) write(() => sessionStorage, nextKey, path);
  },
  /** The remembered path, still remembered. */
  peek: (): string | null => returnPath(read(() => sessionStorage, nextKey)),
  /** Answers the remembered path once, then forgets it. */
  take: (): string | null => {
    const target = read(() => sessionStorage, nextKey);
    write(() => sessionStorage, nextKey, null);
    return returnPath(target);
  },
};
