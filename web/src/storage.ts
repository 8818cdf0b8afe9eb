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

/** Whether `target` is a path on this site (not `//evil.example`), safe to go to after sign-in. */
export function isLocalPath(target: string): boolean {
  return target.startsWith("/") && !target.startsWith("//") && !target.startsWith("/\\");
}

/** Where to go after signing in, kept for this tab while the person reads their mail. */
export const nextPath = {
  remember: (target: string) => {
    if (isLocalPath(target) && !target.startsWith("/signin") && !target.startsWith("/auth/")) {
      write(() => sessionStorage, nextKey, target);
    }
  },
  /** Answers the remembered path once, then forgets it. */
  take: (): string | null => {
    const target = read(() => sessionStorage, nextKey);
    write(() => sessionStorage, nextKey, null);
    return target !== null && isLocalPath(target) ? target : null;
  },
};
