import { AerostatError, UserErrorCodes } from "../errors/codes.js";

/**
 * Named connections to outside services (`--connection NAME=URL`): brokers and
 * databases that `.listener` descriptors and protocol features (a MonoRail `mq`
 * resource, say) name. URLs and passwords live here, in the operator's
 * configuration, never in project files.
 */

/** A connection name: what `--connection NAME=URL` and a descriptor's "connection" field take. */
export const CONNECTION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** What a connection reaches, read off its URL's scheme. */
export type ConnectionKind = "amqp" | "postgres" | "redis" | "nats" | "ws";

const SCHEMES: Readonly<Record<string, ConnectionKind>> = {
  "amqp:": "amqp",
  "amqps:": "amqp",
  "postgres:": "postgres",
  "postgresql:": "postgres",
  "redis:": "redis",
  "rediss:": "redis",
  "nats:": "nats",
  "tls:": "nats",
  "ws:": "ws",
  "wss:": "ws",
};

/** A connection the operator gave, env: resolved. */
export interface Connection {
  readonly name: string;
  readonly kind: ConnectionKind;
  readonly url: string;
}

/** The scheme list, for error messages. */
export const CONNECTION_SCHEMES = "amqp://, amqps://, postgres://, postgresql://, redis://, rediss://, nats://, tls://, ws:// or wss://";

/** Why `url` cannot be a connection URL, or undefined when it can. */
export function connectionUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a URL; give one such as amqp://guest:guest@127.0.0.1:5672 (schemes: ${CONNECTION_SCHEMES})`;
  }
  if (!(parsed.protocol in SCHEMES)) return `has the scheme "${parsed.protocol}", which no connection takes; use ${CONNECTION_SCHEMES}`;
  if (!parsed.hostname && parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") return "names no host; add one, such as 127.0.0.1";
  return undefined;
}

/** The kind of a URL that passed connectionUrlProblem. */
export function connectionKind(url: string): ConnectionKind {
  return SCHEMES[new URL(url).protocol]!;
}

/** The URL with its password hidden, for logs and the dashboard (one function for every URL the server shows). */
export { redactUrl } from "../bus/redis-url.js";

/** The operator's connections with each "env:VAR" read from the environment; a problem names the connection and says what to do. */
export function resolveConnections(values: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, Connection> {
  const resolved = new Map<string, Connection>();
  for (const [name, value] of Object.entries(values)) {
    const field = `connections.${name}`;
    if (!CONNECTION_NAME.test(name)) {
      throw new AerostatError(UserErrorCodes.OPTION_INVALID, `connection name "${name}" may hold only letters, digits, "_", "." and "-" (1 to 64)`, { file: "(options)", field });
    }
    let url = value;
    if (value.startsWith("env:")) {
      const variable = value.slice(4);
      const found = env[variable];
      if (found === undefined || found === "") {
        throw new AerostatError(
          UserErrorCodes.OPTION_INVALID,
          `connection "${name}" reads the environment variable ${variable}, which is not set; set it to a URL such as amqp://guest:guest@127.0.0.1:5672`,
          { file: "(options)", field },
        );
      }
      url = found;
    }
    const problem = connectionUrlProblem(url);
    if (problem) {
      const source = value.startsWith("env:") ? `the environment variable ${value.slice(4)}` : "its URL";
      throw new AerostatError(UserErrorCodes.OPTION_INVALID, `connection "${name}": ${source} ${problem}`, { file: "(options)", field });
    }
    resolved.set(name, { name, kind: connectionKind(url), url });
  }
  return resolved;
}
