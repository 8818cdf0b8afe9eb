import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Browser end-to-end tests: `npm run dev` started once by the global setup, driven through
 * playwright-core by Debian's Chromium or else the one in `@sparticuz/chromium` (see
 * test/e2e/support/chromium-path.ts), plus the API scenario over plain fetch.
 * Run with `npx vitest run --config test/vitest.e2e.config.ts`.
 */
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    name: "e2e",
    environment: "node",
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/e2e/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: one Chromium per worker keeps the machine responsive for the server.
    maxWorkers: 2,
  },
});
