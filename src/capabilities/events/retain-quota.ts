/** Retained events one project may keep from this node at once, and their bytes. */
export const MAX_RETAINED_EVENTS = 10_000;
export const MAX_RETAINED_BYTES = 16 * 1024 * 1024;

/**
 * What each project keeps with `emit(…, { retainMs })` from this node: a
 * script that emits distinct ids in a loop would otherwise fill the memory of
 * the host (memory engine) or of the Redis every node shares. Expired entries
 * are forgotten when a project reaches its limit.
 */
export class RetainQuota {
  private readonly projects = new Map<string, { entries: Map<string, { bytes: number; until: number }>; bytes: number }>();

  /** Counts a value kept under `key` for `ttlMs`; throws a RangeError when the project would pass its limits. */
  take(project: string, key: string, bytes: number, ttlMs: number): void {
    let p = this.projects.get(project);
    if (!p) this.projects.set(project, (p = { entries: new Map(), bytes: 0 }));
    const now = Date.now();
    const before = p.entries.get(key);
    if (before) {
      p.bytes -= before.bytes;
      p.entries.delete(key);
    }
    if (p.entries.size >= MAX_RETAINED_EVENTS || p.bytes + bytes > MAX_RETAINED_BYTES) this.sweep(p, now);
    if (p.entries.size >= MAX_RETAINED_EVENTS || p.bytes + bytes > MAX_RETAINED_BYTES) {
      throw new RangeError(
        `events.emit: project "${project}" already keeps ${p.entries.size} retained events (${p.bytes} bytes) from this server; ` +
          `at most ${MAX_RETAINED_EVENTS} events and ${MAX_RETAINED_BYTES} bytes: use a shorter retainMs, or retain fewer distinct ids`,
      );
    }
    p.entries.set(key, { bytes, until: now + ttlMs });
    p.bytes += bytes;
  }

  private sweep(p: { entries: Map<string, { bytes: number; until: number }>; bytes: number }, now: number): void {
    for (const [key, e] of p.entries) {
      if (e.until > now) continue;
      p.entries.delete(key);
      p.bytes -= e.bytes;
    }
  }
}
