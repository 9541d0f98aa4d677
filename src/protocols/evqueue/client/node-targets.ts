import { CONNECTION_NAME, redactUrl, type Connection } from "../../../config/connections.js";
import { ClusterLimits } from "./limits.js";
import { credentialsOf, type Credentials } from "./sign-in.js";

/**
 * The nodes a script gave createCluster, resolved against the operator's
 * connections. Credentials never come from the script: a node is either the
 * name of a `--connection NAME=ws://user:password@host:port/…` (its URL and
 * credentials are used) or a ws:// / wss:// URL without a user part, which
 * signs in with the credentials of `options.connection` only when it is that
 * connection's URL (scheme, host, port and path equal; its query aside): a
 * script cannot relay the operator's sign-in (the user and an HMAC of a
 * challenge the peer chose) to another port, path or scheme of that host.
 */

/** One node to connect to. */
export interface NodeTarget {
  /** What the script wrote: a connection name or a URL. */
  readonly given: string;
  /** The URL to connect to, without a user part (credentials go in the sign-in, never in the handshake). */
  readonly url: string;
  /** The URL as logs, errors and the script see it: secrets in its query hidden. */
  readonly shown: string;
  readonly credentials?: Credentials;
  /** The connection the URL or the credentials come from. */
  readonly connection?: string;
}

const API = "createCluster(nodes, options)";

/** The operator's ws connections, for error messages. */
function wsNames(connections: ReadonlyMap<string, Connection>): string {
  const names = [...connections.values()].filter((c) => c.kind === "ws").map((c) => c.name);
  return names.length > 0 ? `the ws connections are ${names.join(", ")}` : "the server was started with no ws connection";
}

/** A URL without its user part and fragment. */
function bare(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  copy.hash = "";
  return copy.href;
}

/** The URL to connect to, and as it is shown. */
function where(url: URL): { url: string; shown: string } {
  const plain = bare(url);
  return { url: plain, shown: redactUrl(plain) };
}

/** Whether `node` is the URL of `connection`: scheme, host, port and path equal (credentials, query and fragment aside). */
function sameEndpoint(node: URL, connection: URL): boolean {
  return node.protocol === connection.protocol && node.hostname === connection.hostname && node.port === connection.port && node.pathname === connection.pathname;
}

/** The named ws connection, or a TypeError naming `what`. */
function wsConnection(connections: ReadonlyMap<string, Connection>, name: string, what: string): Connection {
  const found = connections.get(name);
  if (!found) throw new TypeError(`${API}: ${what} "${name}" is no connection of this server (${wsNames(connections)}); start it with --connection ${name}=ws://user:password@host:port`);
  if (found.kind !== "ws") throw new TypeError(`${API}: ${what} "${name}" is a ${found.kind} connection; an evQueue node needs a ws:// or wss:// one (${wsNames(connections)})`);
  return found;
}

function credentialsFrom(connection: Connection, what: string): Credentials | undefined {
  const found = credentialsOf(new URL(connection.url));
  if (typeof found === "string") throw new TypeError(`${API}: ${what}: connection "${connection.name}": ${found}; fix the server's --connection option`);
  return found;
}

/** Resolves the script's nodes and options.connection; throws a TypeError or RangeError that names the argument and says what to do. */
export function resolveTargets(nodes: unknown, connectionName: string | null, connections: ReadonlyMap<string, Connection>): NodeTarget[] {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new TypeError(`${API}: nodes must be a non-empty array of connection names or ws:// URLs, such as ["evqueue"] or ["ws://127.0.0.1:5001"]`);
  }
  if (nodes.length > ClusterLimits.maxNodesPerCluster) {
    throw new RangeError(`${API}: ${nodes.length} nodes given; a cluster has at most ${ClusterLimits.maxNodesPerCluster}`);
  }
  const signer = connectionName === null ? undefined : wsConnection(connections, connectionName, "options.connection");
  const signerUrl = signer ? new URL(signer.url) : undefined;
  const shared = signer ? credentialsFrom(signer, "options.connection") : undefined;
  if (signer && !shared) {
    throw new TypeError(`${API}: options.connection "${signer.name}" has no user in its URL; give the server --connection ${signer.name}=ws://user:password@host:port, or leave options.connection out`);
  }
  const seen = new Set<string>();
  return nodes.map((node, i): NodeTarget => {
    const what = `nodes[${i}]`;
    if (typeof node !== "string" || node === "" || node.length > ClusterLimits.maxNodeChars) {
      throw new TypeError(`${API}: ${what} must be a connection name or a ws:// URL of at most ${ClusterLimits.maxNodeChars} characters`);
    }
    if (seen.has(node)) throw new TypeError(`${API}: ${what} "${node}" is given twice; give each node once`);
    seen.add(node);
    if (CONNECTION_NAME.test(node)) {
      const named = wsConnection(connections, node, what);
      const url = new URL(named.url);
      const credentials = credentialsFrom(named, what);
      return { given: node, ...where(url), connection: named.name, ...(credentials ? { credentials } : {}) };
    }
    let url: URL;
    try {
      url = new URL(node);
    } catch {
      throw new TypeError(`${API}: ${what} is neither a ws:// or wss:// URL nor a connection name (${wsNames(connections)})`);
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      throw new TypeError(`${API}: ${what} must be a ws:// or wss:// URL (or a connection name), not a ${url.protocol} URL`);
    }
    if (url.username || url.password) {
      throw new TypeError(
        `${API}: ${what} carries a user or password in its URL; credentials come only from the server's options: ` +
          "start it with --connection NAME=ws://user:password@host:port and give NAME as the node, or as options.connection",
      );
    }
    if (!signer || !signerUrl) return { given: node, ...where(url) };
    if (!sameEndpoint(url, signerUrl)) {
      throw new TypeError(
        `${API}: ${what} ${where(url).shown} is not the URL of options.connection "${signer.name}" (${where(signerUrl).shown}), ` +
          "whose credentials sign in only there (scheme, host, port and path the same); " +
          `give the connection name "${signer.name}" as the node instead, or give this node a connection of its own (--connection NAME=${url.protocol}//user:password@${url.host}${url.pathname})`,
      );
    }
    return { given: node, ...where(url), credentials: shared!, connection: signer.name };
  });
}
