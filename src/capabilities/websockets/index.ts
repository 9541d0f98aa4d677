import type { Capability } from "../../ops/capability.js";
import { countPresence, deliverDirect, nodeChannel } from "./cluster.js";
import { broadcastChannel, deliverBroadcast, websocketsOps, type BroadcastMessage } from "./ops.js";

/**
 * net/v4/websockets: Eclipse Dirigible's WebSocket API, extended so a handler
 * can answer the browser. Sessions and outgoing clients raise open, message,
 * error and close; the guest module (guest.ts) runs the hooks and offers the
 * API whose types are websockets.d.ts.
 */
export const websockets: Capability = {
  name: "websockets",
  module: "net/v4/websockets",
  // Dirigible's documented alias, and the ES module form of its current docs.
  aliases: ["net/websockets"],
  namespaces: [{ module: "sdk/net", name: "websockets" }],
  events: {
    open: { hook: "onOpen", method: "onopen" },
    message: { hook: "onMessage", method: "onmessage" },
    error: { hook: "onError", method: "onerror" },
    close: { hook: "onClose", method: "onclose" },
    // An outgoing client made with { reconnect: true } dropped and will connect again; code = attempt.
    reconnect: { hook: "onReconnect", method: "onreconnect" },
  },
  ops: websocketsOps,
  setup(services) {
    // A node hears a project's broadcasts while it serves sessions of that project.
    const deliver = (message: unknown) => {
      const sent = deliverBroadcast(services.sessions, message as BroadcastMessage);
      if (sent > 0) services.traffic.countOut(sent);
    };
    const subscriptions = new Map<string, (() => void)[]>();
    const stop = services.sessions.watchProjects({
      first: (project) => {
        const list = [services.bus.subscribe(broadcastChannel(project), deliver)];
        // sendTo() from another node: a node with a name hears the messages for its sessions of the project.
        if (services.bus.node !== "") {
          list.push(services.bus.subscribe(nodeChannel(project, services.bus.node), (m) => void deliverDirect(services.sessions, services.traffic, project, m)));
        }
        subscriptions.set(project, list);
      },
      last: (project) => {
        for (const unsubscribe of subscriptions.get(project) ?? []) unsubscribe();
        subscriptions.delete(project);
      },
    });
    // countSessions(): this node's share of the cluster-wide count.
    const stopCounting = countPresence(services.sessions, services.bus);
    return () => {
      stop();
      stopCounting();
      for (const list of subscriptions.values()) for (const unsubscribe of list) unsubscribe();
      subscriptions.clear();
    };
  },
};
