import { truncateText } from "../log/truncate.js";
import type { EndpointRates } from "./rates.js";
import { NAME_KEPT } from "./recent-errors.js";

/** A channel of a project with subscribers or listening modules on this node. */
export interface ChannelRow {
  readonly project: string;
  readonly channel: string;
  /** Sessions of this node subscribed to it. */
  readonly subscribers: number;
  /** Handler modules of this node that listen() to it. */
  readonly listeners: number;
}

/** A socketcluster endpoint as the runtime reports it: sign-ins and RPC figures. */
export interface ScEndpointRow {
  readonly endpoint: string;
  /** Its sessions that are signed in. */
  readonly signedIn: number;
  /** Client invokes answered so far, and the errors among them. */
  readonly calls: number;
  readonly failed: number;
  /** Errors by name (a ChannelError's name, InvalidActionError, TimeoutError…). */
  readonly errors: Readonly<Record<string, number>>;
}

/** Calls and errors per second, to a tenth, over the last push interval. */
export interface CallRates {
  readonly calls: number;
  readonly errors: number;
}

/** A socketcluster endpoint as the page shows it: the busiest error names first, and call rates. */
export interface ScEndpointShown extends ScEndpointRow {
  readonly rates: CallRates;
  /** How many distinct error names there are, when more than ERROR_NAMES_SHOWN. */
  readonly errorNames: number;
}

/** The dashboard's Channels panel. */
export interface DashboardChannels {
  /** The busiest channels first, at most CHANNELS_SHOWN. */
  readonly channels: readonly ChannelRow[];
  /** Socketcluster endpoints, at most SC_ENDPOINTS_SHOWN. */
  readonly endpoints: readonly ScEndpointShown[];
  readonly totals: {
    readonly channels: number;
    /** Subscriptions over every channel, shown or not. */
    readonly subscriptions: number;
    readonly endpoints: number;
  };
}

/** Channels listed at most (the busiest); the page says how many there are. */
export const CHANNELS_SHOWN = 200;
/** Socketcluster endpoints listed at most. */
export const SC_ENDPOINTS_SHOWN = 1000;
/** Error names listed per endpoint at most (the most frequent). */
export const ERROR_NAMES_SHOWN = 10;
/** Channel and project names are shown at most this long. */
const CHANNEL_KEPT = 200;

const busiest = (a: ChannelRow, b: ChannelRow) =>
  b.subscribers + b.listeners - (a.subscribers + a.listeners) || (a.project < b.project ? -1 : a.project > b.project ? 1 : 0) ||
  (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0);

/**
 * The Channels panel, bounded: the busiest CHANNELS_SHOWN channels, the first
 * SC_ENDPOINTS_SHOWN endpoints with their ERROR_NAMES_SHOWN most frequent
 * error names, every name cut to size. `callRates` turns the endpoints' call
 * counts into rates, as the endpoint rows' message rates are.
 */
export function channelsShown(channels: readonly ChannelRow[], endpoints: readonly ScEndpointRow[], callRates: EndpointRates): DashboardChannels {
  let subscriptions = 0;
  for (const c of channels) subscriptions += c.subscribers;
  const shown = [...channels].sort(busiest).slice(0, CHANNELS_SHOWN);
  const snapshot: DashboardChannels = {
    channels: shown.map((c) => ({ ...c, project: truncateText(c.project, CHANNEL_KEPT), channel: truncateText(c.channel, CHANNEL_KEPT) })),
    endpoints: endpoints.slice(0, SC_ENDPOINTS_SHOWN).map((e) => {
      const rates = callRates.read(e.endpoint, { messagesIn: e.calls, messagesOut: e.failed });
      const names = Object.entries(e.errors);
      const errors = names
        .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
        .slice(0, ERROR_NAMES_SHOWN)
        .map(([name, n]) => [truncateText(name, NAME_KEPT), n] as const);
      return {
        endpoint: truncateText(e.endpoint, NAME_KEPT),
        signedIn: e.signedIn,
        calls: e.calls,
        failed: e.failed,
        errors: Object.fromEntries(errors),
        errorNames: names.length,
        rates: { calls: rates.in, errors: rates.out },
      };
    }),
    totals: { channels: channels.length, subscriptions, endpoints: endpoints.length },
  };
  callRates.end();
  return snapshot;
}
