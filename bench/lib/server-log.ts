// Reads the JSON log lines (pino) a server child process writes to stdout, as
// they come, and keeps what the soak reports: error codes, sandbox crashes and
// projects disabled, per project folder.
import type { Readable } from "node:stream";

export interface LogLine {
  readonly level?: number;
  readonly msg?: string;
  readonly code?: string;
  readonly project?: string;
  readonly [key: string]: unknown;
}

export class ServerLog {
  /** Lines seen per error code (`AEROSTAT_…`). */
  readonly codes: Record<string, number> = {};
  /** Sandbox crashes (restarts) per project folder. */
  readonly crashes: Record<string, number> = {};
  /** Times each project folder was disabled after repeated crashes. */
  readonly disabled: Record<string, number> = {};
  /** Inline dispatch losses ("held the host's thread") per project folder. */
  readonly inlineLosses: Record<string, number> = {};
  /** Error lines (level ≥ 50) per project folder, for lines that name one. */
  readonly errorsByProject: Record<string, number> = {};
  /** The first lines that carry an error code, clipped, with the seconds since the log was attached. */
  readonly problems: string[] = [];
  lines = 0;
  private readonly started = performance.now();
  longestLine = 0;
  private partial = "";
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine | undefined) => void }[] = [];

  constructor(stream: Readable) {
    stream.on("data", (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const parts = text.split("\n");
      this.partial = parts.pop() ?? "";
      if (this.partial.length > 1024 * 1024) this.partial = ""; // not a log line of ours
      for (const raw of parts) this.onLine(raw);
    });
  }

  /** Resolves with the next line matching `match`, or undefined after `timeoutMs`. */
  next(match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine | undefined> {
    return new Promise((resolve) => {
      const waiter = {
        match,
        resolve: (l: LogLine | undefined) => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(l);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private onLine(raw: string): void {
    if (!raw.startsWith("{")) return; // the banner
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      return;
    }
    this.lines++;
    this.longestLine = Math.max(this.longestLine, raw.length);
    const bump = (record: Record<string, number>, key: string) => (record[key] = (record[key] ?? 0) + 1);
    if (line.code) {
      bump(this.codes, line.code);
      const at = ((performance.now() - this.started) / 1000).toFixed(1);
      if (this.problems.length < 200) this.problems.push(`${at} s ${line.code} ${String(line.msg).slice(0, 300)}`);
    }
    const msg = line.msg ?? "";
    if (msg.includes("held the host's thread")) bump(this.inlineLosses, String(line.project ?? "?"));
    const crashed = /^the sandbox of "(.*)" crashed; restarting/.exec(msg);
    if (crashed) bump(this.crashes, crashed[1]!);
    if (line.code === "AEROSTAT_HANDLER_CRASHED" || /^disabled: /.test(msg)) {
      const folder = /project folder "([^"]*)"/.exec(msg)?.[1] ?? String(line.file ?? "?").split("/")[0]!;
      bump(this.disabled, folder);
    }
    const project = typeof line.project === "string" ? line.project : typeof line.file === "string" ? line.file.split("/")[0] : undefined;
    if ((line.level ?? 0) >= 50 && project) bump(this.errorsByProject, project);
    for (const w of [...this.waiters]) if (w.match(line)) w.resolve(line);
  }
}
