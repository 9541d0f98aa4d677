import { EVENT_NAME } from "../../../protocol/evqueue.js";
import { isXmlName, writeXml, type NodeInput } from "../xml.js";
import { ClusterLimits } from "./limits.js";

/**
 * The frames a cluster sends, built from what the script gave (untrusted
 * JSON): API commands `<group action="…" attr="…"><parameter name value/></group>`,
 * and the events socket's subscribe, unsubscribe and ack. Every problem is a
 * TypeError naming the argument and the field.
 */

/** An API command, checked, with its XML. */
export interface Command {
  readonly xml: string;
  /** "*" (every node up), a node's name, or undefined (the first node up). */
  readonly node?: string;
  /** Modules a node must have for the command to go to it (others answer undefined). */
  readonly requiredModules: readonly string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function scalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean";
}

/** Reads `cmd` ({group, action, attributes?, parameters?, node?, required_modules?}); `where` names it ("API(cmd): cmd"). */
export function readCommand(cmd: unknown, where: string): Command {
  const example = `such as { group: "instances", action: "list" }`;
  if (!isPlainObject(cmd)) throw new TypeError(`${where} must be an object ${example}`);
  const { group, action, attributes, parameters, node, required_modules: modules } = cmd;
  if (typeof group !== "string" || !isXmlName(group)) throw new TypeError(`${where}.group must be an XML name ${example}, not ${JSON.stringify(group)}`);
  if (typeof action !== "string" || action === "" || action.length > 256) throw new TypeError(`${where}.action must be a non-empty string ${example}`);
  if (attributes !== undefined && attributes !== null) {
    if (!isPlainObject(attributes)) throw new TypeError(`${where}.attributes must be an object of names to strings or numbers, such as { id: 12 }`);
    if ("action" in attributes) throw new TypeError(`${where}.attributes must not hold "action": give it as ${where}.action`);
  }
  const children: NodeInput[] = [];
  if (parameters !== undefined && parameters !== null) {
    if (!isPlainObject(parameters)) throw new TypeError(`${where}.parameters must be an object of names to strings or numbers, such as { name: "backup" }`);
    for (const [name, value] of Object.entries(parameters)) {
      if (value === undefined || value === null) continue;
      if (!scalar(value)) throw new TypeError(`${where}.parameters.${name} must be a string, number or boolean`);
      children.push({ name: "parameter", attributes: { name, value } });
    }
  }
  if (node !== undefined && node !== null && (typeof node !== "string" || node === "" || node.length > ClusterLimits.maxNodeChars)) {
    throw new TypeError(`${where}.node must be "*" (every node), the name of a node, or left out (the first node up)`);
  }
  const requiredModules: string[] = [];
  if (modules !== undefined && modules !== null) {
    if (!Array.isArray(modules) || modules.some((m) => typeof m !== "string" || m === "" || m.length > 256)) {
      throw new TypeError(`${where}.required_modules must be an array of module names, such as ["notifications"]`);
    }
    requiredModules.push(...(modules as string[]));
  }
  const xml = writeXml({ name: group, attributes: { action, ...(attributes as Record<string, unknown> | undefined) }, children }, where);
  if (xml.length > ClusterLimits.maxCommandChars) throw new RangeError(`${where} is ${xml.length} characters as XML; at most ${ClusterLimits.maxCommandChars} are sent`);
  return { xml, ...(typeof node === "string" ? { node } : {}), requiredModules };
}

/** An event name a subscription may name, or a TypeError. */
export function readEventName(event: unknown, where: string): string {
  if (typeof event !== "string" || !EVENT_NAME.test(event)) {
    throw new TypeError(`${where} must be an event name (letters, digits, "_", ".", "-"), such as "INSTANCE_TERMINATED"`);
  }
  return event;
}

/** An object or external id: a whole number from 0 (0, undefined and null mean none). */
export function readId(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${where} must be a whole number from 0 (0 or left out: none), not ${JSON.stringify(value)}`);
  return value;
}

/** The base64 of a command's UTF-8 bytes (evQueue's api_cmd). */
export function base64Utf8(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

export function subscribeFrame(type: string, commandXml: string, sendNow: boolean, objectId: number, externalId: number): string {
  return writeXml({
    name: "event",
    attributes: {
      action: "subscribe",
      type,
      api_cmd: base64Utf8(commandXml),
      send_now: sendNow ? "yes" : "no",
      object_id: objectId === 0 ? undefined : objectId,
      external_id: externalId === 0 ? undefined : externalId,
    },
  });
}

export function unsubscribeFrame(type: string, externalId: number, objectId: number): string {
  return writeXml({
    name: "event",
    attributes: { action: "unsubscribe", type, external_id: externalId === 0 ? undefined : externalId, object_id: objectId === 0 ? undefined : objectId },
  });
}

export const UNSUBSCRIBE_ALL_FRAME = writeXml({ name: "event", attributes: { action: "unsubscribeall" } });

export function ackFrame(eventId: string): string {
  return writeXml({ name: "event", attributes: { action: "ack", event_id: eventId } });
}
