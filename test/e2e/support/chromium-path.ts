/** Debian's Chromium (`apt-get install chromium`); never a tool's own browser download. */
export const chromiumPath = "/usr/bin/chromium";
