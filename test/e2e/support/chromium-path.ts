/**
 * Which Chromium the browser tests drive: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`,
 * else the one inside the `@sparticuz/chromium` devDependency, unpacked once per install.
 * Never a tool's own browser download: `npm install && npm test` needs no system package.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Debian's Chromium (`apt-get install chromium`). */
export const systemChromiumPath = "/usr/bin/chromium";

/** A Chromium to launch, as the global setup hands it to the tests (plain JSON). */
export interface ChromiumInstall {
  executablePath: string;
  /** Where it came from, for the setup's log line and error messages. */
  source: "CHROMIUM_PATH" | "debian" | "@sparticuz/chromium";
  /** Its version line, e.g. `Chromium 153.0.8010.0`. */
  version: string;
  /** Flags it needs beyond the ones every launch passes. */
  args: string[];
  /** Environment it needs beyond the test process's own. */
  env: Record<string, string>;
}

const root = fileURLToPath(new URL("../../..", import.meta.url));
const run = promisify(execFile);

/**
 * Finds the Chromium for this run, unpacking `@sparticuz/chromium` if neither
 * `CHROMIUM_PATH` nor Debian's package is there. Call it once per run (the global setup):
 * the unpack takes seconds and writes ~210 MB.
 */
export async function resolveChromium(): Promise<ChromiumInstall> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return probe(fromEnv, "CHROMIUM_PATH", [], {});
    console.warn(`CHROMIUM_PATH=${fromEnv} does not exist; looking for another Chromium.`);
  }
  if (existsSync(systemChromiumPath)) return probe(systemChromiumPath, "debian", [], {});
  try {
    return await unpackSparticuz();
  } catch (error) {
    throw new Error(
      [
        "The browser tests found no Chromium: CHROMIUM_PATH is unset or missing, there is no",
        `${systemChromiumPath}, and the bundled one (@sparticuz/chromium) failed: ${error instanceof Error ? error.message : String(error)}`,
        "Fix: `npm install` (it is a devDependency), or `apt-get install -y chromium`, or set",
        "CHROMIUM_PATH to a Chromium or Chrome binary. Never a tool's own browser download.",
      ].join("\n"),
      { cause: error },
    );
  }
}

async function probe(
  executablePath: string,
  source: ChromiumInstall["source"],
  args: string[],
  env: Record<string, string>,
): Promise<ChromiumInstall> {
  // One clear failure here beats every browser test failing in launch with the same cause.
  try {
    const { stdout } = await run(executablePath, ["--version"], { env: { ...process.env, ...env }, timeout: 15_000 });
    return { executablePath, source, version: stdout.trim(), args, env };
  } catch (error) {
    throw new Error(`${executablePath} (${source}) does not run: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Flags of `chromium.args` that carry over. The rest serve AWS Lambda and would change what
 * is tested: `--disable-web-security`, `--disable-site-isolation-trials`,
 * `--allow-running-insecure-content` and the site-isolation features lift the same-origin
 * rules the dashboard relies on; `--single-process` only works around Lambda's kernel;
 * headless mode belongs to playwright and the graphics flags contradict `--disable-gpu`.
 * A list of what to keep, so that an upgrade cannot slip a new flag in.
 */
const keptSparticuzFlags = new Set([
  "--ash-no-nudges",
  "--disable-domain-reliability",
  "--disable-print-preview",
  "--disk-cache-size",
  "--no-default-browser-check",
  "--no-pings",
  "--font-render-hinting",
  "--no-zygote",
  "--disable-setuid-sandbox",
]);

async function unpackSparticuz(): Promise<ChromiumInstall> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`its binary is for Linux x64 only, and this is ${process.platform} ${process.arch}`);
  }
  // A direct devDependency, so npm always puts it here; its exports hide package.json.
  const manifest = join(root, "node_modules", "@sparticuz", "chromium", "package.json");
  if (!existsSync(manifest)) throw new Error("it is not installed");
  const { version } = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
  const { default: sparticuz } = await import("@sparticuz/chromium");
  const cacheDir = join(root, "node_modules", ".cache");
  const dir = join(cacheDir, `sparticuz-chromium-${version}`);
  if (!existsSync(join(dir, "chromium"))) await unpackInto(cacheDir, dir, version);

  const args = sparticuz.args.filter((flag) => keptSparticuzFlags.has(flag.split("=")[0] as string));
  const env: Record<string, string> = { FONTCONFIG_FILE: join(dir, "fonts.conf") };
  // Only on Amazon Linux 2023 (Lambda, CodeBuild) does the package unpack the libraries it needs there.
  const al2023Libs = join(dir, "al2023", "lib");
  if (existsSync(al2023Libs)) env.LD_LIBRARY_PATH = [al2023Libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return probe(join(dir, "chromium"), "@sparticuz/chromium", args, env);
}

/**
 * Unpacks into a staging directory, then renames it into place: `executablePath()` reuses
 * whatever `$TMPDIR/chromium` holds, so a run killed mid-unpack (or another package
 * version) would leave a broken binary that every later run picked up, and two runs
 * unpacking into one place would race.
 */
async function unpackInto(cacheDir: string, dir: string, version: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  await removeLeftovers(cacheDir, dir);
  const staging = await mkdtemp(join(cacheDir, `.sparticuz-chromium-${version}-`));
  try {
    const started = Date.now();
    // The package unpacks into os.tmpdir(); a child with its own TMPDIR keeps it in staging.
    const script = 'const { default: c } = await import("@sparticuz/chromium"); process.stdout.write(await c.executablePath());';
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      env: { ...process.env, TMPDIR: staging },
      timeout: 120_000,
    });
    if (stdout !== join(staging, "chromium")) throw new Error(`it unpacked to ${stdout}, not into ${staging}`);
    await writeFile(join(staging, "fonts.conf"), fontsConf(dir));
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another run renamed its own complete copy into place first; that one will do.
      if (!existsSync(join(dir, "chromium"))) throw error;
    }
    console.log(`Unpacked @sparticuz/chromium ${version} into ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The system's fonts when it has any, and the package's Open Sans always: with no font at
 * all, text lays out with zero width and buttons shrink to their padding.
 */
function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    "<fontconfig>",
    '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    `  <dir>${join(dir, "fonts", "fonts")}</dir>`,
    `  <cachedir>${join(dir, "fonts-cache")}</cachedir>`,
    "</fontconfig>",
    "",
  ].join("\n");
}

/** Other versions' unpacked copies, and staging directories a killed run left over an hour ago. */
async function removeLeftovers(cacheDir: string, keep: string): Promise<void> {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    if (path === keep) continue;
    // A concurrent run may remove its own staging directory between readdir and stat.
    const stale =
      name.startsWith("sparticuz-chromium-") ||
      (name.startsWith(".sparticuz-chromium-") && ((await stat(path).catch(() => null))?.mtimeMs ?? Infinity) < hourAgo);
    if (stale) await rm(path, { recursive: true, force: true });
  }
}
