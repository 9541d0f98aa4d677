import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { z } from "zod";
import { unknownNameHint } from "./suggest.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { lineColumnAt } from "./text-position.js";
import { ENDPOINT_PATTERN } from "../protocol/names.js";
import { monoRailKnownFieldsAt, monoRailOptions, monoRailSchema, type MonoRailOptions } from "./monorail-options.js";
import { knownFieldsAt, socketClusterOptions, socketClusterSchema, type SocketClusterOptions } from "./socketcluster-options.js";
import { evqKnownFieldsAt, evqOptions, evqSchema, type EvqOptions } from "./evqueue-options.js";

/** A valid `.websocket` descriptor. */
export interface Descriptor {
  /** Project-relative path of the descriptor file. */
  readonly file: string;
  readonly endpoint: string;
  /** Handler module path relative to the project root, as written. */
  readonly handler: string;
  readonly description: string;
  /**
   * The engine as written. Dirigible ignores this field, and so does aerostat:
   * every handler runs on its one JavaScript engine ("graalium", "rhino", ...
   * are accepted and logged once).
   */
  readonly engine: string;
  /**
   * Where the handler runs: "shared" (default) puts it in the isolate of its
   * top-level project folder, beside that folder's other handlers; "own" gives
   * it an isolate of its own, so a neighbour's CPU-limit stop or memory bomb
   * neither delays nor restarts it.
   */
  readonly isolate: IsolateMode;
  /**
   * What clients speak: "raw" (default) hands every frame to onMessage;
   * "socketcluster" speaks SocketCluster's protocol (v2), so the stock
   * socketcluster-client connects: handshake, pings, channels, RPC and sign-in
   * are kept by the host, and the handler answers hooks; "monorail" speaks
   * RackHD's MonoRail JSON frames (init, query, all, get, watch, stop),
   * answered from the resources the handler registers with net/v4/monorail;
   * "evqueue" speaks evQueue's XML API and event subscriptions (subprotocols
   * "api" and "events"), answered by the handler's onApi (and onAuth).
   */
  readonly protocol: EndpointProtocol;
  /** The socketcluster options, defaults filled in (present when protocol is "socketcluster"). */
  readonly socketcluster?: SocketClusterOptions;
  /** The monorail options, defaults filled in (present when protocol is "monorail"). */
  readonly monorail?: MonoRailOptions;
  /** The evqueue options, defaults filled in (present when protocol is "evqueue"). */
  readonly evqueue?: EvqOptions;
  readonly limits: EndpointLimits;
}

export type IsolateMode = "shared" | "own";
export type EndpointProtocol = "raw" | "socketcluster" | "monorail" | "evqueue";

/** Per-endpoint protections against clients; each has a safe default. */
export interface EndpointLimits {
  /** Largest frame accepted, in bytes; a larger one closes the session with 1009. */
  readonly maxPayload: number;
  /** Open sessions at most; further handshakes get HTTP 503. */
  readonly maxSessions: number;
  /**
   * Origins allowed to connect, e.g. "https://app.example.com"; "*" allows any.
   * Requests without an Origin header (non-browser clients) and same-origin
   * requests are always allowed. Others get HTTP 403.
   */
  readonly allowedOrigins: readonly string[];
  /** Close a session that sent nothing for this long (ms); 0 turns it off. */
  readonly idleTimeoutMs: number;
  /** Ping every this many ms; a peer that has not answered the last ping is terminated. 0 turns it off. */
  readonly heartbeatMs: number;
}

export const DEFAULT_LIMITS: EndpointLimits = {
  maxPayload: 1024 * 1024,
  maxSessions: 1000,
  allowedOrigins: [],
  idleTimeoutMs: 0,
  heartbeatMs: 30_000,
};

export { ENDPOINT_PATTERN } from "../protocol/names.js";

/** Fields Dirigible writes into descriptors that aerostat has no use for: accepted, and ignored. */
export const DIRIGIBLE_FIELDS: readonly string[] = ["location", "createdBy", "createdAt", "updatedBy", "updatedAt"];

const descriptorSchema = z.object({
  handler: z
    .string({ error: 'must be a string such as "my-project/ws-handler"' })
    .min(1, { error: "must not be empty" })
    // Dirigible writes handler paths from the project root with a leading "/": one is accepted.
    .refine((h) => !h.startsWith("//") && !h.startsWith("\\") && !/^[A-Za-z]:/.test(h), {
      error: 'must be relative to the project root, such as "my-project/ws-handler" (one leading "/", as Dirigible writes it, is fine), not a path on the machine',
    })
    .refine((h) => !h.split(/[\\/]/).includes(".."), { error: 'must stay inside the project: remove ".."' }),
  endpoint: z
    .string({ error: "must be a string" })
    .regex(ENDPOINT_PATTERN, { error: "may contain only letters, digits, '.', '_' and '-'" }),
  description: z.string({ error: "must be a string" }).optional(),
  engine: z.string({ error: 'must be a string such as "javascript" (any engine name is served by aerostat\'s one JavaScript engine)' }).optional(),
  isolate: z
    .enum(["shared", "own"], {
      error: 'must be "shared" (the handler runs in its project folder\'s isolate, the default) or "own" (an isolate of its own)',
    })
    .optional(),
  protocol: z
    .enum(["raw", "socketcluster", "monorail", "evqueue"], {
      error:
        'must be "raw" (frames go to onMessage, the default), "socketcluster" (SocketCluster\'s protocol, for socketcluster-client), "monorail" (RackHD MonoRail JSON frames) or "evqueue" (evQueue\'s XML API and events)',
    })
    .optional(),
  socketcluster: socketClusterSchema.optional(),
  maxPayload: z
    .number({ error: "must be a number of bytes" })
    .int({ error: "must be a whole number of bytes" })
    .min(1, { error: "must be at least 1" })
    .max(64 * 1024 * 1024, { error: "must be at most 67108864 (64 MiB)" })
    .optional(),
  maxSessions: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(1_000_000, { error: "must be at most 1000000" })
    .optional(),
  allowedOrigins: z
    .array(
      z.string().refine((o) => o === "*" || /^https?:\/\/[^/\s]+$/.test(o), {
        error: 'must hold "*" or origins like "https://app.example.com" (scheme and host, no path)',
      }),
      { error: 'must be a list such as ["https://app.example.com"]' },
    )
    .optional(),
  idleTimeoutMs: z
    .number({ error: "must be a number of ms" })
    .int({ error: "must be a whole number of ms" })
    .min(0, { error: "must be 0 (off) or more" })
    .optional(),
  heartbeatMs: z
    .number({ error: "must be a number of ms" })
    .int({ error: "must be a whole number of ms" })
    .refine((v) => v === 0 || v >= 100, { error: "must be 0 (off) or at least 100" })
    .optional(),
  monorail: monoRailSchema.optional(),
  evqueue: evqSchema.optional(),
});

/** Parses and validates one descriptor file's text. Throws AerostatError naming file, line and field. */
export function parseDescriptor(file: string, text: string): Descriptor {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first || !tree) {
    const at = lineColumnAt(text, first?.offset ?? 0);
    const reason = first ? describeJsonError(printParseErrorCode(first.error)) : "the file is empty";
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_JSON,
      `not valid JSON: ${reason}. Fix the JSON; the last good version keeps serving meanwhile.`,
      { file, ...at },
    );
  }
  if (tree.type !== "object") {
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      'a descriptor must be a JSON object such as {"handler": "my-project/ws-handler", "endpoint": "my-endpoint"}',
      { file, line: 1, column: 1 },
    );
  }
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const name of Object.keys(parsed)) {
    if (name in descriptorSchema.shape || DIRIGIBLE_FIELDS.includes(name)) continue;
    const node = findNodeAtLocation(tree, [name])?.parent;
    const at = lineColumnAt(text, node?.offset ?? tree.offset);
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      `field "${name}" is not a descriptor field; ${unknownNameHint(name, Object.keys(descriptorSchema.shape))}`,
      { file, field: name, ...at },
    );
  }
  const result = descriptorSchema.safeParse(parsed);
  if (!result.success) {
    // A misspelt field is the cause of its correct name's "missing": report it first.
    const issues = result.error.issues;
    const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0]!;
    const known = issue.code === "unrecognized_keys" ? (knownFieldsAt(issue.path) ?? monoRailKnownFieldsAt(issue.path) ?? evqKnownFieldsAt(issue.path)) : undefined;
    if (issue.code === "unrecognized_keys" && known) {
      // A field inside an object of the descriptor ("socketcluster": {...}) that the object does not take.
      const key = String(issue.keys[0]);
      const path = [...issue.path, key] as (string | number)[];
      const field = path.map(String).join(".");
      const at = lineColumnAt(text, findNodeAtLocation(tree, path)?.parent?.offset ?? tree.offset);
      throw new AerostatError(UserErrorCodes.DESCRIPTOR_FIELD, `field "${field}" is not ${known.what}; ${unknownNameHint(key, known.known)}`, { file, field, ...at });
    }
    const field = issue.path.map(String).join(".") || "(root)";
    const node: Node | undefined = findNodeAtLocation(tree, issue.path as (string | number)[]);
    const at = lineColumnAt(text, node?.offset ?? tree.offset);
    const message =
      issue.code === "invalid_type" && node === undefined
        ? `field "${field}" is missing; add it`
        : `field "${field}" ${issue.message}`;
    throw new AerostatError(UserErrorCodes.DESCRIPTOR_FIELD, message, { file, field, ...at });
  }
  const d = result.data;
  if (d.socketcluster !== undefined && d.protocol !== "socketcluster") {
    const node = findNodeAtLocation(tree, ["socketcluster"])?.parent;
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      'field "socketcluster" applies only to socketcluster endpoints; add "protocol": "socketcluster" or remove it',
      { file, field: "socketcluster", ...lineColumnAt(text, node?.offset ?? tree.offset) },
    );
  }
  if (d.monorail !== undefined && d.protocol !== "monorail") {
    const node = findNodeAtLocation(tree, ["monorail"])?.parent;
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      'field "monorail" applies only to monorail endpoints; add "protocol": "monorail" or remove it',
      { file, field: "monorail", ...lineColumnAt(text, node?.offset ?? tree.offset) },
    );
  }
  if (d.evqueue !== undefined && d.protocol !== "evqueue") {
    const node = findNodeAtLocation(tree, ["evqueue"])?.parent;
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      'field "evqueue" applies only to evqueue endpoints; add "protocol": "evqueue" or remove it',
      { file, field: "evqueue", ...lineColumnAt(text, node?.offset ?? tree.offset) },
    );
  }
  const protocol = d.protocol ?? "raw";
  return {
    file,
    endpoint: d.endpoint,
    handler: d.handler.startsWith("/") ? d.handler.slice(1) : d.handler,
    description: d.description ?? "",
    engine: d.engine ?? "javascript",
    isolate: d.isolate ?? "shared",
    protocol,
    ...(protocol === "socketcluster" ? { socketcluster: socketClusterOptions(d.socketcluster) } : {}),
    ...(protocol === "monorail" ? { monorail: monoRailOptions(d.monorail) } : {}),
    ...(protocol === "evqueue" ? { evqueue: evqOptions(d.evqueue) } : {}),
    limits: {
      maxPayload: d.maxPayload ?? DEFAULT_LIMITS.maxPayload,
      maxSessions: d.maxSessions ?? DEFAULT_LIMITS.maxSessions,
      allowedOrigins: d.allowedOrigins ?? DEFAULT_LIMITS.allowedOrigins,
      idleTimeoutMs: d.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs,
      heartbeatMs: d.heartbeatMs ?? DEFAULT_LIMITS.heartbeatMs,
    },
  };
}

function describeJsonError(code: string): string {
  // "CloseBraceExpected" → "close brace expected"
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
