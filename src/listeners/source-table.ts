import type { Connection } from "../config/connections.js";
import type { ListenerSourceName, ListenerSpec } from "../config/listener-spec.js";
import type { Logger } from "../log/logger.js";
import type { ListenerSource, SourceFactory, SourceHooks } from "./source.js";
import { natsSource } from "./sources/nats.js";
import { redisSource } from "./sources/redis.js";

/**
 * PLACEHOLDER until the amqp and postgres sources are built in
 * (src/listeners/sources/amqp.ts, postgres.ts): a source that never connects
 * and says so through lost(). Replaced by their imports.
 */
function notBuiltIn(name: ListenerSourceName): SourceFactory {
  return (_spec, _connection, hooks) => {
    let state: ListenerSource["state"] = "connecting";
    return {
      get state() {
        return state;
      },
      start() {
        state = "down";
        hooks.lost(`the ${name} source is not built in`);
      },
      async close() {
        state = "closed";
      },
    };
  };
}

/** The factory of each `source` a `.listener` may name. */
export const SOURCE_FACTORIES: { readonly [K in ListenerSourceName]: SourceFactory<Extract<ListenerSpec, { source: K }>> } = {
  amqp: notBuiltIn("amqp"),
  postgres: notBuiltIn("postgres"),
  redis: redisSource,
  nats: natsSource,
};

/** Makes the source a spec names. */
export function makeSource(spec: ListenerSpec, connection: Connection, hooks: SourceHooks, log: Logger): ListenerSource {
  return (SOURCE_FACTORIES[spec.source] as SourceFactory)(spec, connection, hooks, log);
}
