import type { Capability } from "../../ops/capability.js";
import { startHub } from "./hub.js";
import { eventsOps } from "./ops.js";
import { EventsKinds } from "./ops-names.js";

/**
 * net/v4/events: server events across the nodes of a project (the
 * server-events API). A handler waits for an event by (name, id) with a
 * timeout; a handler on any node emits it. The host keeps the waiters
 * (hub.ts); the guest module (guest.ts) offers the API typed in events.d.ts.
 */
export const events: Capability = {
  name: "events",
  module: "net/v4/events",
  aliases: ["net/events"],
  // Not hooks of the handler: they run the callbacks given to onready() and onerror().
  events: {
    [EventsKinds.ready]: { hook: "onready callback", method: "onready" },
    [EventsKinds.error]: { hook: "onerror callback", method: "onerror" },
  },
  ops: eventsOps,
  setup: (services) => startHub(services.bus, services.log, services.serverEventsCompat ?? new Set()),
};
