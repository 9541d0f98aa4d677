import type { Connection } from "../config/connections.js";
import type { ListenerSourceName, ListenerSpec } from "../config/listener-spec.js";
import type { Logger } from "../log/logger.js";
import type { ListenerSource, SourceFactory, SourceHooks } from "./source.js";
import { amqpSource } from "./sources/amqp.js";
import { natsSource } from "./sources/nats.js";
import { postgresSource } from "./sources/postgres.js";
import { redisSource } from "./sources/redis.js";

/** The factory of each `source` a `.listener` may name. */
export const SOURCE_FACTORIES: { readonly [K in ListenerSourceName]: SourceFactory<Extract<ListenerSpec, { source: K }>> } = {
  amqp: amqpSource,
  postgres: postgresSource,
  redis: redisSource,
  nats: natsSource,
};

/** Makes the source a spec names. */
export function makeSource(spec: ListenerSpec, connection: Connection, hooks: SourceHooks, log: Logger): ListenerSource {
  return (SOURCE_FACTORIES[spec.source] as SourceFactory)(spec, connection, hooks, log);
}
