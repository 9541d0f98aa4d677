import pg from "pg";
import type { PostgresListenerSpec } from "../../config/listener-spec.js";
import { redactUrl, type Connection } from "../../config/connections.js";
import type { Logger } from "../../log/logger.js";
import type { ListenerSource, SourceHooks, SourceState } from "../source.js";
import { reasonOf } from "../body-text.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";

/** Timings of a postgres source; the defaults suit production, tests shorten them. */
export interface PostgresSourceOptions {
  /** How often an idle connection is asked `SELECT 1`, in ms (default 10 s). */
  readonly keepaliveMs?: number;
  /** How long the answer may take before the connection counts as dead, in ms (default 5 s). */
  readonly keepaliveTimeoutMs?: number;
  /** Reconnect delays (default 100 ms doubling to 5 s, with jitter). */
  readonly backoff?: BackoffOptions;
}

/** How long making a connection may take before it counts as failed. */
const CONNECT_TIMEOUT_MS = 5000;

/** The application_name a listener's connection shows in pg_stat_activity. */
export function postgresApplicationName(listener: string): string {
  return `aerostat-listener:${listener}`;
}

/** `name` as a quoted SQL identifier: any name can be a channel. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Postgres LISTEN/NOTIFY for a postgres `.listener`: one dedicated pg.Client
 * (never a pooled one: a pool hands the connection on and the LISTEN with it,
 * node-postgres #967). A connection can die without a word (node-postgres
 * #3003), so an idle one is asked `SELECT 1` every 10 s and counts as lost
 * when no answer comes in 5 s. After any loss the source reconnects with
 * backoff, LISTENs again and says connected(true): notifications sent in
 * between are gone, and the handler's gap message says so.
 */
export function postgresSource(
  spec: PostgresListenerSpec,
  connection: Connection,
  hooks: SourceHooks,
  log: Logger,
  options: PostgresSourceOptions = {},
): ListenerSource {
  return new PostgresSource(spec, connection, hooks, log, options);
}

class PostgresSource implements ListenerSource {
  state: SourceState = "connecting";
  private client: pg.Client | undefined;
  private started = false;
  private pinging = false;
  private everUp = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private readonly where: string;

  constructor(
    private readonly spec: PostgresListenerSpec,
    private readonly connection: Connection,
    private readonly hooks: SourceHooks,
    private readonly log: Logger,
    private readonly options: PostgresSourceOptions,
  ) {
    this.where = `PostgreSQL connection "${connection.name}" (${redactUrl(connection.url)})`;
  }

  start(): void {
    if (this.started || this.state === "closed") return;
    this.started = true;
    void this.open();
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.retryTimer);
    clearInterval(this.keepaliveTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await endClient(client, 2000);
  }

  /** Connects, LISTENs to every channel, and starts the keepalive. */
  private async open(): Promise<void> {
    this.retryTimer = undefined;
    let client: pg.Client;
    try {
      client = new pg.Client({
        connectionString: this.connection.url,
        application_name: postgresApplicationName(this.spec.name),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
      });
    } catch (err) {
      // Options pg refuses will not change by trying again: the listener stays down, saying why.
      this.state = "down";
      this.hooks.lost(`${this.where}: the PostgreSQL client refused it: ${reasonOf(err)}`);
      return;
    }
    this.client = client;
    // Handlers stay for the client's whole life, so a late 'error' from a client already given up is never unhandled.
    client.on("error", (err) => this.fail(client, `${this.where}: ${reasonOf(err)}`));
    client.on("end", () => this.fail(client, `${this.where}: the connection ended`));
    client.on("notification", (n) => {
      if (this.client !== client) return;
      this.hooks.deliver({ text: n.payload ?? "", channel: n.channel }).catch((err: unknown) => {
        this.log.error({ listener: this.spec.name, err }, `listener ${this.spec.name}: delivering a notification failed`);
      });
    });
    try {
      await client.connect();
      for (const channel of this.spec.channels) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (err) {
      this.fail(client, `${this.where}: could not connect and listen: ${reasonOf(err)}`);
      return;
    }
    if (this.client !== client) return;
    this.state = "up";
    this.attempt = 0;
    this.pinging = false;
    this.keepaliveTimer = setInterval(() => this.ping(client), this.options.keepaliveMs ?? 10_000);
    this.hooks.connected(this.everUp);
    this.everUp = true;
  }

  /** Asks `SELECT 1`; no answer in time means the connection is gone, whatever the socket says. */
  private ping(client: pg.Client): void {
    if (this.pinging) return;
    this.pinging = true;
    const timeoutMs = this.options.keepaliveTimeoutMs ?? 5000;
    const timer = setTimeout(() => this.fail(client, `${this.where}: no answer to the keepalive SELECT 1 within ${timeoutMs} ms`), timeoutMs);
    client
      .query("SELECT 1")
      .then(
        () => undefined,
        (err: unknown) => this.fail(client, `${this.where}: keepalive failed: ${reasonOf(err)}`),
      )
      .finally(() => {
        clearTimeout(timer);
        if (this.client === client) this.pinging = false;
      });
  }

  /** `client` is gone: tell the listener (once per drop), drop the client and try again after a delay. */
  private fail(client: pg.Client, reason: string): void {
    if (this.client !== client || this.state === "closed") return;
    this.client = undefined;
    clearInterval(this.keepaliveTimer);
    void endClient(client, 2000);
    if (this.state !== "down") {
      this.state = "down";
      this.hooks.lost(reason);
    } else {
      this.log.debug({ listener: this.spec.name }, `listener ${this.spec.name}: ${reason}`);
    }
    const delay = backoffDelay(this.attempt++, this.options.backoff);
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }
}

/** Ends `client`, cutting its socket when the goodbye takes longer than `ms` (a dead peer never answers). */
async function endClient(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().catch(() => undefined);
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  if ((await Promise.race([ended, late])) === "late") socketOf(client)?.destroy();
  clearTimeout(timer);
}

/** The client's socket: pg keeps it as connection.stream (not in its types). */
function socketOf(client: pg.Client): { destroy(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
}
