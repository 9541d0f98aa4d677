import { isIP, type LookupFunction } from "node:net";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { truncateText } from "../log/truncate.js";
import { formatHostPort, parseTarget, targetAllowed, type OutboundTarget } from "./outbound-policy.js";
import { guardedLookup, isLocalAddress, isLocalName } from "./self-connection.js";

/** A URI is shown in refusals and log lines at most this long. */
const URI_SHOWN = 200;

export interface OutboundGateOptions {
  /** outboundHosts: host[:port] entries. */
  readonly allowed: readonly string[];
  /** The runtime's own listening port, once it listens. */
  readonly ownPort: () => number | undefined;
  /** Whether a path is one of the server's service endpoints, and how those look. */
  readonly isServicePath: (pathname: string) => boolean;
  readonly servicePaths: string;
  readonly log: Logger;
}

export type OutboundDecision = { ok: true; lookup: LookupFunction } | { ok: false; error: string };

/**
 * Decides whether a script's createWebsocket(uri) may connect. Hosts must be
 * in outboundHosts, except this server's own service endpoints. This server
 * itself (its port on any address of this machine) is reachable only at
 * service paths: checked on the URI, and again on every address a name
 * resolves to when the connection is made. Refusals are logged, a few lines a
 * second per handler module at most.
 */
export class OutboundGate {
  private readonly refusals: RateLimitedLog;

  constructor(private readonly options: OutboundGateOptions) {
    this.refusals = new RateLimitedLog(options.log, "refused outgoing connections");
  }

  /** `api` names the script API asking ("createWebsocket", "fetch") in refusals. */
  check(handlerKey: string, uri: string, api = "createWebsocket"): OutboundDecision {
    const shown = truncateText(uri, URI_SHOWN);
    const target = parseTarget(uri);
    if (!target) return this.refuse(handlerKey, shown, `${api}: uri must be a ws://, wss://, http:// or https:// URL, got "${shown}"`);
    const self = this.selfProblem(target, shown, api);
    if (target.port === this.options.ownPort() && isLocalName(target.host)) {
      // The server itself, named as such: its service endpoints are always reachable, nothing else is.
      const why = self(target.host === "localhost" || target.host.endsWith(".localhost") ? "127.0.0.1" : target.host);
      return why ? this.refuse(handlerKey, shown, why) : this.allow(handlerKey, shown, self);
    }
    if (!targetAllowed(target, this.options.allowed)) {
      const hostPort = formatHostPort(target.host, target.port);
      return this.refuse(
        handlerKey,
        shown,
        `${api}: connecting to ${hostPort} is not allowed; start the server with --allow-outbound ${hostPort} (option outboundHosts)`,
      );
    }
    const why = isIP(target.host) ? self(target.host) : undefined;
    return why ? this.refuse(handlerKey, shown, why) : this.allow(handlerKey, shown, self);
  }

  /** Why connecting to `address` at the target's port would reach this server outside its service endpoints. */
  private selfProblem(target: OutboundTarget, shown: string, api: string): (address: string) => string | undefined {
    return (address) =>
      target.port === this.options.ownPort() && isLocalAddress(address) && !this.options.isServicePath(target.pathname)
        ? `${api}: ${shown} reaches this server itself, where scripts may open only service endpoints (${this.options.servicePaths})`
        : undefined;
  }

  private allow(handlerKey: string, shown: string, self: (address: string) => string | undefined): OutboundDecision {
    const lookup = guardedLookup((address) => {
      const why = self(address);
      if (why) this.log(handlerKey, shown, `${why} (${address})`);
      return why;
    });
    return { ok: true, lookup };
  }

  private refuse(handlerKey: string, shown: string, error: string): OutboundDecision {
    this.log(handlerKey, shown, error);
    return { ok: false, error };
  }

  private log(handlerKey: string, shown: string, why: string): void {
    this.refusals.warn(handlerKey, { handler: handlerKey, uri: shown }, `refused an outgoing connection: ${why}`);
  }
}
