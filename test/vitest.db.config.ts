import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The local libSQL server's suite: conformance with both clients, values, transactions, fuzz, kill. */
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    name: "db",
    environment: "node",
    include: ["test/db/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
