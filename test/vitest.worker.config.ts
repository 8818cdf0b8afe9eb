import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));
// wrangler.toml names the built dashboard as static assets; the tests do not need it built.
mkdirSync(`${root}/dist/web`, { recursive: true });

/** Worker tests run inside workerd against the local libSQL server that setup starts. */
export default defineConfig({
  root,
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          DATABASE_URL: inject("databaseUrl"),
          ROSTER_LOCAL_DEV: "1",
          SESSION_SECRET: "test-only-session-secret-0123456789abcdef",
          APP_URL: "http://roster.test",
        },
      },
    })),
  ],
  test: {
    name: "worker",
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/setup/database.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
