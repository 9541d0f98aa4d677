import path from "node:path";
import { afterAll } from "vitest";
import { observeRuntimes, takeOpenRuntimes } from "../helpers/runtime-tracker.js";

// Registered in vitest.config.ts `setupFiles`: runs in every test file.
// A runtime left open keeps ports, watchers and isolates alive into the next
// test; the file fails, naming itself and how many runtimes it left open.
observeRuntimes();

afterAll(async ({}, suite) => {
  const left = takeOpenRuntimes();
  if (left.length === 0) return;
  // Close them anyway, so the worker can go on to the next file.
  await Promise.all(left.map((r) => r.close(0).catch(() => undefined)));
  const file = "filepath" in suite ? suite.filepath : (suite.file?.filepath ?? "this test file");
  throw new Error(
    `${path.relative(process.cwd(), file)} left ${left.length} runtime${left.length === 1 ? "" : "s"} open: ` +
      "close every runtime a test creates (startProject closes its own after each test).",
  );
});
