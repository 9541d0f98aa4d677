import type { EngineStatus } from "../bus/message-bus.js";
import type { ClientInfo } from "../peers/clients.js";
import type { IsolateStats } from "../sandbox/project-isolate.js";
import { truncateText } from "../log/truncate.js";
import type { TailLine } from "../log/log-tail.js";
import { channelsShown, type ChannelRow, type DashboardChannels, type ScEndpointRow } from "./channels.js";
import type { EndpointRates, MessageCounts, MessageRates } from "./rates.js";
import { MESSAGE_KEPT, NAME_KEPT, type RecentError } from "./recent-errors.js";
import type { EndpointDetails } from "./session-details.js";
import type { ListenerStatus } from "../listeners/listener.js";
import { listenersShown, type DashboardListeners } from "./listeners.js";
import { evqueueShown, type DashboardEvqueue, type EvqEndpointRow } from "./evqueue.js";

/** What the dashboard page shows; sent as JSON over its live socket. */
export interface DashboardSnapshot {
  readonly server: { readonly projectRoot: string };
  readonly endpoints: readonly DashboardEndpoint[];
  readonly clients: readonly ClientInfo[];
  /** Messages per second over the last minute, oldest first. */
  readonly traffic: { readonly in: readonly number[]; readonly out: readonly number[] };
  readonly errors: readonly RecentError[];
  /** The sandboxes: one per project folder, plus one per handler that has its own. */
  readonly isolates: readonly IsolateStats[];
  /** The engine that carries broadcasts: its name, this node, its state, the peers seen, gaps and the last error. */
  readonly engine: EngineStatus;
  /** Socketcluster channels on this node, and per socketcluster endpoint its sign-ins and RPC calls. */
  readonly channels: DashboardChannels;
  /** The project's listeners: connection state, message rates, gaps, dropped messages, the last error. */
  readonly listeners: DashboardListeners;
  /** evqueue endpoints: connections by subprotocol, subscriptions, events sent and merged, failed sign-ins. */
  readonly evqueue: DashboardEvqueue;
  /** How many endpoints and clients there are, when more than ROWS_SHOWN. */
  readonly totals: { readonly endpoints: number; readonly clients: number };
  /** Whether this viewer may close sessions (it is on this machine). */
  readonly canClose?: boolean;
  /** Each viewer's own part: the sessions of the endpoint it has open (null for none)… */
  readonly details?: EndpointDetails | null;
  /** …and the log lines it has not had yet, oldest first. */
  readonly log?: readonly TailLine[];
}

export interface DashboardEndpoint {
  readonly endpoint: string;
  readonly url: string;
  readonly descriptor: string;
  readonly handler: string;
  readonly description: string;
  readonly sessions: number;
  /** Ids of open sessions, the first SESSION_IDS_SHOWN of them. */
  readonly sessionIds: readonly string[];
  /** Messages per second into and out of its sessions, over the last push interval. */
  readonly rates: MessageRates;
  readonly problem?: string;
}

export const SESSION_IDS_SHOWN = 20;
/** Endpoints and clients listed at most; the page says how many there are in all. */
export const ROWS_SHOWN = 1000;
/** Paths, URLs and URIs are shown at most this long. */
const PATH_SHOWN = 1024;

/** What the runtime shows the dashboard. */
export interface DashboardSource {
  readonly projectRoot: string;
  endpoints(): readonly Omit<DashboardEndpoint, "sessionIds" | "rates">[];
  /** Ids of the endpoint's sessions, the first `max`. */
  sessionIds(endpoint: string, max: number): readonly string[];
  /** Messages in and out of the endpoint's sessions so far. */
  counts(endpoint: string): MessageCounts;
  /** The first sessions of an endpoint, with their details. */
  sessionDetails(endpoint: string): EndpointDetails;
  /** Closes a session of any project with `code` and `reason`; its endpoint, or undefined when no session has that id. */
  closeSession(id: string, code: number, reason: string): { endpoint: string } | undefined;
  /** Log lines after `seq`, oldest first. */
  logSince(seq: number): readonly TailLine[];
  clientList(): readonly ClientInfo[];
  traffic(): DashboardSnapshot["traffic"];
  isolates(): readonly IsolateStats[];
  engine(): EngineStatus;
  /** Channels with subscribers or listeners on this node, per project. */
  channels(): readonly ChannelRow[];
  /** The socketcluster endpoints, with their signed-in sessions and RPC counts. */
  scEndpoints(): readonly ScEndpointRow[];
  /** The project's listeners. */
  listeners(): readonly ListenerStatus[];
  /** The evqueue endpoints and their subscriptions. */
  evqueue(): readonly EvqEndpointRow[];
}

/** How buildSnapshot turns counters into rates: messages per endpoint, RPC calls per socketcluster endpoint. */
export interface SnapshotRates {
  readonly messages: EndpointRates;
  readonly calls: EndpointRates;
  /** Messages received and handled per listener. */
  readonly listeners: EndpointRates;
  /** Event frames sent per evqueue endpoint. */
  readonly evqueue: EndpointRates;
}

/** The engine's status with at most ROWS_SHOWN peers and its last error cut to size. */
function engineShown(status: EngineStatus): EngineStatus {
  return {
    ...status,
    peers: status.peers.slice(0, ROWS_SHOWN).map((p) => truncateText(p, NAME_KEPT)),
    ...(status.lastError !== undefined ? { lastError: truncateText(status.lastError, MESSAGE_KEPT) } : {}),
  };
}

/**
 * The snapshot, bounded: at most ROWS_SHOWN rows of each kind, and every
 * string that a script or a file can make long cut to size.
 */
export function buildSnapshot(source: DashboardSource, errors: readonly RecentError[], { messages: rates, calls, listeners, evqueue }: SnapshotRates): DashboardSnapshot {
  const endpoints = source.endpoints();
  const clients = source.clientList();
  const cut = (text: string, max = PATH_SHOWN) => truncateText(text, max);
  const snapshot: DashboardSnapshot = {
    server: { projectRoot: cut(source.projectRoot) },
    endpoints: endpoints.slice(0, ROWS_SHOWN).map((e) => ({
      endpoint: cut(e.endpoint, NAME_KEPT),
      url: cut(e.url),
      descriptor: cut(e.descriptor),
      handler: cut(e.handler),
      description: cut(e.description, NAME_KEPT),
      sessions: e.sessions,
      sessionIds: source.sessionIds(e.endpoint, SESSION_IDS_SHOWN).slice(0, SESSION_IDS_SHOWN),
      rates: rates.read(e.endpoint, source.counts(e.endpoint)),
      ...(e.problem !== undefined ? { problem: cut(e.problem, MESSAGE_KEPT) } : {}),
    })),
    clients: clients.slice(0, ROWS_SHOWN).map((c) => ({ ...c, uri: cut(c.uri), handler: cut(c.handler) })),
    traffic: source.traffic(),
    errors,
    isolates: source
      .isolates()
      .slice(0, ROWS_SHOWN)
      .map((i) => ({ ...i, name: cut(i.name), handlers: i.handlers.slice(0, SESSION_IDS_SHOWN).map((h) => cut(h)) })),
    engine: engineShown(source.engine()),
    channels: channelsShown(source.channels(), source.scEndpoints(), calls),
    listeners: listenersShown(source.listeners(), listeners),
    evqueue: evqueueShown(source.evqueue(), evqueue),
    totals: { endpoints: endpoints.length, clients: clients.length },
  };
  rates.end();
  return snapshot;
}
