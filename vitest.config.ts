import { defineConfig } from "vitest/config";

// isolated-vm needs --no-node-snapshot on Node >= 20. Worker threads reject that
// flag, so tests run in forked processes.
export default defineConfig({
  test: {
    pool: "forks",
    // --expose-gc lets the fault suite check that memory returns to baseline.
    execArgv: ["--no-node-snapshot", "--expose-gc"],
    include: ["test/**/*.test.ts"],
    // Fails a test file that leaves a runtime open.
    setupFiles: ["test/setup/runtime-leaks.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
