import type { BusChannel } from "../../bus/message-bus.js";

/** What an emit carries on the engine: the event's name and id, and its args as JSON text of an array. */
export interface EventMessage {
  readonly name: string;
  readonly id: string;
  readonly args: string;
}

/** The one engine channel a project's events travel on (`aerostat:{<project>}:ev:events` on Redis). */
export function eventsChannel(project: string): BusChannel {
  return { project, kind: "ev", name: "events" };
}

/** The key of an event in waiter maps and retained values: name and id, unambiguous whatever they contain. */
export function eventKey(name: string, id: string): string {
  return JSON.stringify([name, id]);
}

/** An engine message as an event, or undefined when it is not one (another node's bug, say). */
export function readEventMessage(message: unknown): EventMessage | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { name, id, args } = message as Record<string, unknown>;
  if (typeof name !== "string" || typeof id !== "string" || typeof args !== "string") return undefined;
  return { name, id, args };
}
