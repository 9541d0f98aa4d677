import { truncateText } from "../log/truncate.js";
import { isLoopbackAddress } from "./loopback.js";
import { SERVICE_PREFIX } from "./routes.js";

/** Why a handshake was refused. */
export interface Refusal {
  readonly status: number;
  /** What any client is told: nothing about other endpoints, files or load errors. */
  readonly brief: string;
  /** The full reason: always logged, and told to clients on this machine. */
  readonly detail: string;
}

/** Names from the request are echoed at most this long. */
const NAME_SHOWN = 200;
const q = (name: string) => `"${truncateText(name, NAME_SHOWN)}"`;

const same = (status: number, text: string): Refusal => ({ status, brief: text, detail: text });

/** Every way a service handshake can be refused. */
export const Refusals = {
  notAService: (pathname: string) =>
    same(404, `No WebSocket service at ${truncateText(pathname, NAME_SHOWN)}. Service URLs look like ${SERVICE_PREFIX}<endpoint>.`),
  shuttingDown: () => same(503, "The server is shutting down."),
  hostNotAllowed: (name: string | undefined) =>
    name
      ? same(
          403,
          `Host ${q(name)} is not a name of this server (DNS rebinding guard). ` +
            `Start the server with --allowed-hosts ${truncateText(name, NAME_SHOWN)} (option allowedHosts) to serve it.`,
        )
      : same(403, "The request has no Host header; send one that names this server."),
  unknownEndpoint: (endpoint: string, mounted: readonly string[]): Refusal => ({
    status: 404,
    brief: `No endpoint ${q(endpoint)} is mounted.`,
    detail:
      `No endpoint ${q(endpoint)} is mounted. Add a .websocket descriptor with "endpoint": ${q(endpoint)}` +
      (mounted.length ? `, or use one of: ${mounted.join(", ")}.` : "."),
  }),
  originNotAllowed: (origin: string | undefined, endpoint: string) =>
    same(403, `Origin ${truncateText(String(origin), NAME_SHOWN)} may not connect to ${q(endpoint)}. List it in the descriptor's "allowedOrigins".`),
  full: (endpoint: string, maxSessions: number) =>
    same(503, `Endpoint ${q(endpoint)} has its maximum of ${maxSessions} sessions; try again later.`),
  stillLoading: (endpoint: string) => same(503, `Endpoint ${q(endpoint)} is still loading; try again.`),
  tooManyWaiting: (endpoint: string, waiting: number) =>
    same(503, `Endpoint ${q(endpoint)} is still loading and ${waiting} handshakes already wait for it; try again.`),
  /** onHandshake refused it: its reason is meant for the client. */
  byHandler: (endpoint: string, status: number, reason: string) => same(status, `Endpoint ${q(endpoint)} refused the connection: ${truncateText(reason, NAME_SHOWN)}`),
  /** An endpoint whose protocol needs a subprotocol the client did not offer (evQueue: "api" or "events"). */
  subprotocolMissing: (endpoint: string, protocol: string, accepted: readonly string[], offered: readonly string[]) =>
    same(
      400,
      `Endpoint ${q(endpoint)} speaks ${protocol}: open it with the subprotocol ${accepted.map((p) => `"${p}"`).join(" or ")}, ` +
        `as new WebSocket(url, "${accepted[0]}"); ` +
        (offered.length ? `this request offered ${truncateText(offered.map((p) => `"${p}"`).join(", "), NAME_SHOWN)}.` : "this request offered none."),
    ),
  cannotServe: (endpoint: string, why: string): Refusal => ({
    status: 503,
    brief: `Endpoint ${q(endpoint)} cannot serve right now; try again later.`,
    detail: `Endpoint ${q(endpoint)} cannot serve: ${why}`,
  }),
} as const;

/** The body a client gets: the full reason on this machine, the brief one elsewhere. */
export function refusalBody(refusal: Refusal, remoteAddress: string | undefined): string {
  return isLoopbackAddress(remoteAddress) ? refusal.detail : refusal.brief;
}
