import { defineConfig } from "vitest/config";

/**
 * `npm test` runs every project: pure unit tests and Node-side integration (node), the
 * local libSQL server's conformance suite (db), the Worker inside workerd (worker), and
 * the dashboard in Chromium (Debian's or the bundled one) against `npm run dev` (e2e).
 */
export default defineConfig({
  test: {
    projects: [
      "test/vitest.node.config.ts",
      "test/vitest.db.config.ts",
      "test/vitest.worker.config.ts",
      "test/vitest.e2e.config.ts",
    ],
  },
});
