import { createHash } from "node:crypto";
import type { createClient, createCluster } from "redis";

/** A Lua script and its SHA1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** The Redis commands the engine uses besides pub/sub: the same on one server and on a cluster. */
export interface RedisCommands {
  /** PUBLISH, or SPUBLISH on a cluster. */
  publish(name: string, text: string): Promise<unknown>;
  setPx(key: string, value: string, ttlMs: number): Promise<unknown>;
  /** SET … PX … GET: sets, and resolves with the value the key held before (null for none). */
  swapPx(key: string, value: string, ttlMs: number): Promise<string | null>;
  get(key: string): Promise<string | null>;
  /** GET of several keys of one slot. */
  mGet(keys: readonly string[]): Promise<(string | null)[]>;
  del(key: string): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, fields: readonly string[]): Promise<unknown>;
  hGetAll(key: string): Promise<Record<string, string>>;
  sAdd(key: string, member: string): Promise<unknown>;
  sRem(key: string, members: readonly string[]): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  /** EVALSHA of `script`, or EVAL when the server does not hold it yet (NOSCRIPT); on a cluster it runs on the shard of the first key. */
  run(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/** The commands on a node-redis client or cluster client (either); `sharded` publishes with SPUBLISH. */
export function redisCommands(client: object, sharded: boolean): RedisCommands {
  // Both clients have these methods with the same signatures; TypeScript cannot unify their generics.
  const c = client as unknown as ReturnType<typeof createClient>;
  const cluster = client as unknown as ReturnType<typeof createCluster>;
  return {
    publish: (name, text) => (sharded ? cluster.sPublish(name, text) : c.publish(name, text)),
    setPx: (key, value, ttlMs) => c.set(key, value, { expiration: { type: "PX", value: ttlMs } }),
    swapPx: async (key, value, ttlMs) => {
      const previous = await c.set(key, value, { expiration: { type: "PX", value: ttlMs }, GET: true });
      return typeof previous === "string" ? previous : null;
    },
    get: async (key) => (await c.get(key)) ?? null,
    mGet: (keys) => c.mGet([...keys]),
    del: (key) => c.del(key),
    hSet: (key, field, value) => c.hSet(key, field, value),
    hDel: (key, fields) => c.hDel(key, [...fields]),
    hGetAll: async (key) => ({ ...(await c.hGetAll(key)) }),
    sAdd: (key, member) => c.sAdd(key, member),
    sRem: (key, members) => c.sRem(key, [...members]),
    sMembers: (key) => c.sMembers(key),
    run: async (script, keys, args) => {
      const options = { keys: [...keys], arguments: [...args] };
      try {
        return await c.evalSha(script.sha1, options);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return c.eval(script.source, options);
      }
    },
  };
}
