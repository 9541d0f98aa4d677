/** Distinct error names kept per endpoint; later new names are counted under OTHER_ERRORS. */
export const ERROR_NAMES_KEPT = 100;
/** Where errors with names past ERROR_NAMES_KEPT are counted. */
export const OTHER_ERRORS = "(other names)";
/** An error name is kept at most this long (a script chooses it: ChannelError(name)). */
const NAME_LENGTH_KEPT = 128;

/** Calls of one endpoint: how many were answered, and the errors among them by name. */
export interface RpcFigures {
  readonly endpoint: string;
  readonly calls: number;
  /** Errors among the calls. */
  readonly failed: number;
  readonly errors: Record<string, number>;
}

/**
 * Calls answered per endpoint, and errors by name: the dashboard's RPC
 * figures. Bounded: names are cut to size and at most ERROR_NAMES_KEPT
 * distinct ones are kept per endpoint.
 */
export class RpcCounts {
  private readonly calls = new Map<string, { calls: number; failed: number; errors: Map<string, number> }>();

  count(endpoint: string, errorName?: string): void {
    let c = this.calls.get(endpoint);
    if (!c) this.calls.set(endpoint, (c = { calls: 0, failed: 0, errors: new Map() }));
    c.calls++;
    if (errorName === undefined) return;
    c.failed++;
    let name = errorName.length > NAME_LENGTH_KEPT ? `${errorName.slice(0, NAME_LENGTH_KEPT)}…` : errorName;
    if (!c.errors.has(name) && c.errors.size >= ERROR_NAMES_KEPT) name = OTHER_ERRORS;
    c.errors.set(name, (c.errors.get(name) ?? 0) + 1);
  }

  /** The figures of one endpoint (zeros before its first call). */
  of(endpoint: string): RpcFigures {
    const c = this.calls.get(endpoint);
    return { endpoint, calls: c?.calls ?? 0, failed: c?.failed ?? 0, errors: c ? Object.fromEntries(c.errors) : {} };
  }

  snapshot(): RpcFigures[] {
    return [...this.calls.keys()].map((endpoint) => this.of(endpoint));
  }
}
