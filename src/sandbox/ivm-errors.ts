/**
 * What isolated-vm's errors mean, recognised in one place. isolated-vm reports
 * them as plain Errors with known messages.
 */

/** The call ran past its timeout (the CPU limit) and was stopped. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && /timed out/i.test(error.message);
}

/** The isolate is gone (disposed, or killed by its memory limit). */
export function isIsolateGone(error: unknown): boolean {
  return error instanceof Error && /disposed|memory limit/i.test(error.message);
}

/** The message of anything isolated-vm rejected with, without its "[file:line:col]" suffix. */
export function ivmMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\[[^\]]*:\d+:\d+\]\s*$/, "");
}
