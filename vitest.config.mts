import { defineConfig } from "vitest/config";

// `.mts`: the root package is CommonJS, and Vite loads an ESM config natively only from
// an ESM file. The reporter is given by path so vitest loads it like a test file.
//
// One run covers every package's unit tests and the end-to-end suites, which spawn
// the built processes (dist/) against the running Postgres and Redis.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    environment: "node",
    pool: "forks",
    // Two cores: files run in parallel, two at a time; tests inside a file run in order.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
