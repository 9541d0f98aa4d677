import type { ListenerStatus } from "../listeners/listener.js";
import { truncateText } from "../log/truncate.js";
import type { EndpointRates, MessageRates } from "./rates.js";
import { MESSAGE_KEPT, NAME_KEPT } from "./recent-errors.js";

/** A listener as the page shows it: its figures, and messages per second received (in) and handled (out). */
export interface ListenerShown extends ListenerStatus {
  readonly rates: MessageRates;
}

/** The dashboard's Listeners panel. */
export interface DashboardListeners {
  /** At most LISTENERS_SHOWN, by name. */
  readonly listeners: readonly ListenerShown[];
  readonly totals: { readonly listeners: number; readonly dropped: number; readonly gaps: number };
}

/** Listeners listed at most; the page says how many there are. */
export const LISTENERS_SHOWN = 1000;
/** Paths and URLs are shown at most this long. */
const PATH_KEPT = 1024;

/** The Listeners panel, bounded, with rates from two readings of each listener's counts a push apart. */
export function listenersShown(rows: readonly ListenerStatus[], rates: EndpointRates): DashboardListeners {
  let dropped = 0;
  let gaps = 0;
  for (const r of rows) {
    dropped += r.dropped;
    gaps += r.gaps;
  }
  const shown = [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, LISTENERS_SHOWN);
  const panel: DashboardListeners = {
    listeners: shown.map((r) => ({
      ...r,
      name: truncateText(r.name, NAME_KEPT),
      file: truncateText(r.file, PATH_KEPT),
      handler: truncateText(r.handler, PATH_KEPT),
      connection: { name: truncateText(r.connection.name, NAME_KEPT), url: truncateText(r.connection.url, PATH_KEPT) },
      ...(r.lastError !== undefined ? { lastError: truncateText(r.lastError, MESSAGE_KEPT) } : {}),
      ...(r.problem !== undefined ? { problem: truncateText(r.problem, MESSAGE_KEPT) } : {}),
      // By file: two project folders may each have a listener of one name.
      rates: rates.read(r.file, { messagesIn: r.received, messagesOut: r.delivered }),
    })),
    totals: { listeners: rows.length, dropped, gaps },
  };
  rates.end();
  return panel;
}
