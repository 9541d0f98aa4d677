import type { LookupFunction } from "node:net";
import type { MessageBus } from "../bus/message-bus.js";
import type { ChannelService } from "./channel-service.js";
import type { MonoRailService } from "./monorail-service.js";
import type { EvqService } from "./evqueue-service.js";
import type { EvqClientService } from "./evqueue-client-service.js";
import type { ClientInfo, ClientRegistry } from "../peers/clients.js";
import type { HttpExchanges } from "../peers/exchanges.js";
import type { SessionRegistry } from "../peers/sessions.js";
import type { TrafficMeter } from "../peers/traffic.js";
import type { Logger } from "../log/logger.js";
import type { HandlerModule } from "../sandbox/handler-module.js";

/** A handler function threw; reported with the user's file:line. */
export interface HandlerFault {
  /** Top-level project folder ("" for the root). */
  readonly project: string;
  readonly handler: string;
  /** The peer of the event that threw: kind ("session", "client", "http" or ""), id and endpoint, URI or path. */
  readonly peerKind: string;
  readonly peerId: string;
  readonly where: string;
  /** Endpoint of the session whose event threw, when there is one. */
  readonly endpoint?: string;
  readonly method: string;
  readonly error: string;
  /** "file:line:column" of the throwing frame in the user's module, or the file. */
  readonly at: string;
}

/** Why createWebsocket was refused; the guest throws it as a TypeError, or a RangeError for limits. */
export interface ClientRefusal {
  readonly error: string;
  readonly kind?: "range";
}

/** What operations act on. The runtime provides it. */
export interface Services {
  readonly sessions: SessionRegistry;
  readonly clients: ClientRegistry;
  /** Requests to script services waiting for their answer. */
  readonly exchanges: HttpExchanges;
  readonly bus: MessageBus;
  /** This node's socketcluster connections and channels (net/v4/channels). */
  readonly socketcluster: ChannelService;
  /** This node's MonoRail watchers (net/v4/monorail); absent where no runtime wired them. */
  readonly monorail?: MonoRailService;
  /** This node's evQueue subscriptions (net/v4/evqueue); absent where no runtime wired them. */
  readonly evqueue?: EvqService;
  /** Scripts' evQueue clusters (net/v4/evqueue's createCluster); absent where no runtime wired them. */
  readonly evqueueClients?: EvqClientService;
  /** Projects whose net/v4/events speak the server-events wire format (--server-events-compat; "" is the root). */
  readonly serverEventsCompat?: ReadonlySet<string>;
  /** Counts the frames handlers send. */
  readonly traffic: TrafficMeter;
  readonly log: Logger;
  /** The operator's configuration (core/v4/configurations), env: references resolved. */
  readonly configuration: ReadonlyMap<string, string>;
  /** createWebsocket: `reconnect` asks for a client that connects again after a drop. */
  openClient(module: HandlerModule, uri: string, handler: string, engine: string, reconnect?: boolean): ClientInfo | ClientRefusal;
  /**
   * Whether a script may reach `uri` (the outbound allowlist, --allow-outbound):
   * a refusal says why, naming `api`; an allowed one comes with the DNS lookup
   * the connection must use (it refuses this server's own addresses).
   */
  checkOutbound(module: HandlerModule, uri: string, api: string): { ok: true; lookup: LookupFunction } | { ok: false; error: string };
  reportFault(fault: HandlerFault): void;
}
