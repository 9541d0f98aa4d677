import { decodeOutbox } from "../protocol/outbox-codec.js";
import { OutboxOp, PeerKind } from "../protocol/boundary.js";
import type { BridgeServices } from "./services.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { sendToSession, sharedTextFrame, type SharedTextFrame } from "../peers/session-send.js";
import { formatLocation, locateInStack } from "../errors/user-location.js";
import { handlerFields } from "../log/handler-fields.js";
import { truncateText } from "../log/truncate.js";

/** Characters of one logged console line at most (the guest clips them already). */
const MAX_LOGGED_CHARS = 16 * 1024;

const LOG_LEVELS = new Set(["log", "info", "warn", "error", "debug"]);

/**
 * Applies a guest's outbox. The text came from untrusted code: it is decoded as
 * data, numbers are checked where they are used, and a script can only reach
 * the sessions and clients of its own project.
 */
export function applyOutbox(
  services: BridgeServices,
  module: HandlerModule,
  text: string,
  /** False for the outbox of a context that was just replaced: its timers are void. */
  isCurrent: boolean,
): void {
  const log = services.log;
  // Frames sent, counted once per outbox rather than once per frame.
  let sent = 0;
  decodeOutbox(text, (op, a, b, c, d) => {
    switch (op) {
      case OutboxOp.send:
        sent += send(services, module, a, b);
        break;
      case OutboxOp.sendBinary:
        sent += send(services, module, a, Buffer.from(b, "latin1"));
        break;
      case OutboxOp.close:
        close(services, module, a, Number(b), c);
        break;
      case OutboxOp.broadcast:
        sent += broadcast(services, module, a, b, c);
        break;
      case OutboxOp.timerSet:
        if (isCurrent) module.timers.set(Number(a), Number(b), c === "1");
        break;
      case OutboxOp.timerClear:
        if (isCurrent) module.timers.clear(Number(a));
        break;
      case OutboxOp.log:
        if (LOG_LEVELS.has(a) && module.logBudget.take()) {
          const level = a === "log" ? "info" : (a as "info" | "warn" | "error" | "debug");
          const kind = services.clients.get(module.project, c) ? PeerKind.client : PeerKind.session;
          const fields = handlerFields(module.project, module.key, { kind, id: c, where: d });
          log[level]({ ...fields, console: a }, module.positions.rewrite(truncateText(b, MAX_LOGGED_CHARS)));
        }
        break;
      case OutboxOp.fault: {
        if (!module.logBudget.take()) break;
        const at = formatLocation(module.key, locateInStack(module.positions.rewrite(d), module.key));
        const endpoint = services.sessions.get(module.project, b)?.endpoint;
        services.reportFault({ project: module.project, handler: module.key, method: truncateText(a, 64), peerId: b, error: truncateText(c, 4096), at, ...(endpoint ? { endpoint } : {}) });
        break;
      }
    }
  });
  if (sent > 0) services.traffic.countOut(sent);
}

/** Returns how many frames went out: 1, or 0 when the id names nothing of this project. */
function send(services: BridgeServices, module: HandlerModule, id: string, frame: string | Buffer): number {
  const session = services.sessions.get(module.project, id);
  if (session) return sendToSession(session, frame, services.maxBufferedBytes) ? 1 : 0;
  const client = services.clients.get(module.project, id);
  if (!client) return 0;
  services.clients.send(client, frame);
  return 1;
}

function close(services: BridgeServices, module: HandlerModule, id: string, code: number, reason: string): void {
  const safeCode = code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999) ? code : 1000;
  const safeReason = Buffer.byteLength(reason) <= 123 ? reason : "";
  const session = services.sessions.get(module.project, id);
  if (session) {
    session.socket.close(safeCode, safeReason);
    return;
  }
  const client = services.clients.get(module.project, id);
  if (client) services.clients.close(client, safeCode, safeReason);
}

function broadcast(services: BridgeServices, module: HandlerModule, text: string, endpoint: string, exceptJson: string): number {
  let except: Set<unknown>;
  try {
    const parsed: unknown = JSON.parse(exceptJson);
    except = new Set(Array.isArray(parsed) ? parsed.filter((v) => typeof v === "string") : []);
  } catch {
    except = new Set();
  }
  // Encoded once, when the first recipient takes it: every socket sends the same Buffer.
  let frame: SharedTextFrame | undefined;
  let sent = 0;
  for (const s of services.sessions.list(module.project, endpoint === "" ? undefined : endpoint)) {
    if (except.has(s.id)) continue;
    frame ??= sharedTextFrame(text);
    if (sendToSession(s, frame, services.maxBufferedBytes)) sent++;
  }
  return sent;
}
