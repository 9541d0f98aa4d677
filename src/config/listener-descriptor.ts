import path from "node:path";
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { z } from "zod";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { CONNECTION_NAME, redactUrl, type Connection } from "./connections.js";
import { DIRIGIBLE_FIELDS } from "./descriptor.js";
import type { ListenerSourceName, ListenerSpec } from "./listener-spec.js";
import { unknownNameHint } from "./suggest.js";
import { lineColumnAt } from "./text-position.js";

/** The file extension of listener descriptors (Dirigible's name for messaging listeners). */
export const LISTENER_EXTENSION = ".listener";

/** A listener's name: letters, digits, "_", "." and "-", 1 to 64 (the file's base name by default). */
export const LISTENER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const SOURCES: readonly ListenerSourceName[] = ["amqp", "postgres", "redis", "nats"];

const str = (what: string) => z.string({ error: `must be a string such as ${what}` });
const names = (what: string, item: z.ZodString) => z.array(item, { error: `must be a list of strings such as ${what}` });

const commonShape = {
  name: str('"orders"').regex(LISTENER_NAME, { error: 'may hold only letters, digits, "_", "." and "-" (1 to 64)' }),
  source: z.enum(SOURCES as [ListenerSourceName, ...ListenerSourceName[]]),
  connection: str('"main" (a connection the operator gives with --connection main=URL)').regex(CONNECTION_NAME, {
    error: 'must name a connection given with --connection NAME=URL: letters, digits, "_", "." and "-" (1 to 64), never a URL',
  }),
  handler: str('"my-project/orders"')
    .min(1, { error: "must not be empty" })
    .refine((h) => !h.startsWith("//") && !h.startsWith("\\") && !/^[A-Za-z]:/.test(h), {
      error: 'must be relative to the project root, such as "my-project/orders", not a path on the machine',
    })
    .refine((h) => !h.split(/[\\/]/).includes(".."), { error: 'must stay inside the project: remove ".."' }),
  description: str('"what this listener is for"').optional(),
};

const pgIdentifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, { error: "must hold channel names of 1 to 63 letters, digits, \"_\" or \"$\", starting with a letter or \"_\"" });
const natsName = z.string().regex(/^[^\s]{1,256}$/, { error: "must hold names without spaces, 1 to 256 characters" });
const nonEmpty = z.string().min(1, { error: "must not hold empty names" }).max(1024, { error: "must hold names of 1024 characters at most" });

/** The fields each source takes beyond the common ones. */
const SOURCE_SHAPES = {
  amqp: {
    exchange: str('"orders"').min(1, { error: "must not be empty" }).max(255, { error: "must be at most 255 characters" }),
    exchangeType: z.enum(["topic", "direct", "fanout", "headers"], { error: 'must be "topic" (the default), "direct", "fanout" or "headers"' }).optional(),
    routingKeys: names('["orders.#"]', nonEmpty).min(1, { error: 'must hold at least one key (leave it out for ["#"])' }).optional(),
    queue: str('"orders-workers"').min(1, { error: "must not be empty" }).max(255, { error: "must be at most 255 characters" }).optional(),
    prefetch: z
      .number({ error: "must be a number of messages" })
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(10_000, { error: "must be at most 10000" })
      .optional(),
  },
  postgres: {
    channels: names('["orders_changed"]', pgIdentifier).min(1, { error: "must hold at least one channel" }),
  },
  redis: {
    channels: names('["jobs:done"]', nonEmpty).optional(),
    patterns: names('["jobs:*"]', nonEmpty).optional(),
  },
  nats: {
    subjects: names('["telemetry.>"]', natsName).min(1, { error: "must hold at least one subject" }),
    queue: str('"workers"').regex(/^[^\s]{1,256}$/, { error: "must be a name without spaces" }).optional(),
  },
} as const;

const SCHEMAS = {
  amqp: z.object({ ...commonShape, ...SOURCE_SHAPES.amqp }),
  postgres: z.object({ ...commonShape, ...SOURCE_SHAPES.postgres }),
  redis: z.object({ ...commonShape, ...SOURCE_SHAPES.redis }),
  nats: z.object({ ...commonShape, ...SOURCE_SHAPES.nats }),
};

/** The connection kind each source needs, with an example URL for messages. */
const NEEDS: Readonly<Record<ListenerSourceName, string>> = {
  amqp: "amqp://guest:guest@127.0.0.1:5672",
  postgres: "postgres://user@127.0.0.1:5432/db",
  redis: "redis://127.0.0.1:6379",
  nats: "nats://127.0.0.1:4222",
};

/** Where a field of the parsed text is (its key, or the whole object), as line and column. */
function fieldAt(text: string, tree: Node, pathTo: (string | number)[], key = true): { line: number; column: number } {
  const node = findNodeAtLocation(tree, pathTo);
  const at = key && pathTo.length === 1 ? node?.parent : node;
  return lineColumnAt(text, at?.offset ?? node?.offset ?? tree.offset);
}

/**
 * Parses and validates one `.listener` file's text. Throws an AerostatError
 * naming the file, line and field: JSON errors, unknown fields (with "did you
 * mean"), a field of another source, missing or wrong fields. With
 * `connections` (the operator's), the connection it names must exist and be
 * of the kind its source needs.
 */
export function parseListener(file: string, text: string, connections?: ReadonlyMap<string, Connection>): ListenerSpec {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first || !tree) {
    const at = lineColumnAt(text, first?.offset ?? 0);
    const reason = first ? printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase() : "the file is empty";
    throw new AerostatError(UserErrorCodes.DESCRIPTOR_JSON, `not valid JSON: ${reason}. Fix the JSON; the last good version keeps listening meanwhile.`, {
      file,
      ...at,
    });
  }
  const fail = (field: string, message: string, at = fieldAt(text, tree, [field])) => {
    throw new AerostatError(UserErrorCodes.DESCRIPTOR_FIELD, message, { file, field, ...at });
  };
  if (tree.type !== "object") {
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      'a listener must be a JSON object such as {"source": "redis", "connection": "main", "channels": ["jobs"], "handler": "my-project/jobs"}',
      { file, line: 1, column: 1 },
    );
  }
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const source = parsed["source"];
  if (source === undefined) fail("source", `field "source" is missing; add it: ${SOURCES.map((s) => `"${s}"`).join(", ")}`, lineColumnAt(text, tree.offset));
  if (typeof source !== "string" || !(SOURCES as readonly string[]).includes(source)) {
    fail("source", `field "source" must be one of ${SOURCES.map((s) => `"${s}"`).join(", ")}${typeof source === "string" ? `; ${unknownNameHint(source, SOURCES)}` : ""}`, fieldAt(text, tree, ["source"], false));
  }
  const kind = source as ListenerSourceName;
  const schema = SCHEMAS[kind];
  const own = Object.keys(schema.shape);
  for (const name of Object.keys(parsed)) {
    if (own.includes(name) || DIRIGIBLE_FIELDS.includes(name)) continue;
    const owners = SOURCES.filter((s) => s !== kind && name in SOURCE_SHAPES[s]);
    if (owners.length > 0) {
      fail(name, `field "${name}" belongs to ${owners.join(" and ")} listeners, and this is a ${kind} listener; remove it (a ${kind} listener takes: ${Object.keys(SOURCE_SHAPES[kind]).join(", ")})`);
    }
    fail(name, `field "${name}" is not a ${kind} listener field; ${unknownNameHint(name, own)}`);
  }
  const withName = { ...parsed, name: parsed["name"] ?? path.posix.basename(file, LISTENER_EXTENSION) };
  const result = schema.safeParse(withName);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    const top = String(issue.path[0] ?? "");
    const node = findNodeAtLocation(tree, issue.path as (string | number)[]);
    const at = node ? lineColumnAt(text, node.offset) : top && parsed[top] !== undefined ? fieldAt(text, tree, [top]) : lineColumnAt(text, tree.offset);
    if (top === "name" && parsed["name"] === undefined) {
      fail("name", `the file's base name "${String(withName.name)}" cannot be a listener name (${issue.message}); rename the file or add a "name" field`, at);
    }
    const missing = issue.code === "invalid_type" && node === undefined && parsed[top] === undefined;
    fail(top || field, missing ? `field "${field}" is missing; add it` : `field "${field}" ${issue.message}`, at);
  }
  const d = result.data as Record<string, unknown> & z.output<typeof SCHEMAS.amqp>;
  const common = {
    file,
    name: d.name,
    connection: d.connection,
    handler: d.handler.startsWith("/") ? d.handler.slice(1) : d.handler,
    description: d.description ?? "",
  };
  let spec: ListenerSpec;
  switch (kind) {
    case "amqp":
      spec = {
        ...common,
        source: "amqp",
        exchange: d.exchange,
        exchangeType: d.exchangeType ?? "topic",
        routingKeys: d.routingKeys ?? ["#"],
        ...(d.queue !== undefined ? { queue: d.queue } : {}),
        prefetch: d.prefetch ?? 100,
      };
      break;
    case "postgres":
      spec = { ...common, source: "postgres", channels: d["channels"] as string[] };
      break;
    case "redis": {
      const channels = (d["channels"] as string[] | undefined) ?? [];
      const patterns = (d["patterns"] as string[] | undefined) ?? [];
      if (channels.length + patterns.length === 0) {
        fail("channels", 'a redis listener needs at least one channel or pattern: add "channels": ["jobs:done"] or "patterns": ["jobs:*"]', lineColumnAt(text, tree.offset));
      }
      spec = { ...common, source: "redis", channels, patterns };
      break;
    }
    case "nats": {
      const queue = d["queue"] as string | undefined;
      spec = { ...common, source: "nats", subjects: d["subjects"] as string[], ...(queue !== undefined ? { queue } : {}) };
      break;
    }
  }
  if (connections) checkConnection(spec, connections, fieldAt(text, tree, ["connection"]));
  return spec;
}

/**
 * Checks that the connection a listener names was given by the operator and
 * reaches the kind of service its source needs; throws a descriptor error
 * naming the field "connection" otherwise.
 */
export function checkConnection(spec: ListenerSpec, connections: ReadonlyMap<string, Connection>, at?: { line: number; column: number }): void {
  const location = { file: spec.file, field: "connection", ...at };
  const connection = connections.get(spec.connection);
  if (!connection) {
    const known = [...connections.keys()];
    const which = known.length === 0 ? "this server was given no connections" : `its connections are ${known.map((k) => `"${k}"`).join(", ")}`;
    throw new AerostatError(
      UserErrorCodes.LISTENER_CONNECTION,
      `field "connection" names "${spec.connection}", which is not a connection of this server (${which}); ` +
        `start it with --connection ${spec.connection}=${NEEDS[spec.source]} (or the connections option), or name one of its connections. ` +
        "URLs and passwords never go into project files.",
      location,
    );
  }
  if (connection.kind !== spec.source) {
    throw new AerostatError(
      UserErrorCodes.LISTENER_CONNECTION,
      `field "connection" names "${connection.name}", a ${connection.kind} connection (${redactUrl(connection.url)}), but a ${spec.source} listener needs a ${spec.source} connection such as ${NEEDS[spec.source]}`,
      location,
    );
  }
}
