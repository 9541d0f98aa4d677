import { truncateText } from "../log/truncate.js";
import type { EndpointRates } from "./rates.js";
import { NAME_KEPT } from "./recent-errors.js";

/** An evqueue endpoint as the runtime reports it (runtime.evqueueStats()). */
export interface EvqEndpointRow {
  readonly endpoint: string;
  /** Open connections by subprotocol. */
  readonly api: number;
  readonly events: number;
  readonly subscriptions: number;
  /** The subscriptions by event type, the most subscribed first. */
  readonly byType: readonly { readonly type: string; readonly count: number }[];
  /** Event frames sent, events merged by throttling, failed sign-ins: counted while the endpoint is mounted. */
  readonly eventsSent: number;
  readonly merged: number;
  readonly authFailures: number;
}

/** An evqueue endpoint as the page shows it: its figures and event frames sent per second. */
export interface EvqEndpointShown extends EvqEndpointRow {
  readonly eventRate: number;
}

/** The dashboard's evQueue panel. */
export interface DashboardEvqueue {
  /** At most EVQ_ENDPOINTS_SHOWN, by name. */
  readonly endpoints: readonly EvqEndpointShown[];
  readonly totals: { readonly endpoints: number; readonly connections: number; readonly subscriptions: number };
}

/** evqueue endpoints listed at most; the page says how many there are. */
export const EVQ_ENDPOINTS_SHOWN = 1000;

/** The evQueue panel, bounded, with event rates from two readings a push apart. */
export function evqueueShown(rows: readonly EvqEndpointRow[], rates: EndpointRates): DashboardEvqueue {
  let connections = 0;
  let subscriptions = 0;
  for (const r of rows) {
    connections += r.api + r.events;
    subscriptions += r.subscriptions;
  }
  const shown = [...rows].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0)).slice(0, EVQ_ENDPOINTS_SHOWN);
  const panel: DashboardEvqueue = {
    endpoints: shown.map((r) => ({
      ...r,
      endpoint: truncateText(r.endpoint, NAME_KEPT),
      byType: r.byType.map((t) => ({ type: truncateText(t.type, NAME_KEPT), count: t.count })),
      eventRate: rates.read(r.endpoint, { messagesIn: 0, messagesOut: r.eventsSent }).out,
    })),
    totals: { endpoints: rows.length, connections, subscriptions },
  };
  rates.end();
  return panel;
}
