import { OutboxOp } from "./protocol.js";
import type { BridgeServices } from "./services.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { sendToSession } from "../endpoints/session-send.js";
import { formatLocation, locateInStack } from "../errors/user-location.js";

const LOG_LEVELS = new Set(["log", "info", "warn", "error", "debug"]);

/**
 * Applies a guest's outbox. The text came from untrusted code: it is parsed as
 * data, every entry is type-checked, and a script can only reach the sessions
 * and clients of its own project.
 */
export function applyOutbox(
  services: BridgeServices,
  module: HandlerModule,
  text: string,
  /** False for the outbox of a context that was just replaced: its timers are void. */
  isCurrent: boolean,
): void {
  let entries: unknown;
  try {
    entries = JSON.parse(`[${text}]`);
  } catch {
    services.log.warn({ handler: module.key }, "dropped an unreadable outbox from the sandbox");
    return;
  }
  if (!Array.isArray(entries)) return;
  const log = services.log;
  for (const entry of entries) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
    const [op, a, b, c, d] = entry as [string, unknown, unknown, unknown, unknown];
    switch (op) {
      case OutboxOp.send:
      case OutboxOp.sendBinary:
        if (typeof a === "string" && typeof b === "string") {
          send(services, module, a, op === OutboxOp.send ? b : Buffer.from(b, "latin1"));
        }
        break;
      case OutboxOp.close:
        if (typeof a === "string") close(services, module, a, typeof b === "number" ? b : 1000, typeof c === "string" ? c : "");
        break;
      case OutboxOp.broadcast:
        if (typeof a === "string" && typeof b === "string" && typeof c === "string") broadcast(services, module, a, b, c);
        break;
      case OutboxOp.timerSet:
        if (isCurrent && typeof a === "number" && typeof b === "number") module.timers.set(a, b, c === 1);
        break;
      case OutboxOp.timerClear:
        if (isCurrent && typeof a === "number") module.timers.clear(a);
        break;
      case OutboxOp.log:
        if (typeof a === "string" && LOG_LEVELS.has(a) && typeof b === "string") {
          const level = a === "log" ? "info" : (a as "info" | "warn" | "error" | "debug");
          log[level]({ handler: module.key, console: a }, b);
        }
        break;
      case OutboxOp.fault:
        if (typeof a === "string" && typeof b === "string" && typeof c === "string" && typeof d === "string") {
          const at = formatLocation(module.key, locateInStack(d, module.key));
          services.reportFault({ handler: module.key, method: a, peerId: b, error: c, at });
        }
        break;
      default:
        break;
    }
  }
}

function send(services: BridgeServices, module: HandlerModule, id: string, frame: string | Buffer): void {
  const session = services.sessions.get(id);
  if (session && session.project === module.project) {
    sendToSession(session, frame, services.maxBufferedBytes);
    return;
  }
  const client = services.clients.get(module.project, id);
  if (client) services.clients.send(client, frame);
}

function close(services: BridgeServices, module: HandlerModule, id: string, code: number, reason: string): void {
  const safeCode = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
  const safeReason = Buffer.byteLength(reason) <= 123 ? reason : "";
  const session = services.sessions.get(id);
  if (session && session.project === module.project) {
    session.socket.close(safeCode, safeReason);
    return;
  }
  const client = services.clients.get(module.project, id);
  if (client) services.clients.close(client, safeCode, safeReason);
}

function broadcast(services: BridgeServices, module: HandlerModule, text: string, endpoint: string, exceptJson: string): void {
  let except: Set<unknown>;
  try {
    const parsed: unknown = JSON.parse(exceptJson);
    except = new Set(Array.isArray(parsed) ? parsed.filter((v) => typeof v === "string") : []);
  } catch {
    except = new Set();
  }
  for (const s of services.sessions.list(module.project, endpoint === "" ? undefined : endpoint)) {
    if (!except.has(s.id)) sendToSession(s, text, services.maxBufferedBytes);
  }
}
