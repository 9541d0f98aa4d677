import type { ClientInfo } from "../endpoints/clients.js";
import type { RecentError } from "./recent-errors.js";

/** What the dashboard page shows; sent as JSON over its live socket. */
export interface DashboardSnapshot {
  readonly server: { readonly projectRoot: string };
  readonly endpoints: readonly DashboardEndpoint[];
  readonly clients: readonly ClientInfo[];
  /** Messages per second over the last minute, oldest first. */
  readonly traffic: { readonly in: readonly number[]; readonly out: readonly number[] };
  readonly errors: readonly RecentError[];
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
  readonly problem?: string;
}

export const SESSION_IDS_SHOWN = 20;

/** What the runtime shows the dashboard. */
export interface DashboardSource {
  readonly projectRoot: string;
  endpoints(): readonly Omit<DashboardEndpoint, "sessionIds">[];
  sessionIds(endpoint: string): readonly string[];
  clientList(): readonly ClientInfo[];
  traffic(): DashboardSnapshot["traffic"];
}

export function buildSnapshot(source: DashboardSource, errors: readonly RecentError[]): DashboardSnapshot {
  return {
    server: { projectRoot: source.projectRoot },
    endpoints: source.endpoints().map((e) => ({ ...e, sessionIds: source.sessionIds(e.endpoint).slice(0, SESSION_IDS_SHOWN) })),
    clients: source.clientList(),
    traffic: source.traffic(),
    errors,
  };
}
