import { pino } from "pino";
import { afterEach } from "vitest";
import { createRuntime, type ReloadEvent, type Runtime, type RuntimeInit } from "../../src/index.js";
import { TempProject } from "./project.js";
import { trackRuntime } from "./runtime-tracker.js";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Log lines a runtime wrote, kept for assertions. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly logger = pino({ level: "debug" }, { write: (line: string) => void this.lines.push(JSON.parse(line)) });

  messages(): string[] {
    return this.lines.map((l) => l.msg);
  }

  /** Resolves with the first line matching, waiting for it if needed. */
  async waitFor(match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
    return waitUntil(() => this.lines.find(match), timeoutMs, "log line");
  }
}

export interface TestRuntime {
  runtime: Runtime;
  project: TempProject;
  logs: LogCapture;
  url(endpoint: string): string;
}

/**
 * createRuntime() for tests: the runtime is tracked until closed, and a test
 * file that leaves one open fails (test/setup/runtime-leaks.ts). Closing it is
 * the caller's job; startProject() closes its own.
 */
export function createTestRuntime(options: RuntimeInit): Runtime {
  return trackRuntime(createRuntime(options));
}

const live: { runtime: Runtime; project?: TempProject }[] = [];

afterEach(async () => {
  for (const { runtime, project } of live.splice(0)) {
    await runtime.close(500);
    await project?.dispose();
  }
});

/**
 * A runtime on a free loopback port over a temp project; disposed after the test.
 * `prepare` runs on the project folder before the runtime starts (links, special files).
 */
export async function startProject(
  files: Record<string, string>,
  options: Partial<RuntimeInit> = {},
  prepare?: (project: TempProject) => void | Promise<void>,
): Promise<TestRuntime> {
  const project = await TempProject.create(files);
  await prepare?.(project);
  const logs = new LogCapture();
  const runtime = createTestRuntime({
    projectRoot: project.root,
    port: 0,
    host: "127.0.0.1",
    logger: logs.logger,
    reloadDebounceMs: 30,
    ...options,
  });
  live.push({ runtime, project });
  await runtime.listen();
  return { runtime, project, logs, url: (endpoint) => runtime.serviceUrl(endpoint) };
}

/** The next reload event matching `match`. Call before causing the change. */
export function nextReload(runtime: Runtime, match: (e: ReloadEvent) => boolean, timeoutMs = 5000): Promise<ReloadEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      runtime.off("reload", on);
      reject(new Error(`no matching reload within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e: ReloadEvent) => {
      if (!match(e)) return;
      clearTimeout(timer);
      runtime.off("reload", on);
      resolve(e);
    };
    runtime.on("reload", on);
  });
}

/** Polls until `probe` returns (or resolves to) something other than undefined/false. */
export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
