import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const CLI = path.join(REPO, "dist/cli/main.js");

const children = new Set<ChildProcess>();
/**
 * Kills every CLI process still running; call from afterEach/afterAll. A
 * child spawned `detached` (a shell running npm, say) leads a process group,
 * and the whole group goes: npm's own shell and the server it started too.
 */
export function killAll(): void {
  for (const c of children) {
    try {
      if (c.pid === undefined) throw new Error("not started");
      process.kill(-c.pid, "SIGKILL");
    } catch {
      c.kill("SIGKILL");
    }
  }
  children.clear();
}

/** The built CLI as a child process, with everything it prints collected. */
export class CliProcess {
  private text = "";
  readonly exited: Promise<number | null>;

  constructor(
    readonly args: string[],
    readonly child: ChildProcess = spawn(process.execPath, ["--no-node-snapshot", CLI, ...args], {
      cwd: REPO,
      env: { ...process.env, AEROSTAT_LOG_LEVEL: "info" },
    }),
  ) {
    children.add(child);
    child.stdout!.on("data", (d) => (this.text += d));
    child.stderr!.on("data", (d) => (this.text += d));
    this.exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        children.delete(child);
        resolve(code);
      }),
    );
  }

  output(): string {
    return this.text;
  }

  /** Resolves with the first match of `pattern` in the output, waiting for it. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.text.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${pattern} in the CLI's output:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** `aerostat serve <root>` on loopback; `url` is known once the banner is printed. */
export class ServedProject {
  private constructor(
    readonly root: string,
    readonly process: CliProcess,
    readonly url: string,
    /** The dashboard's URL with its token, as the banner prints it; undefined when it is off. */
    readonly dashboardUrl: string | undefined,
  ) {}

  static async start(root: string, port = 0, extra: string[] = []): Promise<ServedProject> {
    const proc = new CliProcess(["serve", root, "--port", String(port), "--host", "127.0.0.1", ...extra]);
    const [, url] = await proc.waitFor(/aerostat serving .* at (http:\/\/127\.0\.0\.1:\d+)\//);
    // The banner is written at once: its dashboard line, if any, is already there.
    const dashboard = /^dashboard\s+(http:\/\/\S+)$/m.exec(proc.output())?.[1];
    return new ServedProject(root, proc, url!, dashboard);
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Kills the server outright (SIGKILL): no close frames, as in a crash. */
  async kill(): Promise<void> {
    this.process.child.kill("SIGKILL");
    await this.process.exited;
  }

  /** A new server process on the same folder and port. */
  restart(): Promise<ServedProject> {
    return ServedProject.start(this.root, this.port);
  }
}

/** A temp copy of sample-project/, so nothing a test does can touch the real one. Remove it with rmSync. */
export function copyOfSampleProject(): string {
  const root = mkdtempSync(path.join(tmpdir(), "aerostat-sample-"));
  cpSync(path.join(REPO, "sample-project"), root, { recursive: true });
  return root;
}


/** The commands under "Next, from this folder:" in `aerostat init`'s output, without their # comments. */
export function nextSteps(output: string): string[] {
  const after = output.split("Next, from this folder:\n")[1] ?? "";
  return after.split("\n").filter((l) => l.startsWith("  ")).map((l) => l.replace(/#.*$/, "").trim());
}
