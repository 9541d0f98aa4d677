import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "../..");

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Starts `node --no-node-snapshot <script> ...args` and waits until it prints a port. */
export interface StartOptions {
  /** Pin the process to this CPU core (taskset). */
  readonly core?: number | undefined;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function startProcess(script: string, args: string[], portPattern: RegExp, options: StartOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const command = [process.execPath, "--no-node-snapshot", script, ...args];
  if (options.core !== undefined) command.unshift("taskset", "-c", String(options.core));
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out = keepTail(out + d)));
  child.stderr!.on("data", (d) => (out = keepTail(out + d)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = out.match(portPattern);
    if (m) return { child, port: Number(m[1]), output: () => out, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${script} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function keepTail(text: string): string {
  return text.length > 200_000 ? text.slice(-100_000) : text;
}

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** User + system CPU time of a process in µs, from /proc/<pid>/stat. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}
