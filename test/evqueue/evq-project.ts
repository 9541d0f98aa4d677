import { descriptor } from "../helpers/project.js";
import { waitUntil } from "../helpers/runtime.js";
import { EvqClient, subscribeFrame } from "./evq-client.js";
import type { XmlNode } from "../../src/protocols/evqueue/xml.js";

/**
 * A handler for events tests: <raise type ids="1,2"/> raises createEvent(type, id)
 * for each id; <jobs/> answers one <jobs> node that says which run and event it was.
 */
export const EVENTS_HANDLER = `
const { createEvent, registerEvents, ApiError } = require("net/v4/evqueue");
registerEvents(["JOB_DONE", "BARRIER"]);
let runs = 0;
exports.onApi = (query, session, event) => {
  if (query.group === "raise") {
    for (const id of (query.attributes.ids ?? "0").split(",")) createEvent(query.attributes.type, Number(id));
    return;
  }
  if (query.group === "jobs") {
    return { name: "jobs", attributes: { run: ++runs, mode: session.mode, type: event?.type, objectId: event?.objectId, externalId: event?.externalId, eventId: event?.eventId, tag: query.attributes.tag } };
  }
  throw new ApiError("UNKNOWN_COMMAND", "no " + query.group);
};`;

export function eventsProject(evqueue: Record<string, unknown> = {}, handler = EVENTS_HANDLER): Record<string, string> {
  return {
    "p/jobs.js": handler,
    "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue }),
  };
}

/** An "api" connection that raises events through the handler. */
export class Raiser {
  private constructor(readonly client: EvqClient) {}

  static async open(url: string): Promise<Raiser> {
    return new Raiser(await EvqClient.ready(url, "api"));
  }

  /** Raises `type` for each of `ids`; resolves once onApi has (the events are offered by then). */
  async raise(type: string, ...ids: number[]): Promise<void> {
    const reply = await this.client.ask(`<raise action="go" type="${type}" ids="${ids.join(",") || "0"}"/>`);
    if (reply.attributes["status"] !== "OK") throw new Error(`raise failed: ${reply.attributes["error"]}`);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The `<jobs>` node an event frame carries. */
export function jobsOf(frame: XmlNode): Record<string, string> {
  return { ...frame.children[0]!.attributes };
}

const isSync = (f: XmlNode) => f.attributes["error"] === 'unknown event action "sync": use subscribe, ack, unsubscribe or unsubscribeall';

/** Resolves once the server has read every frame `c` sent before (an unknown action's KO comes back at once). */
export async function sync(c: EvqClient): Promise<void> {
  const n = c.frames.filter(isSync).length;
  c.send('<event action="sync"/>');
  await waitUntil(() => c.frames.filter(isSync).length > n, 5000, "the sync KO");
}

export const BARRIER_ID = "999999";

/**
 * Raises BARRIER, to which `c` subscribes (external id 999999): once its frame
 * comes, every event queued for `c` before it has been sent (frames go out in
 * the order they were queued). Its event is acked.
 */
export async function barrier(c: EvqClient, raiser: Raiser): Promise<void> {
  c.send(subscribeFrame("BARRIER", '<jobs action="list"/>', { externalId: Number(BARRIER_ID) }));
  await sync(c);
  const barriers = () => c.frames.filter((f) => f.attributes["external-id"] === BARRIER_ID && f.attributes["event-id"] !== undefined);
  const n = barriers().length;
  await raiser.raise("BARRIER", 0);
  await waitUntil(() => barriers().length > n, 5000, "the barrier event");
  c.send(`<event action="ack" event_id="${barriers()[n]!.attributes["event-id"]}"/>`);
  await sync(c);
}

/** The event frames `c` got, barriers left out. */
export function eventFrames(c: EvqClient): XmlNode[] {
  return c.events().filter((f) => f.attributes["external-id"] !== BARRIER_ID);
}
