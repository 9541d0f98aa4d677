import type { BusChannel } from "../../bus/message-bus.js";
import type { ImmediateOp, OpContext, PostedOp, Primitive } from "../../ops/capability.js";
import { OutgoingClient } from "../../peers/clients.js";
import { MAX_PEER_DATA_BYTES, sharedTextFrame, type SharedTextFrame } from "../../peers/peer.js";
import { peerOf } from "../../ops/apply-outbox.js";
import { Session } from "../../peers/sessions.js";
import { countSessionsOp, sendToOp } from "./cluster.js";
import { WebsocketsOps } from "./ops-names.js";

const str = (v: Primitive | undefined): string => (typeof v === "string" ? v : "");

function orNull<T, I>(value: T | undefined, info: (v: T) => I): I | null {
  return value === undefined ? null : info(value);
}

function immediate(name: string, run: (ctx: OpContext, args: readonly Primitive[]) => unknown): ImmediateOp {
  return { mode: "immediate", name, run };
}

/** What a broadcast carries on the bus: to one endpoint's sessions of a project (or all of its endpoints). */
export interface BroadcastMessage {
  readonly project: string;
  /** "" for every endpoint of the project. */
  readonly endpoint: string;
  readonly except: readonly string[];
  /** The message; base64 of its bytes when `binary`. */
  readonly text: string;
  /** True: send `text`'s decoded bytes as one binary frame. */
  readonly binary?: boolean;
}

/** The engine channel a project's broadcasts travel on. */
export function broadcastChannel(project: string): BusChannel {
  return { project, kind: "ws", name: "broadcast" };
}

/** Checks a broadcast's arguments from the guest: [endpoint, exceptIds, text] or [endpoint, exceptIds, base64, true] for bytes. */
function broadcastArgs(args: unknown): { endpoint: string; except: string[]; text: string; binary?: boolean } | undefined {
  if (!Array.isArray(args) || (args.length !== 3 && args.length !== 4)) return undefined;
  const [endpoint, except, text, binary] = args as unknown[];
  if (typeof endpoint !== "string" || typeof text !== "string" || !Array.isArray(except)) return undefined;
  if (binary !== undefined && binary !== true) return undefined;
  return { endpoint, except: except.filter((e): e is string => typeof e === "string"), text, ...(binary ? { binary } : {}) };
}

const broadcast: PostedOp = {
  mode: "posted",
  name: WebsocketsOps.broadcast,
  run({ module, services }, args) {
    const checked = broadcastArgs(args);
    if (!checked) return 0;
    const message: BroadcastMessage = { project: module.project, ...checked };
    return services.bus.publish(broadcastChannel(module.project), message).then(() => 0);
  },
};

/** Keeps a peer's data: JSON text of at most 64 KiB (the guest checked; this is the host's own check). */
const dataSet: PostedOp = {
  mode: "posted",
  name: WebsocketsOps.dataSet,
  run({ module, services }, args) {
    if (!Array.isArray(args) || typeof args[0] !== "string" || typeof args[1] !== "string") return 0;
    const [id, json] = args as [string, string];
    const peer = peerOf(services, module.project, id);
    if (!peer) return 0;
    if (Buffer.byteLength(json) > MAX_PEER_DATA_BYTES) {
      services.log.warn({ handler: module.key, peer: id }, `${module.key}: data of ${id} over ${MAX_PEER_DATA_BYTES} bytes was not kept`);
      return 0;
    }
    try {
      JSON.parse(json);
    } catch {
      return 0;
    }
    peer.data = json;
    return 0;
  },
};

/** The host operations of net/v4/websockets. */
export const websocketsOps = [
  immediate(WebsocketsOps.clientCreate, ({ module, services }, [uri, handler, engine, reconnect]) =>
    services.openClient(module, str(uri), str(handler), str(engine), reconnect === true),
  ),
  immediate(WebsocketsOps.clientList, ({ module, services }) => services.clients.list(module.project).map(OutgoingClient.info)),
  immediate(WebsocketsOps.clientGet, ({ module, services }, [id]) => orNull(services.clients.get(module.project, str(id)), OutgoingClient.info)),
  immediate(WebsocketsOps.clientByHandler, ({ module, services }, [h]) =>
    orNull(services.clients.byHandler(module.project, str(h)), OutgoingClient.info),
  ),
  immediate(WebsocketsOps.sessionList, ({ module, services }, [endpoint]) =>
    services.sessions
      .list(module.project, str(endpoint) === "" ? undefined : str(endpoint))
      .filter((s) => s.visible)
      .map(Session.info),
  ),
  immediate(WebsocketsOps.sessionGet, ({ module, services }, [id]) => orNull(services.sessions.get(module.project, str(id)), Session.info)),
  immediate(WebsocketsOps.sessionRequest, ({ module, services }, [id]) => services.sessions.get(module.project, str(id))?.request ?? null),
  immediate(WebsocketsOps.dataGet, ({ module, services }, [id]) => peerOf(services, module.project, str(id))?.data ?? null),
  dataSet,
  broadcast,
  sendToOp,
  countSessionsOp,
];

/**
 * Delivers a broadcast to this node's sessions: those of one endpoint (by the
 * endpoint index) or of every endpoint of the project (by the project index),
 * never a scan of all sessions; sessions scripts do not see, or that take no
 * raw frames (evQueue's), are passed over. The text is encoded once and shared; bytes
 * are decoded once and sent as a binary frame. Returns how many sessions got it.
 */
export function deliverBroadcast(sessions: { eachOf(endpoint: string): Iterable<Session>; list(project: string): Session[] }, message: BroadcastMessage): number {
  const except = new Set(message.except);
  const targets = message.endpoint === "" ? sessions.list(message.project) : sessions.eachOf(message.endpoint);
  let frame: SharedTextFrame | Buffer | undefined;
  let sent = 0;
  for (const s of targets) {
    if (s.project !== message.project || except.has(s.id) || !s.visible || s.noRawFrames !== undefined) continue;
    frame ??= message.binary ? Buffer.from(message.text, "base64") : sharedTextFrame(message.text);
    if (s.send(frame)) sent++;
  }
  return sent;
}
