import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    name: "node",
    environment: "node",
    include: ["test/unit/**/*.test.ts", "test/node/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
