import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { resolveConnections, type Connection } from "./connections.js";
import { redisUrlProblem } from "../bus/redis-url.js";
import { DEFAULT_OUTBOUND_HOSTS, outboundEntryProblem } from "../outbound/outbound-policy.js";
import type { Logger } from "../log/logger.js";
import { unknownNameHint } from "./suggest.js";
import { NODE_NAME } from "../protocol/names.js";

/** Who may see the dashboard: only this machine, anyone who can reach the server, or nobody. */
export type DashboardAccess = "loopback" | "anywhere" | "off";

/** Who may run script services: only this machine, anyone who can reach the server, or nobody. */
export type ScriptServiceAccess = "loopback" | "anywhere" | "off";

/** Options of createRuntime(). Only projectRoot is required. */
export interface RuntimeOptions {
  /** Folder holding handler scripts and .websocket descriptors. */
  projectRoot: string;
  /** Port for listen(); 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface for listen(). Default "127.0.0.1". */
  host?: string;
  /** Attach to this HTTP server instead of creating one. */
  server?: Server;
  /** CPU time a handler may spend on one event, in ms. Default 1000. */
  cpuLimitMs?: number;
  /** Heap limit of each project isolate, in MB. Default 128. */
  memoryLimitMb?: number;
  /** Live timers per handler module. Default 1000. */
  maxTimers?: number;
  /** Outgoing operations (sends, closes, logs) one event may produce. Default 10000. */
  maxOutboxEntries?: number;
  /** Events queued per handler module before the sockets feeding it are paused. Default 1024. */
  maxQueuedEvents?: number;
  /** Payload bytes queued per handler module before the sockets feeding it are paused (one peer may hold a quarter). Default 16 MiB. */
  maxQueuedBytes?: number;
  /**
   * Run a lone event of a quick handler on the host's thread, saving two thread
   * hand-overs per round trip; the event loop waits while it runs (see the
   * README's security model). Default true.
   */
  inlineDispatch?: boolean;
  /** Bytes a session may have waiting to be sent before it is closed with 1013. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Isolate crashes per project folder within a minute before its handlers are disabled. Default 3. */
  maxCrashesPerMinute?: number;
  /**
   * host[:port] entries scripts may open outgoing WebSockets to: "api.example.com",
   * "*.example.com", "127.0.0.1:9000", "[::1]:9000", or "*" for any. An entry
   * without a port allows every port. Default: none (this server's own service
   * endpoints are always reachable).
   */
  outboundHosts?: string[];
  /** Outgoing clients one project folder may have open. Default 100. */
  maxClientsPerProject?: number;
  /** A client must finish sending its HTTP request headers within this many ms (slowloris guard). Default 10000. Applies when aerostat creates the server. */
  handshakeTimeoutMs?: number;
  /** Watch the project and reload on change. Default true. */
  watch?: boolean;
  /** A burst of file events is handled once it has been quiet this long, in ms. Default 10. */
  reloadDebounceMs?: number;
  /** Folder served at "/" over HTTP; false for none. Default "<projectRoot>/public" when it exists. */
  staticDir?: string | false;
  /** Where logs go. Default: pino to stdout. */
  logger?: Logger;
  /** Who may see the dashboard at /websockets/v4/: "loopback" (default), "anywhere", or "off". */
  dashboard?: DashboardAccess;
  /**
   * Who may run script services (files requested at /services/js/<path> or
   * /services/v4/js/<path>): "loopback" (default), "anywhere", or "off".
   */
  scriptServices?: ScriptServiceAccess;
  /** The dashboard's secret (`?token=`), at least 16 URL-safe characters. Default: 128 random bits per runtime. */
  dashboardToken?: string;
  /**
   * Host names service handshakes may name besides IP literals, "localhost",
   * "*.localhost" and `host` (DNS rebinding guard): "app.example.com",
   * ".example.com" for it and its subdomains, or "*" for any. Default: none.
   */
  allowedHosts?: string[];
  /**
   * Values scripts read with core/v4/configurations' get(): signing keys, API
   * tokens, settings. A value "env:VAR" is read from the environment variable
   * VAR when the runtime is made. Names: letters, digits, "_", ".", "-".
   */
  configurations?: Record<string, string>;
  /**
   * Named connections to brokers and databases that `.listener` descriptors
   * and MonoRail `mq` resources name: NAME → URL (amqp://, postgres://,
   * redis://, nats://, ws://; "env:VAR" reads the environment variable VAR).
   * Project files name a connection, never a URL or a password.
   */
  connections?: Record<string, string>;
  /**
   * What carries broadcasts between sessions: "memory" (this process only, the
   * default) or "redis" (every node on the same Redis; see redisUrl).
   */
  engine?: "memory" | "redis";
  /** The Redis the "redis" engine uses; "env:VAR" reads it from the environment variable VAR. Default "redis://127.0.0.1:6379". */
  redisUrl?: string;
  /** This node's name among the nodes on one Redis: letters, digits, "-" and "_". Default "<hostname>-<pid>". */
  nodeName?: string;
  /** The Redis is a Redis Cluster: sharded pub/sub (SSUBSCRIBE/SPUBLISH). Default false. */
  redisCluster?: boolean;
  /**
   * Project folders whose net/v4/events also speak the wire format of the
   * `server-events` package, so plain Node workers using it and the project's
   * scripts hear each other: emit PUBLISHes `JSON [name, id, ...args]` on
   * channel "<name>:<id>", on() SUBSCRIBEs it. Top-level folder names; "" or
   * "(root)" for the root. The redis engine on one server only. Default: none.
   */
  serverEventsCompat?: string[];
  /**
   * The key socketcluster endpoints sign sign-in tokens (JWT, HS256) with: at
   * least 32 bytes, the same on every node. Without it (and without
   * authKeyFile) the memory engine makes a random key per process (tokens die
   * with a restart); the redis engine refuses to serve socketcluster endpoints.
   */
  authKey?: string | Uint8Array;
  /** A file holding the key (what `--auth-key-file` gives); its bytes, less a trailing newline, are the key. */
  authKeyFile?: string;
}

/** A node name: what `--node-name` and the nodeName option take. */
export { NODE_NAME } from "../protocol/names.js";

/** A configuration name: what `--config NAME=VALUE` and configurations.get() take. */
export const CONFIG_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

const schema = z.object({
  projectRoot: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default("127.0.0.1"),
  server: z.custom<Server>((v) => v === undefined || (typeof v === "object" && v !== null && "listen" in v)).optional(),
  cpuLimitMs: z.number().int().min(1).max(60_000).default(1000),
  memoryLimitMb: z.number().int().min(16).max(16_384).default(128),
  maxTimers: z.number().int().min(0).max(1_000_000).default(1000),
  maxOutboxEntries: z.number().int().min(1).max(10_000_000).default(10_000),
  maxQueuedEvents: z.number().int().min(2).max(10_000_000).default(1024),
  maxQueuedBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
  inlineDispatch: z.boolean().default(true),
  maxBufferedBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
  maxCrashesPerMinute: z.number().int().min(1).max(1000).default(3),
  outboundHosts: z
    .array(
      z.string().superRefine((entry, ctx) => {
        const problem = outboundEntryProblem(entry);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .default([...DEFAULT_OUTBOUND_HOSTS]),
  maxClientsPerProject: z.number().int().min(0).max(1_000_000).default(100),
  handshakeTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  watch: z.boolean().default(true),
  reloadDebounceMs: z.number().int().min(0).max(10_000).default(10),
  staticDir: z.union([z.string(), z.literal(false)]).optional(),
  dashboard: z.enum(["loopback", "anywhere", "off"]).default("loopback"),
  scriptServices: z.enum(["loopback", "anywhere", "off"]).default("loopback"),
  dashboardToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -")
    .optional(),
  allowedHosts: z.array(z.string().regex(/^(\*|\.?[A-Za-z0-9_.-]+)$/, 'must be a host name, ".example.com" or "*"')).default([]),
  configurations: z
    .record(
      z.string().regex(CONFIG_NAME, 'names may hold only letters, digits, "_", "." and "-"'),
      z.string({ error: 'must be a string (or "env:VAR" to read the environment variable VAR)' }).max(64 * 1024, "must be at most 65536 characters"),
    )
    .default({}),
  connections: z.record(z.string(), z.string({ error: 'must be a URL string (or "env:VAR" to read the environment variable VAR)' })).default({}),
  logger: z.custom<Logger>((v) => v === undefined || (typeof v === "object" && v !== null)).optional(),
  engine: z.enum(["memory", "redis"]).default("memory"),
  redisUrl: z
    .string()
    .superRefine((url, ctx) => {
      const problem = url.startsWith("env:") ? undefined : redisUrlProblem(url);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  nodeName: z.string().regex(NODE_NAME, 'must be 1 to 64 letters, digits, "-" or "_"').optional(),
  redisCluster: z.boolean().default(false),
  authKey: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
  authKeyFile: z.string().min(1).optional(),
  serverEventsCompat: z
    .array(
      z
        .string()
        .refine((name) => name === "" || name === "(root)" || (name !== "." && name !== ".." && !/[/\\]/.test(name)), {
          message: 'must name a top-level project folder (no "/"), or be "" or "(root)" for the root',
        }),
    )
    .optional(),
}).strict();

export type ResolvedOptions = Omit<z.output<typeof schema>, "redisUrl" | "nodeName" | "serverEventsCompat" | "authKey" | "authKeyFile" | "connections"> & {
  /** The operator's named connections, env: resolved. */
  connections: ReadonlyMap<string, Connection>;
  /** The shared sign-in key (authKey, or authKeyFile's bytes); undefined when neither was given. */
  authKey: Uint8Array | undefined;
  projectRoot: string;
  /** The Redis URL with "env:VAR" resolved ("" for the memory engine). */
  redisUrl: string;
  /** This node's name ("" for the memory engine). */
  nodeName: string;
  /** Projects in server-events compatibility mode ("" for the root). */
  serverEventsCompat: string[];
};

/** Validates options; an error names the option and the allowed range. */
export function resolveOptions(input: RuntimeOptions): ResolvedOptions {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const name = String(issue.keys[0]);
      throw new AerostatError(UserErrorCodes.OPTION_INVALID, `option "${name}" is not an option of createRuntime(); ${unknownNameHint(name, Object.keys(schema.shape))}`, {
        file: "(options)",
        field: name,
      });
    }
    const field = issue.path.map(String).join(".");
    throw new AerostatError(UserErrorCodes.OPTION_INVALID, `option "${field}": ${issue.message}`, {
      file: "(options)",
      field,
    });
  }
  const { authKey: _key, authKeyFile: _file, connections, ...rest } = result.data;
  return {
    ...rest,
    connections: resolveConnections(connections),
    authKey: readAuthKey(result.data.authKey, result.data.authKeyFile),
    configurations: fromEnvironment(result.data.configurations),
    projectRoot: path.resolve(result.data.projectRoot),
    ...engineOptions(result.data),
  };
}

/** The engine's URL (env: resolved) and node name; options that only the redis engine takes are refused with the memory engine. */
function engineOptions(data: z.output<typeof schema>): { redisUrl: string; nodeName: string; serverEventsCompat: string[] } {
  const invalid = (field: string, message: string) => new AerostatError(UserErrorCodes.OPTION_INVALID, `option "${field}": ${message}`, { file: "(options)", field });
  if (data.engine === "memory") {
    for (const field of ["redisUrl", "nodeName", "redisCluster", "serverEventsCompat"] as const) {
      if (data[field] !== undefined && data[field] !== false) throw invalid(field, 'is used by the redis engine only; set engine to "redis" (--engine redis), or leave it out');
    }
    return { redisUrl: "", nodeName: "", serverEventsCompat: [] };
  }
  const serverEventsCompat = [...new Set((data.serverEventsCompat ?? []).map((name) => (name === "(root)" ? "" : name)))];
  if (serverEventsCompat.length > 0 && data.redisCluster) {
    throw invalid("serverEventsCompat", "works on one Redis server only, not with redisCluster (--redis-cluster): server-events workers use classic PUBLISH/SUBSCRIBE");
  }
  let redisUrl = data.redisUrl ?? "redis://127.0.0.1:6379";
  if (redisUrl.startsWith("env:")) {
    const variable = redisUrl.slice(4);
    const found = process.env[variable];
    if (found === undefined || found === "") throw invalid("redisUrl", `reads the environment variable ${variable}, which is not set; set it to a URL such as redis://127.0.0.1:6379`);
    const problem = redisUrlProblem(found);
    if (problem) throw invalid("redisUrl", `the environment variable ${variable} ${problem}`);
    redisUrl = found;
  }
  return { redisUrl, nodeName: data.nodeName ?? defaultNodeName(), serverEventsCompat };
}

/** Bytes a sign-in key must have at least (HS256 wants a key as long as its hash). */
export const MIN_AUTH_KEY_BYTES = 32;

/** The sign-in key from the option or the file; an error names the option and says what to do. */
function readAuthKey(key: string | Uint8Array | undefined, file: string | undefined): Uint8Array | undefined {
  const invalid = (field: string, message: string) => new AerostatError(UserErrorCodes.OPTION_INVALID, `option "${field}": ${message}`, { file: file ?? "(options)", field });
  if (key !== undefined && file !== undefined) throw invalid("authKeyFile", "give authKey or authKeyFile (--auth-key-file), not both");
  let bytes: Uint8Array | undefined;
  if (typeof key === "string") bytes = new TextEncoder().encode(key);
  else if (key !== undefined) bytes = key;
  else if (file !== undefined) {
    let text: Buffer;
    try {
      text = readFileSync(file);
    } catch (error) {
      throw invalid("authKeyFile", `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); make a key with: openssl rand -base64 48 > ${path.basename(file)}`);
    }
    let end = text.length;
    while (end > 0 && (text[end - 1] === 0x0a || text[end - 1] === 0x0d)) end--;
    bytes = new Uint8Array(text.subarray(0, end));
  }
  if (bytes !== undefined && bytes.length < MIN_AUTH_KEY_BYTES) {
    throw invalid(file !== undefined ? "authKeyFile" : "authKey", `the key has ${bytes.length} bytes and needs at least ${MIN_AUTH_KEY_BYTES}; make one with: openssl rand -base64 48`);
  }
  return bytes;
}

/** "<hostname>-<pid>", with what a node name may not hold replaced by "-". */
export function defaultNodeName(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 40) || "node";
  return `${host}-${process.pid}`;
}

/** Configuration values with each "env:VAR" replaced by the variable's value; a missing variable is an error naming it. */
function fromEnvironment(values: Record<string, string>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!value.startsWith("env:")) {
      resolved[name] = value;
      continue;
    }
    const variable = value.slice(4);
    const found = process.env[variable];
    if (found === undefined) {
      throw new AerostatError(
        UserErrorCodes.OPTION_INVALID,
        `configuration "${name}" reads the environment variable ${variable}, which is not set; set it, or give the value directly`,
        { file: "(options)", field: `configurations.${name}` },
      );
    }
    resolved[name] = found;
  }
  return resolved;
}
