/**
 * SocketCluster protocol v2 frames (what socketcluster-client 14 and later
 * speak): text frames of JSON, one packet or an array of packets; the empty
 * string is a ping (server to client) and its pong (client to server).
 */

/** One packet: an event (with a cid when it wants an answer) or an answer (rid, with data or error). */
export interface Packet {
  readonly event?: unknown;
  readonly data?: unknown;
  readonly cid?: unknown;
  readonly rid?: unknown;
  readonly error?: unknown;
}

/** What a received text frame is. */
export type Inbound =
  | { readonly kind: "pong" }
  | { readonly kind: "packets"; readonly packets: readonly Packet[] }
  /** Anything else: handed to the handler's onMessage, as socketcluster-server emits "raw". */
  | { readonly kind: "raw"; readonly text: string };

/** Packets one frame may batch; more closes the connection (a client batches far fewer). */
export const MAX_BATCH = 1000;

export const PING = "";

/** Reads a text frame. JSON that is not a packet (or an array of packets) is raw. */
export function readFrame(text: string): Inbound {
  if (text === "" || text === "#2") return { kind: "pong" };
  const first = text.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return { kind: "raw", text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "raw", text };
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_BATCH || !value.every(isPacket)) return { kind: "raw", text };
    return { kind: "packets", packets: value as Packet[] };
  }
  return isPacket(value) ? { kind: "packets", packets: [value] } : { kind: "raw", text };
}

function isPacket(value: unknown): value is Packet {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A call id as the client sends it: a positive whole number, else none. */
export function callId(packet: Packet): number | undefined {
  const cid = packet.cid;
  return typeof cid === "number" && Number.isInteger(cid) && cid > 0 ? cid : undefined;
}

/** An error as the client rehydrates it: name, message and JSON-safe fields; never a stack. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export function answerFrame(rid: number, data?: unknown): string {
  return data === undefined ? JSON.stringify({ rid }) : JSON.stringify({ rid, data });
}

/** An answer whose data is JSON text already (a hook's return value as the guest encoded it). */
export function answerJsonFrame(rid: number, dataJson: string): string {
  return `{"rid":${rid},"data":${dataJson}}`;
}

export function errorFrame(rid: number, error: WireError): string {
  return JSON.stringify({ rid, error });
}

export function eventFrame(event: string, data?: unknown, cid?: number): string {
  const packet: Record<string, unknown> = { event };
  if (data !== undefined) packet["data"] = data;
  if (cid !== undefined) packet["cid"] = cid;
  return JSON.stringify(packet);
}

/**
 * A `#publish` frame, built from the data's JSON text so a fan-out encodes
 * the data once. `offset`/`epoch` ride along on history channels; the stock
 * client reads only channel and data.
 */
export function publishFrame(channel: string, dataJson: string, stamp?: { offset: number; epoch: string }): string {
  const extra = stamp ? `,"offset":${stamp.offset},"epoch":${JSON.stringify(stamp.epoch)}` : "";
  return `{"event":"#publish","data":{"channel":${JSON.stringify(channel)},"data":${dataJson}${extra}}}`;
}
