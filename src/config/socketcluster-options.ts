import { z } from "zod";

/** Channels whose publications are kept, so a client that was away can recover them. */
export interface HistoryRule {
  /** A channel name, or a prefix ending in "*" ("news/*"). */
  readonly channels: string;
  /** Publications kept per channel. */
  readonly size: number;
  /** How long a publication is kept (ms). */
  readonly ttlMs: number;
}

/** The `"socketcluster"` object of a descriptor whose protocol is "socketcluster"; defaults as socketcluster-server's. */
export interface SocketClusterOptions {
  /** A `""` ping every this many ms; a client that hears none within pingTimeoutMs reconnects (4000). */
  readonly pingIntervalMs: number;
  /** A client that sends nothing (no pong) this long is closed with 4001; told to the client in the handshake. */
  readonly pingTimeoutMs: number;
  /** A connection that sends no `#handshake` this long is closed with 4005. */
  readonly handshakeTimeoutMs: number;
  /** How long `connection.invoke()` waits for the client's answer by default. */
  readonly ackTimeoutMs: number;
  /** How long a hook (onInvoke, onSubscribe, ...) may take before the client gets a TimeoutError. */
  readonly hookTimeoutMs: number;
  /** Whether clients may publish without an onPublishIn hook (off: InvalidActionError). */
  readonly clientPublish: boolean;
  /** Channels one connection may be subscribed to. */
  readonly channelLimit: number;
  /** Lifetime of a token setAuthToken() signs, unless its payload has `exp` or the call says. */
  readonly authExpirySeconds: number;
  readonly history: readonly HistoryRule[];
}

export const SOCKETCLUSTER_DEFAULTS: SocketClusterOptions = {
  pingIntervalMs: 8000,
  pingTimeoutMs: 30_000,
  handshakeTimeoutMs: 10_000,
  ackTimeoutMs: 10_000,
  hookTimeoutMs: 5000,
  clientPublish: false,
  channelLimit: 1000,
  authExpirySeconds: 86_400,
  history: [],
};

const ms = (least: number, most: number) =>
  z
    .number({ error: "must be a number of ms" })
    .int({ error: "must be a whole number of ms" })
    .min(least, { error: `must be at least ${least}` })
    .max(most, { error: `must be at most ${most}` })
    .optional();

const historyRule = z.object(
  {
    channels: z
      .string({ error: 'must be a channel name or a prefix ending in "*", such as "news/*"' })
      .min(1, { error: "must not be empty" })
      .refine((c) => !c.startsWith("#"), { error: 'must not start with "#" (names starting with "#" belong to the protocol)' })
      .refine((c) => c.indexOf("*") === -1 || c.indexOf("*") === c.length - 1, { error: 'may hold one "*", at the end ("news/*")' }),
    size: z.number({ error: "must be a number of publications" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(10_000, { error: "must be at most 10000" }),
    ttlMs: z.number({ error: "must be a number of ms" }).int({ error: "must be a whole number of ms" }).min(1000, { error: "must be at least 1000" }).max(86_400_000, { error: "must be at most 86400000 (a day)" }),
  },
  { error: 'must be an object such as {"channels": "news/*", "size": 100, "ttlMs": 300000}' },
).strict();

/** The schema of the `"socketcluster"` field; unknown fields are refused. */
export const socketClusterSchema = z
  .object(
    {
      protocolVersion: z.literal(2, { error: "must be 2 (the protocol socketcluster-client 14 and later speak)" }).optional(),
      pingIntervalMs: ms(100, 3_600_000),
      pingTimeoutMs: ms(200, 3_600_000),
      handshakeTimeoutMs: ms(100, 600_000),
      ackTimeoutMs: ms(1, 600_000),
      hookTimeoutMs: ms(1, 600_000),
      clientPublish: z.boolean({ error: "must be true or false" }).optional(),
      channelLimit: z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(100_000, { error: "must be at most 100000" }).optional(),
      authExpirySeconds: z.number({ error: "must be a number of seconds" }).int({ error: "must be a whole number of seconds" }).min(1, { error: "must be at least 1" }).max(31_536_000, { error: "must be at most 31536000 (a year)" }).optional(),
      history: z.array(historyRule, { error: 'must be a list such as [{"channels": "news/*", "size": 100, "ttlMs": 300000}]' }).max(100, { error: "may hold at most 100 rules" }).optional(),
    },
    { error: 'must be an object such as {"pingIntervalMs": 8000, "clientPublish": false}' },
  )
  .strict()
  .refine((o) => (o.pingTimeoutMs ?? SOCKETCLUSTER_DEFAULTS.pingTimeoutMs) >= leastPingTimeout(o), {
    error: (issue) => `must be at least twice pingIntervalMs (${leastPingTimeout(issue.input as { pingIntervalMs?: number })} or more here), or clients time out between two pings`,
    path: ["pingTimeoutMs"],
  });

/** The least pingTimeoutMs the options allow: twice their ping interval. */
function leastPingTimeout(o: { pingIntervalMs?: number | undefined }): number {
  return 2 * (o.pingIntervalMs ?? SOCKETCLUSTER_DEFAULTS.pingIntervalMs);
}

/**
 * For a field the schema does not know, at `path` inside the descriptor
 * (["socketcluster"] or ["socketcluster", "history", 0]): what the object is
 * called and the fields it takes, so the error can suggest the right name.
 */
export function knownFieldsAt(path: readonly PropertyKey[]): { readonly what: string; readonly known: readonly string[] } | undefined {
  if (path.length === 1 && path[0] === "socketcluster") return { what: "a socketcluster option", known: Object.keys(socketClusterSchema.shape) };
  if (path.length === 3 && path[0] === "socketcluster" && path[1] === "history") return { what: "a field of a history rule", known: Object.keys(historyRule.shape) };
  return undefined;
}

export type SocketClusterInput = z.infer<typeof socketClusterSchema>;

/** The options with their defaults filled in. */
export function socketClusterOptions(input: SocketClusterInput | undefined): SocketClusterOptions {
  const d = SOCKETCLUSTER_DEFAULTS;
  const i = input ?? {};
  return {
    pingIntervalMs: i.pingIntervalMs ?? d.pingIntervalMs,
    pingTimeoutMs: i.pingTimeoutMs ?? d.pingTimeoutMs,
    handshakeTimeoutMs: i.handshakeTimeoutMs ?? d.handshakeTimeoutMs,
    ackTimeoutMs: i.ackTimeoutMs ?? d.ackTimeoutMs,
    hookTimeoutMs: i.hookTimeoutMs ?? d.hookTimeoutMs,
    clientPublish: i.clientPublish ?? d.clientPublish,
    channelLimit: i.channelLimit ?? d.channelLimit,
    authExpirySeconds: i.authExpirySeconds ?? d.authExpirySeconds,
    history: i.history ?? d.history,
  };
}

/** The history rule a channel falls under, if any (the first that matches). */
export function historyRuleFor(rules: readonly HistoryRule[], channel: string): HistoryRule | undefined {
  for (const r of rules) {
    if (r.channels.endsWith("*") ? channel.startsWith(r.channels.slice(0, -1)) : channel === r.channels) return r;
  }
  return undefined;
}
