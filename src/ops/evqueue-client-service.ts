import type { CallerContext, HandlerModule } from "../sandbox/handler-module.js";

/**
 * What net/v4/evqueue's client role (createCluster) needs of the host: evQueue
 * clusters whose sockets, sign-ins, subscriptions and reconnects live on the
 * host, each owned by the module context that made it.
 */

/** What a script asked createCluster for (the op checked the types; the service checks nodes and credentials). */
export interface EvqClusterRequest {
  readonly nodes: unknown;
  /** A `--connection` whose credentials sign in to a URL node that is its URL (scheme, host, port and path), or null. */
  readonly connection: string | null;
  /** The exported function events go to, and whether the script named it (else the default). */
  readonly onEvent: string;
  readonly onEventNamed: boolean;
  /** The exported function state changes go to, and whether the script named it. */
  readonly onStateChange: string;
  readonly onStateChangeNamed: boolean;
}

/** One cluster, as the capability's ops reach it. Arguments are the script's (untrusted); problems reject with a TypeError naming them. */
export interface EvqClusterHandle {
  /** Resolves with the response root as a JSON-safe node (null for a node without a required module), or for node "*" an array of the answers of the nodes that answered. */
  api(cmd: unknown): Promise<unknown>;
  subscribe(event: unknown, api: unknown, sendNow: unknown, objectId: unknown, externalId: unknown): Promise<null>;
  unsubscribe(event: unknown, externalId: unknown, objectId: unknown): Promise<null>;
  unsubscribeAll(): Promise<null>;
  /** Each node's name from its <ready>, or null until it said one. */
  nodes(): (string | null)[];
  /** Each node's state: CONNECTING, AUTHENTICATING, READY, ERROR or CLOSED. */
  states(): string[];
  /** Each node's evQueue version from its <ready>, or null. */
  versions(): (string | null)[];
  close(): void;
}

/** createCluster's refusal: the guest throws it as a TypeError, or a RangeError for limits. */
export interface EvqClusterRefusal {
  readonly error: string;
  readonly kind?: "range";
}

export interface EvqClientService {
  /** Makes a cluster for the module context `caller` (closed when that context stops serving); its id is the script's handle. */
  create(module: HandlerModule, caller: CallerContext, request: EvqClusterRequest): { id: number } | EvqClusterRefusal;
  /** The module's cluster `id`, while it is open. */
  get(module: HandlerModule, id: number): EvqClusterHandle | undefined;
}
