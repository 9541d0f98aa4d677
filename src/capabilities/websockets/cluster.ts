import type { BusChannel, MessageBus } from "../../bus/message-bus.js";
import type { DeferredOp } from "../../ops/capability.js";
import { nodeOf } from "../../peers/peer.js";
import type { Session, SessionRegistry } from "../../peers/sessions.js";
import type { TrafficMeter } from "../../peers/traffic.js";
import { ENDPOINT_PATTERN, MAX_ID_CHARS, NODE_NAME } from "../../protocol/names.js";
import { WebsocketsOps } from "./ops-names.js";

/**
 * What reaches past this node: sendTo() to a session of another node (over
 * that node's channel) and countSessions() (from the per-node presence
 * counts). getSessions()/getSession() stay node-local on purpose.
 */

/** What sendTo carries to the node that holds the session. */
export interface DirectMessage {
  /** The session's id ("n2.s5"). */
  readonly to: string;
  /** The message; base64 of its bytes when `binary`. */
  readonly text: string;
  readonly binary?: boolean;
}

/** The engine channel of messages for one node's sessions of a project. */
export function nodeChannel(project: string, node: string): BusChannel {
  return { project, kind: "node", name: node };
}

/** The presence key of a project's sessions on this node, or of one endpoint's. */
export function sessionsKey(endpoint?: string): string {
  return endpoint === undefined || endpoint === "" ? "sessions" : `sessions:${endpoint}`;
}

/** Sends a direct message to a session of `project` on this node; false when it is not here, not open, or takes no raw frames (evQueue's). */
export function deliverDirect(sessions: SessionRegistry, traffic: TrafficMeter, project: string, message: unknown): boolean {
  if (typeof message !== "object" || message === null) return false;
  const { to, text, binary } = message as Record<string, unknown>;
  if (typeof to !== "string" || typeof text !== "string") return false;
  const session = sessions.get(project, to);
  if (!session || session.noRawFrames !== undefined) return false;
  const sent = session.send(binary === true ? Buffer.from(text, "base64") : text);
  if (sent) traffic.countOut(1);
  return sent;
}

/**
 * Keeps this node's presence counts of sessions (per project, and per project
 * and endpoint) in step with the sessions it holds; returns the stop, which
 * takes this node's counts back out.
 */
export function countPresence(sessions: SessionRegistry, bus: MessageBus): () => void {
  const held = new Map<string, { project: string; key: string; n: number }>();
  const change = (s: Session, delta: number) => {
    for (const key of [sessionsKey(), sessionsKey(s.endpoint)]) {
      bus.presence(s.project, key, delta);
      const k = `${s.project}\u0000${key}`;
      const entry = held.get(k) ?? { project: s.project, key, n: 0 };
      entry.n += delta;
      if (entry.n === 0) held.delete(k);
      else held.set(k, entry);
    }
  };
  const stop = sessions.watchSessions({ opened: (s) => change(s, 1), closed: (s) => change(s, -1) });
  return () => {
    stop();
    for (const { project, key, n } of held.values()) bus.presence(project, key, -n);
    held.clear();
  };
}

/** sendTo: [id, text] or [id, base64, true] → whether it went out (local), or was handed to the engine (another node). */
export const sendToOp: DeferredOp = {
  mode: "deferred",
  name: WebsocketsOps.sendTo,
  async run({ module, services }, args) {
    if (!Array.isArray(args) || typeof args[0] !== "string" || typeof args[1] !== "string" || (args[2] !== undefined && args[2] !== true)) return false;
    const [to, text, binary] = args as [string, string, true | undefined];
    if (to.length > MAX_ID_CHARS) return false;
    const node = nodeOf(to);
    // Only a node name can route: anything else in front of the "." is no session of any node.
    if (node !== "" && !NODE_NAME.test(node)) return false;
    const { bus } = services;
    // Sent here and now, in order with the sends before it.
    if (node === bus.node) return deliverDirect(services.sessions, services.traffic, module.project, { to, text, binary });
    // An id with no node, or any id of another node on an engine of one node: no such session.
    if (node === "" || bus.node === "") return false;
    const message: DirectMessage = binary ? { to, text, binary } : { to, text };
    try {
      await bus.publish(nodeChannel(module.project, node), message);
      return true;
    } catch (error) {
      services.log.debug({ handler: module.key, to, err: error }, `sendTo ${to}: the ${bus.engine} engine did not take the message`);
      return false;
    }
  },
};

/** countSessions: [endpoint|""] → the sessions of this project (of one endpoint) on every live node. */
export const countSessionsOp: DeferredOp = {
  mode: "deferred",
  name: WebsocketsOps.countSessions,
  run({ module, services }, args) {
    const endpoint = Array.isArray(args) && typeof args[0] === "string" ? args[0] : "";
    // Endpoint names are letters, digits, ".", "_" and "-": any other name counts no sessions.
    if (endpoint !== "" && !ENDPOINT_PATTERN.test(endpoint)) return Promise.resolve(0);
    return services.bus.countPresence(module.project, sessionsKey(endpoint));
  },
};
