import { findNodeAtLocation, parseTree, type Node } from "jsonc-parser";
import { z } from "zod";
import { lineColumnAt } from "./text-position.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { CONNECTION_NAME, type Connection } from "./connections.js";

/** The `"mq"` object of a monorail endpoint: the built-in resource that watches RabbitMQ exchanges. */
export interface MonoRailMqOptions {
  /** An operator connection (`--connection NAME=amqp://…`) to the broker. */
  readonly connection: string;
  /** The exchanges a client may watch; any other gets an error frame. */
  readonly exchanges: readonly string[];
}

/** The `"monorail"` object of a descriptor whose protocol is "monorail". */
export interface MonoRailOptions {
  /** Watchers one connection may hold; the next watch gets an error frame. */
  readonly maxWatchers: number;
  /** How long a resource function (query, get, watch, filter) may take before the client gets a TimeoutError frame. */
  readonly hookTimeoutMs: number;
  readonly mq?: MonoRailMqOptions;
}

export const MONORAIL_DEFAULTS = { maxWatchers: 100, hookTimeoutMs: 5000 } as const;

const mqSchema = z
  .object(
    {
      connection: z
        .string({ error: 'must be the name of an operator connection, such as "main" (--connection main=amqp://…)' })
        .regex(CONNECTION_NAME, { error: 'must be a connection name: letters, digits, "_", "." and "-" (1 to 64)' }),
      exchanges: z
        .array(z.string({ error: "must be an exchange name" }).min(1, { error: "must not be empty" }).max(255, { error: "must be at most 255 characters" }), {
          error: 'must be a list of exchange names such as ["on.events"]',
        })
        .min(1, { error: 'must list at least one exchange such as "on.events"; without any, remove "mq"' })
        .max(1000, { error: "may hold at most 1000 exchanges" }),
    },
    { error: 'must be an object such as {"connection": "main", "exchanges": ["on.events"]}' },
  )
  .strict();

/** The schema of the `"monorail"` field; unknown fields are refused. */
export const monoRailSchema = z
  .object(
    {
      maxWatchers: z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(100_000, { error: "must be at most 100000" }).optional(),
      hookTimeoutMs: z.number({ error: "must be a number of ms" }).int({ error: "must be a whole number of ms" }).min(1, { error: "must be at least 1" }).max(600_000, { error: "must be at most 600000" }).optional(),
      mq: mqSchema.optional(),
    },
    { error: 'must be an object such as {"maxWatchers": 100, "mq": {"connection": "main", "exchanges": ["on.events"]}}' },
  )
  .strict();

/** For a field the schema does not know inside "monorail": what the object is called and the fields it takes. */
export function monoRailKnownFieldsAt(path: readonly PropertyKey[]): { readonly what: string; readonly known: readonly string[] } | undefined {
  if (path.length === 1 && path[0] === "monorail") return { what: "a monorail option", known: Object.keys(monoRailSchema.shape) };
  if (path.length === 2 && path[0] === "monorail" && path[1] === "mq") return { what: "a field of monorail.mq", known: Object.keys(mqSchema.shape) };
  return undefined;
}

export type MonoRailInput = z.infer<typeof monoRailSchema>;

/** The options with their defaults filled in. */
export function monoRailOptions(input: MonoRailInput | undefined): MonoRailOptions {
  const i = input ?? {};
  return {
    maxWatchers: i.maxWatchers ?? MONORAIL_DEFAULTS.maxWatchers,
    hookTimeoutMs: i.hookTimeoutMs ?? MONORAIL_DEFAULTS.hookTimeoutMs,
    ...(i.mq ? { mq: { connection: i.mq.connection, exchanges: [...new Set(i.mq.exchanges)] } } : {}),
  };
}

/**
 * Why a monorail endpoint's mq resource cannot be served by this server: its
 * connection is not one of the operator's amqp connections. Undefined when it can.
 */
export function mqConnectionProblem(
  file: string,
  options: MonoRailOptions | undefined,
  connections: ReadonlyMap<string, Connection>,
  /** The descriptor's text, read only when there is a problem to place (its line and column). */
  text?: () => string,
): AerostatError | undefined {
  const name = options?.mq?.connection;
  if (name === undefined) return undefined;
  const found = connections.get(name);
  if (found?.kind === "amqp") return undefined;
  const amqp = [...connections.values()].filter((c) => c.kind === "amqp").map((c) => c.name);
  const known = amqp.length > 0 ? `; this server's amqp connections: ${amqp.join(", ")}` : "";
  const why = found
    ? `names connection "${name}", which is a ${found.kind} connection; the mq resource needs an amqp:// one`
    : `names connection "${name}", which this server was not given`;
  return new AerostatError(
    UserErrorCodes.DESCRIPTOR_FIELD,
    `field "monorail.mq.connection" ${why}. Start the server with --connection ${name}=amqp://user:password@host:5672 (option connections)${known}. Meanwhile the endpoint serves its other resources, and mq watches get an MqError frame.`,
    { file, field: "monorail.mq.connection", ...placeOf(text, ["monorail", "mq", "connection"]) },
  );
}

/** Line and column of the value at `path` in the descriptor's text, when it can be read. */
function placeOf(text: (() => string) | undefined, path: string[]): { line?: number; column?: number } {
  try {
    const t = text?.();
    if (t === undefined) return {};
    const node = findNodeAtLocation(parseTree(t) ?? ({} as Node), path);
    return node ? lineColumnAt(t, node.offset) : {};
  } catch {
    return {};
  }
}
