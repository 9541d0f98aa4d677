import { Runtime } from "../../src/index.js";

/**
 * Every runtime a test file created or started, until it has been closed.
 * test/setup/runtime-leaks.ts fails the file when some are still open at its end.
 */
const open = new Set<Runtime>();
const closed = new WeakSet<Runtime>();

/** Registers a runtime as open until its close() resolves. */
export function trackRuntime<R extends Runtime>(runtime: R): R {
  if (!closed.has(runtime)) open.add(runtime);
  return runtime;
}

/** Runtimes still open; they are no longer tracked after this. */
export function takeOpenRuntimes(): Runtime[] {
  const left = [...open];
  open.clear();
  return left;
}

let patched = false;
/**
 * Observes every Runtime, including ones a test made with createRuntime() or
 * `new Runtime()` directly: starting or listening registers it, close() releases it.
 */
export function observeRuntimes(): void {
  if (patched) return;
  patched = true;
  const proto = Runtime.prototype;
  const { close, listen, start } = proto;
  proto.listen = function (this: Runtime) {
    trackRuntime(this);
    return listen.call(this);
  };
  proto.start = function (this: Runtime) {
    trackRuntime(this);
    return start.call(this);
  };
  proto.close = async function (this: Runtime, ...args: Parameters<Runtime["close"]>) {
    await close.apply(this, args);
    closed.add(this);
    open.delete(this);
  };
}
