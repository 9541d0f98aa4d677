import type { MonoRailMqOptions } from "../../config/monorail-options.js";

/** What an mq watch binds: an exchange the endpoint lists and a routing key ("#" when none was given). */
export interface MqTarget {
  readonly exchange: string;
  readonly routingKey: string;
}

/** Characters of an exchange name or routing key (AMQP's short strings). */
const MAX_NAME_CHARS = 255;

/**
 * The binding an mq watch's params name, or why they are refused. The params
 * are `{"exchange", "routingKey"}` and nothing else, so a watcher's identity
 * is the binding: `{"exchange": "x"}` and `{"exchange": "x", "routingKey": "#"}`
 * are one watcher, and a client cannot make many by adding fields.
 */
export function mqTarget(params: unknown, mq: MonoRailMqOptions): MqTarget | string {
  const p = (params && typeof params === "object" && !Array.isArray(params) ? params : {}) as Record<string, unknown>;
  if (typeof p["exchange"] !== "string" || p["exchange"] === "") return 'an mq watch needs params {"exchange": "...", "routingKey": "..."}';
  const extra = Object.keys(p).filter((k) => k !== "exchange" && k !== "routingKey");
  if (extra.length > 0) {
    const shown = extra.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 64))).join(", ");
    return `an mq watch takes only "exchange" and "routingKey" in its params; remove ${shown}${extra.length > 3 ? ", …" : ""}`;
  }
  const exchange = p["exchange"];
  if (!mq.exchanges.includes(exchange)) return `exchange "${exchange.slice(0, MAX_NAME_CHARS)}" is not one this endpoint lets clients watch (monorail.mq.exchanges)`;
  const routingKey = p["routingKey"];
  if (routingKey !== undefined && (typeof routingKey !== "string" || routingKey.length > MAX_NAME_CHARS)) return `routingKey must be a string of at most ${MAX_NAME_CHARS} characters`;
  return { exchange, routingKey: routingKey ?? "#" };
}
