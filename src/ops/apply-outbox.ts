import { CloseCodes, scriptCloseCode } from "../protocol/close-codes.js";
import { EventKind, PeerKind } from "../protocol/events.js";
import { OutboxOp } from "../protocol/outbox.js";
import { decodeOutbox } from "../protocol/outbox-codec.js";
import type { Peer } from "../peers/peer.js";
import { MAX_LOG_CHARS, MAX_REPORT_CHARS } from "../sandbox/guest-context.js";
import type { CallerContext, HandlerModule } from "../sandbox/handler-module.js";
import { handlerFields } from "../log/handler-fields.js";
import { truncateText } from "../log/truncate.js";
import type { OpTable } from "./op-table.js";
import type { Services } from "./services.js";

const LOG_LEVELS = new Set(["log", "info", "warn", "error", "debug"]);

/** The peer `id` of the module's project: a session or an outgoing client. */
export function peerOf(services: Services, project: string, id: string): Peer | undefined {
  return services.sessions.get(project, id) ?? services.clients.get(project, id);
}

/** The peer a script's frame goes to; undefined (and logged, within the module's budget) for one that takes no raw frames. */
function rawTarget(services: Services, module: HandlerModule, id: string): Peer | undefined {
  const peer = peerOf(services, module.project, id);
  if (peer?.noRawFrames === undefined) return peer;
  if (module.logBudget.take()) services.log.warn({ handler: module.key, peer: id, where: peer.where }, `${module.key}: a frame for ${id} was not sent: ${peer.noRawFrames}`);
  return undefined;
}

/**
 * Applies a guest's outbox. The text came from untrusted code: it is decoded as
 * data, numbers are checked where they are used, and a script can only reach
 * the sessions and clients of its own project. `binaries` are the copies of
 * the binary frames the outbox refers to by index.
 */
export function applyOutbox(
  services: Services,
  ops: OpTable,
  module: HandlerModule,
  text: string,
  binaries: readonly ArrayBuffer[],
  /** False for the outbox of a context that was just replaced: its timers and replies are void. */
  isCurrent: boolean,
  /** The context that wrote it, when known (a flush after an await): posted ops ask it whether it still serves when they run. */
  caller?: CallerContext,
): void {
  const from: CallerContext = caller ?? { isCurrent: () => isCurrent, isServing: () => isCurrent };
  const log = services.log;
  // Frames sent, counted once per outbox rather than once per frame.
  let sent = 0;
  decodeOutbox(text, (op, f) => {
    switch (op) {
      case OutboxOp.send:
        if (rawTarget(services, module, f[0]!)?.send(f[1]!)) sent++;
        break;
      case OutboxOp.sendBinary: {
        const bytes = binaries[Number(f[1])];
        if (bytes && rawTarget(services, module, f[0]!)?.send(Buffer.from(bytes))) sent++;
        break;
      }
      case OutboxOp.close: {
        const code = Number(f[1]);
        const reason = f[2]!;
        peerOf(services, module.project, f[0]!)?.close(scriptCloseCode(code) ? code : CloseCodes.normal, Buffer.byteLength(reason) <= 123 ? reason : "");
        break;
      }
      case OutboxOp.timerSet:
        if (isCurrent) module.timers.set(Number(f[0]), Number(f[1]), f[2] === "1");
        break;
      case OutboxOp.timerClear:
        if (isCurrent) module.timers.clear(Number(f[0]));
        break;
      case OutboxOp.log: {
        const [level, line, peerKind, peerId, where] = f;
        if (!LOG_LEVELS.has(level!) || !module.logBudget.take()) break;
        const pinoLevel = level === "log" ? "info" : (level as "info" | "warn" | "error" | "debug");
        const fields = handlerFields(module.project, module.key, { kind: peerKind!, id: peerId!, where: where! });
        log[pinoLevel]({ ...fields, console: level }, module.positions.rewrite(truncateText(line!, MAX_LOG_CHARS)));
        break;
      }
      case OutboxOp.fault: {
        if (!module.logBudget.take()) break;
        const [method, peerKind, peerId, where, error, stack] = f;
        const at = module.positions.locate(stack!);
        services.reportFault({
          project: module.project,
          handler: module.key,
          method: truncateText(method!, 64),
          peerKind: peerKind!,
          peerId: peerId!,
          where: where!,
          ...(peerKind === PeerKind.session ? { endpoint: where! } : {}),
          error: truncateText(error!, MAX_REPORT_CHARS),
          at,
        });
        break;
      }
      case OutboxOp.post:
        sent += post(services, ops, module, f[0]!, f[1]!, from);
        break;
      case OutboxOp.call:
        call(services, ops, module, f[0]!, f[1]!, f[2]!);
        break;
      case OutboxOp.reply:
        if (isCurrent) module.requests.answer(Number(f[0]), f[1] === "1", f[2]!);
        break;
    }
  });
  if (sent > 0) services.traffic.countOut(sent);
}

function parseArgs(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** A fire-and-forget capability op; returns the frames it sent now. A failure later is logged. */
function post(services: Services, ops: OpTable, module: HandlerModule, name: string, json: string, caller: CallerContext): number {
  const op = ops.posted(name);
  if (!op) return 0;
  // Within the module's log budget: a broadcast loop while the engine is away must not flood the log.
  const failed = (error: unknown) => {
    if (module.logBudget.take()) services.log.error({ handler: module.key, op: name, err: error }, `${name} failed: ${String((error as Error)?.message ?? error)}`);
  };
  try {
    const result = op.run({ module, services, caller }, parseArgs(json));
    if (typeof result === "number") return result;
    result.then((n) => n > 0 && services.traffic.countOut(n), failed);
  } catch (error) {
    failed(error);
  }
  return 0;
}

/** A host promise: runs the deferred op and settles the script's Promise through a queued `settle` event. */
function call(services: Services, ops: OpTable, module: HandlerModule, promiseId: string, name: string, json: string): void {
  const generation = module.contextGeneration;
  const settle = (ok: boolean, value: unknown) => {
    // The context that asked may be gone (reloaded): its promises died with it.
    if (module.contextGeneration !== generation) return;
    let payload: string;
    try {
      payload = JSON.stringify(value ?? null);
    } catch {
      payload = JSON.stringify({ name: "TypeError", message: `${name} answered with a value that is not JSON` });
      ok = false;
    }
    module.enqueue(EventKind.settle, PeerKind.none, promiseId, "", payload, ok ? 1 : 0);
  };
  const op = ops.deferred(name);
  if (!op) {
    settle(false, { name: "TypeError", message: `no operation "${name}"` });
    return;
  }
  let running: Promise<unknown>;
  try {
    running = op.run({ module, services }, parseArgs(json));
  } catch (error) {
    running = Promise.reject(error);
  }
  running
    .then(
      (value) => settle(true, value),
      (error: unknown) => settle(false, errorInfo(error)),
    )
    .catch((error: unknown) => services.log.error({ handler: module.key, op: name, err: error }, `settling ${name} failed`));
}

/** An error as the script will see it: name, message and own JSON-safe fields; never the host's stack. */
function errorInfo(error: unknown): Record<string, unknown> {
  try {
    if (!(error instanceof Error)) return { name: "Error", message: String(error) };
    const info: Record<string, unknown> = { name: String(error.name), message: String(error.message) };
    for (const [k, v] of Object.entries(error)) {
      if (k === "stack" || k === "__proto__") continue;
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) info[k] = v;
    }
    return info;
  } catch {
    return { name: "Error", message: "the operation failed with an error that cannot be described" };
  }
}
