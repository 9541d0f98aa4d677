import { randomBytes } from "node:crypto";
import type { RedisCommands } from "./redis-commands.js";
import { RedisKeys } from "./redis-keys.js";

/** Timings of the heartbeat: a node whose key was not refreshed for `ttlMs` counts as gone. */
export interface HeartbeatTimings {
  readonly everyMs: number;
  readonly ttlMs: number;
}

/**
 * A node's heartbeat and presence counts on Redis. The heartbeat key
 * (RedisKeys.heartbeat) lives `ttlMs` and is refreshed every `everyMs`. This
 * node's counts are kept here and written as absolute values (HSET field =
 * node), so a write lost while Redis was away is made good on the next beat.
 * Counts of a node whose heartbeat expired are not summed, and are pruned.
 */
export class RedisPresence {
  private readonly counts = new Map<string, number>();
  /** Hash keys whose field for this node Redis may not have right. */
  private readonly dirty = new Set<string>();
  private live: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** What this run writes in its heartbeat key: another value there means another node with the same name. */
  private readonly token = `${process.pid}-${randomBytes(6).toString("hex")}`;
  private sharedNameSeen = false;

  constructor(
    private readonly redis: RedisCommands,
    private readonly node: string,
    private readonly timings: HeartbeatTimings,
    private readonly connected: () => boolean,
    /** Another live node beats under this node's name (their messages would be dropped as echoes). */
    private readonly onSharedName: () => void,
  ) {}

  /** Beats once (so the peers are known) and then every `everyMs`. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beatOnce(), this.timings.everyMs);
    this.timer.unref();
  }

  /** The live nodes as of the last beat, this one included. */
  peers(): readonly string[] {
    return this.live;
  }

  change(project: string, key: string, delta: number): void {
    const hash = RedisKeys.presence(project, key);
    const n = (this.counts.get(hash) ?? 0) + delta;
    if (n > 0) this.counts.set(hash, n);
    else this.counts.delete(hash);
    this.dirty.add(hash);
    if (this.connected()) void this.flush();
  }

  /** The sum of the live nodes' counts; this node's from memory. */
  async count(project: string, key: string): Promise<number> {
    const hash = RedisKeys.presence(project, key);
    const fields = await this.redis.hGetAll(hash);
    const others = Object.keys(fields).filter((node) => node !== this.node);
    let total = this.counts.get(hash) ?? 0;
    if (others.length === 0) return total;
    const beats = await this.redis.mGet(others.map((node) => RedisKeys.heartbeat(node)));
    const dead: string[] = [];
    others.forEach((node, i) => {
      if (beats[i] === null) dead.push(node);
      else total += Number(fields[node]) || 0;
    });
    if (dead.length > 0) this.redis.hDel(hash, dead).catch(() => undefined);
    return total;
  }

  /** After Redis came back (it may have lost everything): write every count again and beat. */
  restore(): void {
    for (const hash of this.counts.keys()) this.dirty.add(hash);
    void this.beatOnce();
  }

  /** Stops beating and removes this node's heartbeat and counts (best effort). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    if (!this.connected()) return;
    const removals = [
      this.redis.del(RedisKeys.heartbeat(this.node)),
      this.redis.sRem(RedisKeys.members, [this.node]),
      ...[...this.counts.keys()].map((hash) => this.redis.hDel(hash, [this.node])),
    ];
    await Promise.allSettled(removals);
  }

  private beatOnce(): Promise<void> {
    if (this.beating || !this.connected()) return Promise.resolve();
    this.beating = this.beat()
      .catch(() => undefined)
      .finally(() => (this.beating = undefined));
    return this.beating;
  }

  /** Refreshes the heartbeat, writes what is dirty, and reads which nodes live. */
  private async beat(): Promise<void> {
    const previous = await this.redis.swapPx(RedisKeys.heartbeat(this.node), this.token, this.timings.ttlMs);
    if (previous !== null && previous !== this.token && !this.sharedNameSeen) {
      this.sharedNameSeen = true;
      this.onSharedName();
    }
    await this.redis.sAdd(RedisKeys.members, this.node);
    await this.flush();
    const members = await this.redis.sMembers(RedisKeys.members);
    const beats = members.length > 0 ? await this.redis.mGet(members.map((node) => RedisKeys.heartbeat(node))) : [];
    const live = members.filter((_, i) => beats[i] !== null);
    const dead = members.filter((_, i) => beats[i] === null);
    if (dead.length > 0) await this.redis.sRem(RedisKeys.members, dead);
    this.live = live.sort();
  }

  /** Writes this node's dirty counts; what fails stays dirty for the next beat. */
  private async flush(): Promise<void> {
    const hashes = [...this.dirty];
    this.dirty.clear();
    await Promise.all(
      hashes.map(async (hash) => {
        const n = this.counts.get(hash) ?? 0;
        try {
          await (n > 0 ? this.redis.hSet(hash, this.node, String(n)) : this.redis.hDel(hash, [this.node]));
        } catch {
          this.dirty.add(hash);
        }
      }),
    );
  }
}
