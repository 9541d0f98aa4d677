import type { Descriptor } from "../config/descriptor.js";

export interface EndpointConflict {
  readonly endpoint: string;
  /** The descriptor that serves the endpoint: the one already serving it, else the first by path. */
  readonly winner: string;
  /** Descriptors that claim it too and are ignored. */
  readonly losers: readonly string[];
}

export interface EndpointTable {
  readonly endpoints: ReadonlyMap<string, Descriptor>;
  readonly conflicts: readonly EndpointConflict[];
}

/**
 * Which descriptor serves each endpoint. An endpoint stays with the descriptor
 * that serves it now (`serving`: endpoint → descriptor file) while that
 * descriptor still claims it, so no other descriptor can take it over. An
 * endpoint nobody serves yet goes to the claimant whose path sorts first, so
 * the outcome never depends on load order.
 */
export function buildEndpointTable(
  descriptors: Iterable<Descriptor>,
  serving: ReadonlyMap<string, string> = new Map(),
): EndpointTable {
  const claims = new Map<string, Descriptor[]>();
  for (const d of descriptors) {
    const list = claims.get(d.endpoint) ?? [];
    list.push(d);
    claims.set(d.endpoint, list);
  }
  const endpoints = new Map<string, Descriptor>();
  const conflicts: EndpointConflict[] = [];
  for (const [endpoint, list] of [...claims].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    list.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const incumbent = list.find((d) => d.file === serving.get(endpoint));
    const winner = incumbent ?? list[0]!;
    const losers = list.filter((d) => d !== winner);
    endpoints.set(endpoint, winner);
    if (losers.length > 0) conflicts.push({ endpoint, winner: winner.file, losers: losers.map((l) => l.file) });
  }
  return { endpoints, conflicts };
}
