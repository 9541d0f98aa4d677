/** Calls answered per endpoint, and errors by name: the dashboard's RPC figures. */
export class RpcCounts {
  private readonly calls = new Map<string, { calls: number; errors: Map<string, number> }>();

  count(endpoint: string, errorName?: string): void {
    let c = this.calls.get(endpoint);
    if (!c) this.calls.set(endpoint, (c = { calls: 0, errors: new Map() }));
    c.calls++;
    if (errorName !== undefined) c.errors.set(errorName, (c.errors.get(errorName) ?? 0) + 1);
  }

  snapshot(): { endpoint: string; calls: number; errors: Record<string, number> }[] {
    return [...this.calls].map(([endpoint, c]) => ({ endpoint, calls: c.calls, errors: Object.fromEntries(c.errors) }));
  }
}
