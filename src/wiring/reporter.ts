import type { EventEmitter } from "node:events";
import type { Dashboard } from "../dashboard/dashboard.js";
import type { AerostatError } from "../errors/codes.js";
import { handlerFields } from "../log/handler-fields.js";
import { truncateText } from "../log/truncate.js";
import { MAX_REPORT_CHARS } from "../sandbox/guest-context.js";
import type { Logger } from "../log/logger.js";
import type { HandlerFault } from "../ops/services.js";
import { PeerKind } from "../protocol/events.js";
import type { CpuStop, HandlerModule, LoadResult } from "../sandbox/handler-module.js";
import type { ReloadEvent, RuntimeEvents } from "./runtime-events.js";

/**
 * Where what happens to handlers and files goes: the log, the dashboard's
 * recent errors, and the runtime's events. Every entry carries the peer kind
 * and where (endpoint or URI) it happened, so nothing is looked up after the
 * peer is gone.
 */
export class Reporter {
  constructor(
    private readonly log: Logger,
    private readonly dashboard: Dashboard,
    private readonly events: EventEmitter<RuntimeEvents>,
  ) {}

  loaded(module: HandlerModule, result: LoadResult): void {
    if (!result.ok) {
      this.problem(result.error, "handler", module.key);
      return;
    }
    const ms = Math.round(result.ms * 10) / 10;
    const verb = module.loads > 1 ? "reloaded" : "loaded";
    this.log.info({ handler: module.key, ms }, `${verb} ${module.key} in ${ms} ms`);
    this.events.emit("reload", { file: module.key, kind: "handler", ok: true, ms: result.ms });
  }

  descriptorReloaded(file: string, ms?: number): void {
    this.events.emit("reload", { file, kind: "descriptor", ok: true, ...(ms ? { ms } : {}) });
  }

  /**
   * A file problem: logged, on the dashboard, a `problem` event (and a failed
   * `reload` when it came from one). `handler`: the module that failed to
   * load, when the error is in a file it imports.
   */
  problem(error: AerostatError, reloadKind?: ReloadEvent["kind"], handler?: string): void {
    const file = error.location?.file;
    const importer = handler && handler !== file ? { handler } : {};
    this.log.error({ code: error.code, file: error.where() || undefined, field: error.location?.field, ...importer }, error.toString());
    this.dashboard.recordProblem(error);
    this.events.emit("problem", error);
    if (reloadKind) this.events.emit("reload", { file: handler ?? file ?? "", kind: reloadKind, ok: false, error });
  }

  fault(fault: HandlerFault): void {
    const { project, handler, method, peerKind, peerId, where, error, at } = fault;
    this.log.error({ ...handlerFields(project, handler, { kind: peerKind, id: peerId, where }), method, at }, `${at}: ${method} threw ${error}`);
    this.dashboard.recordFault(fault);
    this.events.emit("fault", fault);
  }

  /** A promise the module rejected and nobody handled: a fault of the module, where the value was made. */
  rejection(module: HandlerModule, error: unknown): void {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : `${typeof error === "string" ? error : String(error)}`;
    const stack = error instanceof Error ? (error.stack ?? "") : "";
    this.fault({
      project: module.project,
      handler: module.key,
      peerKind: PeerKind.none,
      peerId: "",
      where: "",
      method: "a promise nobody handled",
      error: truncateText(module.positions.rewrite(text), MAX_REPORT_CHARS),
      at: module.positions.locate(stack),
    });
  }

  cpuStop(module: HandlerModule, stop: CpuStop): void {
    const peer = { kind: stop.peerKind, id: stop.peerId, where: stop.where };
    const fields = { ...handlerFields(module.project, module.key, peer), method: stop.method, ...(stop.at ? { at: stop.at } : {}) };
    this.log.error(fields, stop.at ? `${stop.at}: ${stop.text}` : stop.text);
    this.dashboard.record({
      at: stop.at ?? module.key,
      message: stop.text.replace(/^Error: /, ""),
      ...(stop.peerKind === PeerKind.session ? { endpoint: stop.where } : {}),
      ...(stop.peerId ? { session: stop.peerId } : {}),
    });
  }
}
