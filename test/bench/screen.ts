/**
 * Commit-to-screen in Chromium (`npm run bench -- screen`, docs/performance.md "Dashboard"):
 * one owner's invitation appearing on another owner's open invitations page, no reload.
 *
 * The stack is the one users get, as far as this machine can have it:
 *
 *   - the dashboard is the production build (`vite build` with web/vite.config.ts, into a
 *     temp dir, never dist/web): minified, Solid's production runtime, lazy chunks. Not the
 *     Vite dev server, whose unbundled modules, dev runtime and HMR client users never run,
 *     and whose proxy would put an extra hop (http-proxy in Node) on every socket frame;
 *   - the Worker is the bench stack's (stack.ts: the built Worker on Miniflare directly, on a
 *     socket of its own, no `wrangler dev` entry worker; a supervised libSQL server). The
 *     page's origin is that socket: its API reads and its live WebSocket go straight to the
 *     Worker, as they reach the Worker at the edge in production;
 *   - the built files are served the way Workers static assets serve them (wrangler.toml:
 *     the file if there is one, else index.html for the single-page app, /api/* to the
 *     Worker), by the browser's request interception while the page loads. Interception is
 *     removed before the first round, so nothing measured passes through it.
 *
 * Two owners of one organization sign in through the API and the dev mailbox; owner B's
 * invitations page (/orgs/:slug/invitations) opens in headless Chromium (fresh
 * --user-data-dir). Then, after WARMUP unmeasured rounds, ROUNDS rounds one after another:
 * owner A creates an invitation through the API, and a MutationObserver in B's page records
 * when the invitation's email first appears in the invitations table (performance.timeOrigin
 * + performance.now(); the page and Node share this machine's wall clock, checked below).
 *
 *   from_api_201_ms   row in B's DOM − the moment A's POST answered 201 (Node)
 *   from_commit_ms    row in B's DOM − the event's `at` (the room's commit time)
 *
 * and, to say where the time goes: the socket message's arrival in the page (a `message`
 * listener the page's WebSocket gets at construction, before the dashboard's own) minus
 * `at`; the row minus that arrival (the dashboard's work: parse, applyEvent, render); the
 * next animation frame after the row. First-load sizes come from the same build's manifest
 * and from what Chromium fetched to open the page. A bench, not a test: nothing is asserted
 * on time; `target.met` reports p99 against the issue's "within a second".
 *
 * BENCH_SCREEN_ROUNDS (50) and BENCH_SCREEN_GAP_MS (250, the pause between rounds, so that
 * the reads an event triggers — the funnel's counts — finish before the next commit).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { BenchApi, type Caller } from "./api.ts";
import { resolveChromium, type ChromiumInstall } from "../e2e/support/chromium-path.ts";
import { startBenchStack, type BenchStack } from "./stack.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ROUNDS = Number(process.env.BENCH_SCREEN_ROUNDS ?? 50);
const WARMUP = 3;
const GAP_MS = Number(process.env.BENCH_SCREEN_GAP_MS ?? 250);
/** A round whose row has not appeared by then counts as missed (reported, not measured). */
const ROUND_TIMEOUT_MS = 10_000;
const targets = { p99_ms_max: 1000, first_load_js_gzip_max: 60_000 };

/** This machine's wall clock in ms, high resolution: what the page's `performance.timeOrigin + performance.now()` is. */
const wall = (): number => performance.timeOrigin + performance.now();
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------
// The built dashboard

export interface FileSize {
  file: string;
  bytes: number;
  /** zlib's default level (6), what a server compressing on the fly typically sends. */
  gzip: number;
}

export interface Dashboard {
  /** The build's directory (index.html, assets/, .vite/manifest.json). */
  dir: string;
  build_ms: number;
  sizes: {
    /** The entry chunk: what every page loads first. */
    entry_js: FileSize;
    entry_css: FileSize[];
    /** The invitations page's own chunk (pages/Members.tsx: the Users and Invites tabs). */
    invitations_page_chunk: FileSize;
    /** Every JS file the build holds, for scale. */
    all_js_gzip: number;
    js_files: number;
  };
  size(file: string): FileSize;
  remove(): void;
}

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

/** `vite build` with the dashboard's own config into a temp dir (a child process, so the bench's heap stays small). */
export async function buildDashboard(log: (line: string) => void = () => undefined): Promise<Dashboard> {
  const dir = mkdtempSync(join(tmpdir(), "roster-bench-dashboard-"));
  const vite = join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");
  const started = performance.now();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [vite, "build", "--config", join(root, "web", "vite.config.ts"), "--outDir", dir, "--emptyOutDir", "--manifest", "--logLevel", "warn"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
    child.on("error", reject);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`vite build failed (exit ${code}):\n${output.join("")}`);
  }
  const buildMs = Math.round(performance.now() - started);
  log(`dashboard built in ${buildMs} ms`);

  const manifest = JSON.parse(readFileSync(join(dir, ".vite", "manifest.json"), "utf8")) as Record<string, ManifestChunk>;
  const size = (file: string): FileSize => {
    const bytes = readFileSync(join(dir, file));
    return { file, bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
  };
  const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
  const page = manifest["src/pages/Members.tsx"];
  if (!entry || !page) throw new Error("the build's manifest has no entry or no src/pages/Members.tsx");
  const allJs = Object.values(manifest)
    .map((chunk) => chunk.file)
    .filter((file) => file.endsWith(".js"));
  return {
    dir,
    build_ms: buildMs,
    sizes: {
      entry_js: size(entry.file),
      entry_css: (entry.css ?? []).map(size),
      invitations_page_chunk: size(page.file),
      all_js_gzip: [...new Set(allJs)].reduce((sum, file) => sum + size(file).gzip, 0),
      js_files: new Set(allJs).size,
    },
    size,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/**
 * Serves the build at `origin` as Workers static assets would (wrangler.toml: a file when
 * the path names one, else index.html; /api/* never), through the context's request
 * interception. Answers the paths served, in order; `stop()` removes the interception.
 */
export async function serveDashboard(context: BrowserContext, origin: string, dashboard: Dashboard): Promise<{ served: string[]; stop(): Promise<void> }> {
  const served: string[] = [];
  const base = normalize(dashboard.dir) + sep;
  const matches = (url: URL): boolean => url.origin === origin && !url.pathname.startsWith("/api/");
  await context.route(matches, async (route) => {
    const pathname = decodeURIComponent(new URL(route.request().url()).pathname);
    let file = normalize(join(base, pathname));
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile() || pathname.startsWith("/.vite/")) file = join(base, "index.html");
    served.push(file.slice(base.length));
    await route.fulfill({
      status: 200,
      body: readFileSync(file),
      contentType: contentTypes[extname(file)] ?? "application/octet-stream",
      headers: { "cache-control": file.endsWith("index.html") ? "no-cache" : "public, max-age=31536000, immutable" },
    });
  });
  return { served, stop: () => context.unrouteAll({ behavior: "wait" }) };
}

// ---------------------------------------------------------------------------------------
// The browser

/** The launch flags of test/e2e/support/chromium.ts (not exported there; it needs vitest). */
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-sync",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors. */
  errors: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh --user-data-dir, its base URL `baseURL`, signed in with `cookie` when given. */
export async function openChromium(
  install: ChromiumInstall,
  baseURL: string,
  options: { cookie?: string; viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {},
): Promise<OpenBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "roster-bench-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: install.executablePath,
    headless: true,
    args: [
      ...chromiumArgs,
      ...install.args.filter((flag) => !chromiumArgs.includes(flag)),
      // The pages come from request interception, which Chromium counts as a public
      // address; the Worker's loopback socket would then be a "local network" it blocks
      // WebSockets to (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS). In production both are
      // public: say so of the Worker's socket too.
      `--ip-address-space-overrides=${new URL(baseURL).host}=public`,
    ],
    env: { ...process.env, ...install.env },
    baseURL,
    viewport: options.viewport ?? { width: 1200, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: options.colorScheme ?? "light",
  });
  context.setDefaultTimeout(15_000);
  if (options.cookie) {
    const [name, ...value] = options.cookie.split("=");
    await context.addCookies([{ name: name!, value: value.join("="), url: baseURL }]);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  context.on("weberror", (error) => errors.push(`page error: ${error.error().message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource: the server responded with a status of")) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------
// The API, as a person's client (undici, like room.ts's)

/** The benches' client, with the invitation this bench makes. */
export class ScreenApi extends BenchApi {
  constructor(stack: BenchStack) {
    // A cookie mutation needs a same-site Origin: the page's own (the Worker's URL here).
    super(stack, { origin: stack.url });
  }

  /** An invitation by `by`; answers its id and token. */
  async invite(slug: string, by: Caller, body: Record<string, unknown>): Promise<{ id: string; token: string }> {
    const made = await this.must<{ invitation: { id: string }; inviteUrl: string }>(201, "POST", `/api/v1/orgs/${slug}/invitations`, body, by);
    return { id: made.invitation.id, token: new URL(made.inviteUrl).pathname.split("/invitations/")[1]! };
  }
}

// ---------------------------------------------------------------------------------------
// The bench

export interface Spread {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
}

/** The same percentile as room.ts (sorted[floor(n·p)]): with 50 rounds p99 is the slowest round. */
function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted.at(-1)!), min: round(sorted[0]!) };
}

/** What the page records; installed before the dashboard's first script runs. */
interface ScreenProbe {
  /** [arrival, data] of every WebSocket message, from a listener added at construction. */
  messages: Array<[number, string]>;
  /** First time each bench email was in the invitations table's text. */
  seen: Record<string, number>;
  /** The first animation frame after that. */
  frames: Record<string, number>;
  waiters: Record<string, () => void>;
}

function installProbe(emailPattern: string): void {
  const now = (): number => performance.timeOrigin + performance.now();
  const probe: ScreenProbe = { messages: [], seen: {}, frames: {}, waiters: {} };
  (window as unknown as { __screen: ScreenProbe }).__screen = probe;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (event) => probe.messages.push([now(), typeof event.data === "string" ? event.data : ""]));
    }
  };
  const pattern = new RegExp(emailPattern, "g");
  const scan = (): void => {
    const t = now();
    const table = document.querySelector('table[aria-label="Invitations"]');
    if (!table) return;
    for (const match of (table.textContent ?? "").matchAll(pattern)) {
      const email = match[0];
      if (probe.seen[email] !== undefined) continue;
      probe.seen[email] = t;
      requestAnimationFrame(() => (probe.frames[email] = now()));
      probe.waiters[email]?.();
    }
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true, characterData: true });
}

/** The current commit and whether web/ differs from it (the build is of the working tree). */
async function gitState(): Promise<{ commit: string; web_dirty: boolean }> {
  const run = (args: string[]): Promise<string> =>
    new Promise((resolve) => {
      const child = spawn("git", args, { cwd: root, stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("exit", () => resolve(out.trim()));
      child.on("error", () => resolve(""));
    });
  const [commit, status] = await Promise.all([run(["rev-parse", "--short", "HEAD"]), run(["status", "--porcelain", "--", "web"])]);
  return { commit, web_dirty: status.length > 0 };
}

export async function benchScreen(): Promise<Record<string, unknown>> {
  const log = (line: string): void => console.error(`[bench screen] ${line}`);
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const email = (n: number): string => `screen-${tag}-${n}@bench.example.com`;
  const emailPattern = `screen-${tag}-\\d+@bench\\.example\\.com`;

  const [install, dashboard, stack, git] = await Promise.all([resolveChromium(), buildDashboard(log), startBenchStack(), gitState()]);
  const api = new ScreenApi(stack);
  let browser: OpenBrowser | undefined;
  try {
    log(`stack on ${stack.url}; ${install.version} (${install.source})`);
    const ownerA = await api.signIn(`screen-owner-a.${tag}@bench.example.com`, "192.0.2.41");
    const ownerB = await api.signIn(`screen-owner-b.${tag}@bench.example.com`, "192.0.2.42");
    const slug = `screen-${tag}`;
    await api.must(201, "POST", "/api/v1/orgs", { name: `Screen ${tag}`, slug }, ownerA);
    await api.must(200, "PATCH", `/api/v1/orgs/${slug}`, { seatLimit: ROUNDS + WARMUP + 50 }, ownerA);
    const { token } = await api.invite(slug, ownerA, { invitee: `screen-owner-b.${tag}@bench.example.com`, role: "owner" });
    await api.must(200, "POST", `/api/v1/invitations/${token}/accept`, undefined, ownerB);

    browser = await openChromium(install, stack.url, { cookie: ownerB.cookie });
    const { page, context } = browser;
    await context.addInitScript(installProbe, emailPattern);
    const assets = await serveDashboard(context, stack.url, dashboard);
    const opened = wall();
    await page.goto(`/orgs/${slug}/invitations`);
    await page.getByRole("table", { name: "Invitations" }).waitFor();
    await page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();
    const openMs = Math.round(wall() - opened);
    // Nothing measured passes the interception (and no later chunk is needed on this page).
    await assets.stop();
    const served = [...assets.served];
    const firstLoad = {
      js: served.filter((f) => f.endsWith(".js")).map(dashboard.size),
      css: served.filter((f) => f.endsWith(".css")).map(dashboard.size),
    };

    // The page's clock against this process's: the page's reading minus the midpoint of ours.
    const clock: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = wall();
      const inPage = await page.evaluate(() => performance.timeOrigin + performance.now());
      const after = wall();
      clock.push(inPage - (before + after) / 2, (after - before) / 2);
    }

    const waitForRow = (address: string): Promise<boolean> =>
      page.evaluate(
        ({ address, timeout }) =>
          new Promise<boolean>((resolve) => {
            const probe = (window as unknown as { __screen: ScreenProbe }).__screen;
            if (probe.seen[address] !== undefined) return resolve(true);
            const timer = setTimeout(() => resolve(false), timeout);
            probe.waiters[address] = () => {
              clearTimeout(timer);
              resolve(true);
            };
          }),
        { address, timeout: ROUND_TIMEOUT_MS },
      );

    const answered: Array<{ email: string; at201: number; measured: boolean }> = [];
    let missed = 0;
    log(`${WARMUP} warm-up rounds, then ${ROUNDS}…`);
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const address = email(i);
      const made = await api.call("POST", `/api/v1/orgs/${slug}/invitations`, { invitee: address }, ownerA);
      if (made.status !== 201) throw new Error(`round ${i}: the invitation answered ${made.status}: ${JSON.stringify(made.body)}`);
      answered.push({ email: address, at201: made.answeredAt, measured: i >= WARMUP });
      if (!(await waitForRow(address)) && i >= WARMUP) missed++;
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    }

    const probe = await page.evaluate(() => {
      const p = (window as unknown as { __screen: ScreenProbe }).__screen;
      return { messages: p.messages, seen: p.seen, frames: p.frames };
    });
    // The event of each invitation: its `at` and when its socket message reached the page.
    const events = new Map<string, { at: number; arrived: number }>();
    for (const [arrived, data] of probe.messages) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
        const e = event as { type?: string; at?: string };
        if (e.type !== "invitation.created" || typeof e.at !== "string") continue;
        const address = JSON.stringify(event).match(new RegExp(emailPattern))?.[0];
        if (address && !events.has(address)) events.set(address, { at: Date.parse(e.at), arrived });
      }
    }

    const rows = answered
      .filter((r) => r.measured && probe.seen[r.email] !== undefined)
      .map((r) => {
        const dom = probe.seen[r.email]!;
        const event = events.get(r.email);
        const frame = probe.frames[r.email];
        return {
          from_api_201_ms: dom - r.at201,
          from_commit_ms: event ? dom - event.at : undefined,
          commit_to_message_ms: event ? event.arrived - event.at : undefined,
          message_to_dom_ms: event ? dom - event.arrived : undefined,
          dom_to_next_frame_ms: frame !== undefined ? frame - dom : undefined,
          api_201_after_commit_ms: event ? r.at201 - event.at : undefined,
        };
      });
    const column = (key: keyof (typeof rows)[number]): number[] => rows.map((r) => r[key]).filter((v): v is number => v !== undefined);
    const from201 = spread(column("from_api_201_ms"));
    const fromCommit = spread(column("from_commit_ms"));
    const entryGzip = dashboard.sizes.entry_js.gzip;
    const firstLoadJsGzip = firstLoad.js.reduce((sum, f) => sum + f.gzip, 0);
    const offsets = clock.filter((_, i) => i % 2 === 0);
    const halfWidths = clock.filter((_, i) => i % 2 === 1);

    return {
      setup: {
        dashboard: "production build (vite build, web/vite.config.ts) in a temp dir, served as Workers static assets serve it (request interception, removed before the rounds)",
        server: "bench stack (stack.ts): the built Worker on Miniflare directly, its own socket; the page's origin, API reads and WebSocket go straight to it",
        browser: `${install.version} (${install.source}), headless, fresh --user-data-dir, 1200×800`,
        git,
        rounds: ROUNDS,
        warmup_rounds: WARMUP,
        gap_ms: GAP_MS,
        build_ms: dashboard.build_ms,
        stack_start_ms: stack.timings,
        page_open_ms: openMs,
      },
      bundle: {
        entry_js: dashboard.sizes.entry_js,
        entry_css: dashboard.sizes.entry_css,
        invitations_page_chunk: dashboard.sizes.invitations_page_chunk,
        // What Chromium fetched to open /orgs/:slug/invitations: the entry, the layout, the page and their shared chunks.
        invitations_first_load: {
          js_files: firstLoad.js.map((f) => f.file),
          js_bytes: firstLoad.js.reduce((sum, f) => sum + f.bytes, 0),
          js_gzip: firstLoadJsGzip,
          css_gzip: firstLoad.css.reduce((sum, f) => sum + f.gzip, 0),
        },
        all_js_gzip: dashboard.sizes.all_js_gzip,
        js_files_in_build: dashboard.sizes.js_files,
        gzip: "zlib level 6 (Vite's own report rounds differently)",
      },
      rounds: rows.length,
      missed,
      from_api_201_ms: from201,
      from_commit_ms: fromCommit,
      breakdown: {
        commit_to_socket_message_ms: spread(column("commit_to_message_ms")),
        socket_message_to_dom_ms: spread(column("message_to_dom_ms")),
        dom_to_next_frame_ms: spread(column("dom_to_next_frame_ms")),
        api_201_after_commit_ms: spread(column("api_201_after_commit_ms")),
      },
      // The page's wall clock minus this process's (median of 5), and the widest half round trip.
      clock_check_ms: { page_minus_node: round([...offsets].sort((a, b) => a - b)[2]!, 2), uncertainty: round(Math.max(...halfWidths), 2) },
      targets,
      met: {
        from_api_201_p99: from201 !== null && from201.p99 < targets.p99_ms_max && missed === 0,
        from_commit_p99: fromCommit !== null && fromCommit.p99 < targets.p99_ms_max && missed === 0,
        entry_js_gzip: entryGzip < targets.first_load_js_gzip_max,
        invitations_first_load_js_gzip: firstLoadJsGzip < targets.first_load_js_gzip_max,
      },
      page_errors: browser.errors,
    };
  } finally {
    await browser?.close();
    await api.close();
    await stack.stop();
    dashboard.remove();
  }
}
