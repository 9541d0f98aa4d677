import type { DeferredOp, ImmediateOp, OpContext, PostedOp, Primitive } from "../../ops/capability.js";
import type { EvqClientService, EvqClusterHandle } from "../../ops/evqueue-client-service.js";
import { ClusterHookDefaults, ClusterOps, HOOK_NAME } from "./cluster-ops-names.js";

/** The host ops of createCluster's clusters: arguments checked again (the guest is untrusted), the work done by the service. */

function service(ctx: OpContext): EvqClientService {
  const found = ctx.services.evqueueClients;
  if (!found) throw new Error("createCluster: this runtime has no evQueue client wired");
  return found;
}

/** The calling module's open cluster `id`; a closed or foreign one is an error the script can read. */
function cluster(ctx: OpContext, id: unknown): EvqClusterHandle {
  const found = typeof id === "number" ? service(ctx).get(ctx.module, id) : undefined;
  if (!found) throw Object.assign(new Error("the cluster was closed; make another with createCluster()"), { name: "ConnectionError", code: "CLOSED" });
  return found;
}

const list = (args: unknown): unknown[] => (Array.isArray(args) ? args : []);

function hookName(value: Primitive | undefined, what: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string" || !HOOK_NAME.test(value)) throw new TypeError(`createCluster(nodes, options): options.${what} must be the name of an exported function, such as "${ClusterHookDefaults[what as keyof typeof ClusterHookDefaults]}"`);
  return value;
}

const create: ImmediateOp = {
  mode: "immediate",
  name: ClusterOps.create,
  run(ctx, args) {
    const [nodesJson, connection, onEvent, onStateChange] = args;
    const caller = ctx.caller;
    if (!caller) return { error: "createCluster: it can only be called from a handler's code" };
    let nodes: unknown;
    try {
      nodes = JSON.parse(typeof nodesJson === "string" ? nodesJson : "null");
      if (connection !== null && (typeof connection !== "string" || connection === "")) {
        throw new TypeError("createCluster(nodes, options): options.connection must be the name of a --connection of the server");
      }
      const event = hookName(onEvent, "onEvent");
      const state = hookName(onStateChange, "onStateChange");
      return service(ctx).create(ctx.module, caller, {
        nodes,
        connection: connection as string | null,
        onEvent: event ?? ClusterHookDefaults.onEvent,
        onEventNamed: event !== undefined,
        onStateChange: state ?? ClusterHookDefaults.onStateChange,
        onStateChangeNamed: state !== undefined,
      });
    } catch (error) {
      return { error: String((error as Error).message), ...(error instanceof RangeError ? { kind: "range" } : {}) };
    }
  },
};

function deferred(name: string, run: (c: EvqClusterHandle, args: unknown[]) => Promise<unknown>): DeferredOp {
  return {
    mode: "deferred",
    name,
    run: async (ctx, args) => {
      const [id, ...rest] = list(args);
      return run(cluster(ctx, id), rest);
    },
  };
}

function lookup(name: string, read: (c: EvqClusterHandle) => unknown): ImmediateOp {
  return {
    mode: "immediate",
    name,
    run(ctx, [id]) {
      const found = typeof id === "number" ? ctx.services.evqueueClients?.get(ctx.module, id) : undefined;
      return found ? read(found) : null;
    },
  };
}

const close: PostedOp = {
  mode: "posted",
  name: ClusterOps.close,
  run(ctx, args) {
    const [id] = list(args);
    if (typeof id === "number") ctx.services.evqueueClients?.get(ctx.module, id)?.close();
    return 0;
  },
};

/** The host operations of net/v4/evqueue's client role. */
export const clusterOps = [
  create,
  deferred(ClusterOps.api, (c, [cmd]) => c.api(cmd)),
  deferred(ClusterOps.subscribe, (c, [event, api, sendNow, objectId, externalId]) => c.subscribe(event, api, sendNow, objectId, externalId)),
  deferred(ClusterOps.unsubscribe, (c, [event, externalId, objectId]) => c.unsubscribe(event, externalId, objectId)),
  deferred(ClusterOps.unsubscribeAll, (c) => c.unsubscribeAll()),
  lookup(ClusterOps.nodes, (c) => c.nodes()),
  lookup(ClusterOps.states, (c) => c.states()),
  lookup(ClusterOps.versions, (c) => c.versions()),
  close,
] as const;
