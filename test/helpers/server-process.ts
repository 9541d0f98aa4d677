import type { ChildProcess } from "node:child_process";

/**
 * Waits until a server process the tests started answers (`ready` says so),
 * polling every 50 ms for up to 10 s; rejects when it exits first or never
 * answers, naming it and what it wrote (`output`).
 */
export async function waitForServer(child: ChildProcess, what: string, ready: () => Promise<boolean>, output: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}${output() ? `: ${output()}` : ""}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILL, and waits until the process is gone (nothing to do when it already is). */
export async function killAndWait(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await gone;
}
