import v8 from "node:v8";
import vm from "node:vm";

/**
 * Strings that come out of an isolate (outboxes, arguments of host calls) are
 * external strings in the host: V8 does not count their bytes towards its heap,
 * so garbage ones can pile up to gigabytes before anything collects them. The
 * host counts what it receives and runs a full collection once enough has
 * arrived, and again shortly after a burst ends, so memory returns to baseline.
 */

/** Characters received since the last collection that make the next one run at once. */
const COLLECT_AFTER_CHARS = 64 * 1024 * 1024;
/** Characters that are worth a collection once the sandboxes have been quiet for IDLE_MS. */
const COLLECT_WHEN_IDLE_CHARS = 4 * 1024 * 1024;
const IDLE_MS = 500;

let pending = 0;
let idleTimer: NodeJS.Timeout | undefined;
let collect: (() => void) | undefined;

/** Records `chars` characters received from a sandbox. */
export function noteStringFromSandbox(chars: number): void {
  if (chars < 4096) return;
  pending += chars;
  if (pending >= COLLECT_AFTER_CHARS) {
    collectNow();
    return;
  }
  if (pending >= COLLECT_WHEN_IDLE_CHARS) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(collectNow, IDLE_MS);
    idleTimer.unref();
  }
}

function collectNow(): void {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  pending = 0;
  collector()();
}

/**
 * A function that runs a full garbage collection: the global `gc` when Node was
 * started with --expose-gc, otherwise one taken from a fresh context with the
 * flag set just for that moment (the flag is cleared at once, so isolates made
 * later do not get it).
 */
function collector(): () => void {
  if (collect) return collect;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return (collect = exposed);
  v8.setFlagsFromString("--expose-gc");
  try {
    collect = vm.runInNewContext("gc") as () => void;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
  return collect;
}
