// rack: a MonoRail endpoint in the shape of RackHD's web UI feed. The nodes
// live in a Postgres table (schema.sql) whose trigger tells the channel
// rack_nodes_changes of every insert, update and delete; rack-nodes.listener
// hands those notifications to onMessage below, which keeps the nodes it has
// seen and passes each change to every page watching "nodes", on every node
// of the cluster. Workflow logs come straight from RabbitMQ: pages watch the
// built-in "mq" resource on the exchange rack.logs (rack.websocket allows it).
//
// Without the connections (a plain `npm start`) the server says which one is
// missing, and the endpoint still serves: "nodes" is then empty, mq watches
// get an error frame. See the README's "MonoRail clients" section.
import { change, resource } from "net/v4/monorail";

/** A row of rack_nodes, as the trigger sends it. */
interface RackNode {
  id: string;
  name: string;
  status: string;
  updated_at: string;
}

/** What the trigger sends: {event: "created" | "updated" | "destroyed", id, record}. */
interface NodeChange {
  event: string;
  id: string;
  record: RackNode;
}

/** The nodes seen since this module loaded, by id. */
const nodes = new Map<string, RackNode>();

resource("nodes", {
  all: () => [...nodes.values()],
  // {"status": "ready"} lists the ready ones.
  query: (params: { status?: string } | null) => [...nodes.values()].filter((n) => !params?.status || n.status === params.status),
  get: (params: { id?: string } | null) => nodes.get(String(params?.id)) ?? null,
  // A watch with {"status": "..."} hears only changes of nodes with that status.
  filter: (params: { status?: string } | null, c: { data: unknown }) => !params?.status || (c.data as RackNode | null)?.status === params.status,
});

/** A notification of rack_nodes_changes. */
export function onMessage(message: string, listener: AerostatHandler.Listener) {
  if (listener.gap) {
    // The database connection dropped and came back: changes made meanwhile were not told.
    console.warn(`rack: ${listener.name} reconnected; nodes changed while it was away show on their next change`);
    return;
  }
  const c = JSON.parse(message) as NodeChange;
  if (c.event === "destroyed") nodes.delete(c.id);
  else nodes.set(c.id, c.record);
  change("nodes", c.event, c.id, c.record);
}

/** The listener's connection failed, or onMessage threw. */
export function onError(error: string, listener: AerostatHandler.Listener) {
  console.warn(`rack: ${listener.name}: ${error}`);
}
