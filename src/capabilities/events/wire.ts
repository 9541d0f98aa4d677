import type { EventMessage } from "./channel.js";
import { EventsLimits } from "./ops-names.js";

/**
 * The wire format of the `server-events` package, spoken by projects in
 * compatibility mode (--server-events-compat): an event (name, id) travels on
 * the Redis channel "<name>:<id>" as the JSON text of `[name, id, ...args]`,
 * with the id as the emitter gave it (a number stays a number).
 */

/** The channel server-events uses for (name, id): `${name}:${id}`, the id as text. */
export function wireChannel(name: string, id: string): string {
  return `${name}:${id}`;
}

/** The id as a server-events frame carries it: the number the script gave (the host has it as text), or the string. */
export function wireId(id: string, numeric: boolean): string | number {
  return numeric ? Number(id) : id;
}

/** The frame of an emit: JSON `[name, id, ...args]`, `args` being the JSON text of an array. */
export function wireFrame(name: string, id: string | number, args: string): string {
  const list = JSON.parse(args) as unknown[];
  return JSON.stringify([name, id, ...list]);
}

/** The longest frame read: the args limit plus room for the name and id. */
const MAX_FRAME_CHARS = EventsLimits.maxArgsChars + 4 * EventsLimits.maxNameChars + 16;

/**
 * A frame heard on `channel` as an event (the id as text, the args as JSON
 * text of an array), or why it is not one: not JSON, not an array of at least
 * name and id, or naming another channel than the one it came on.
 */
export function readWireFrame(channel: string, text: string): EventMessage | { readonly problem: string } {
  if (text.length > MAX_FRAME_CHARS) return { problem: `it is over ${MAX_FRAME_CHARS} characters` };
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { problem: "it is not JSON" };
  }
  if (!Array.isArray(frame) || frame.length < 2) return { problem: "it is not a JSON array [name, id, ...args]" };
  const [name, id] = frame as unknown[];
  if (typeof name !== "string" || (typeof id !== "string" && (typeof id !== "number" || !Number.isFinite(id)))) {
    return { problem: "its name is not a string or its id not a string or a number" };
  }
  const idText = String(id);
  if (wireChannel(name, idText) !== channel) return { problem: `it names the event "${wireChannel(name, idText).slice(0, 80)}", not this channel's` };
  return { name, id: idText, args: JSON.stringify(frame.slice(2)) };
}
