import type { HistoryStamp } from "../bus/message-bus.js";
import type { HandlerModule } from "../sandbox/handler-module.js";

/** A socketcluster connection, as net/v4/channels acts on it (the host keeps its protocol state). */
export interface ChannelConnection {
  readonly id: string;
  readonly project: string;
  /** The verified payload of the token it signed in with, if it did. */
  readonly authPayload: Record<string, unknown> | undefined;
  readonly channels: ReadonlySet<string>;
  /** The endpoint's channelLimit and ackTimeoutMs. */
  readonly channelLimit: number;
  readonly ackTimeoutMs: number;
  subscribe(channel: string, requireAuth: boolean): void;
  kickOut(channel: string, message: unknown): void;
  /** Calls a client procedure; rejects with the client's error by name, or a TimeoutError. */
  invoke(procedure: string, data: unknown, timeoutMs: number): Promise<unknown>;
  /** Sends to a client receiver; false when it did not go out. */
  transmit(receiver: string, data: unknown): boolean;
  signOut(why: string): void;
}

/** What net/v4/channels needs of the host: the node's socketcluster connections, channels and engine. */
export interface ChannelService {
  /** A socketcluster connection of `project` on this node. */
  connection(project: string, id: string): ChannelConnection | undefined;
  /** Publishes data (JSON text) through the engine; a history channel answers its position. */
  publish(project: string, channel: string, dataJson: string, except: readonly string[]): Promise<HistoryStamp | undefined>;
  /** This node's subscribers of a channel. */
  subscriberIds(project: string, channel: string): string[];
  /** Subscribers of a channel on every node. */
  presence(project: string, channel: string): Promise<number>;
  /** Publications kept on a history channel after `since`. */
  historyOf(project: string, channel: string, since: HistoryStamp | undefined, limit: number): Promise<unknown>;
  listen(module: HandlerModule, channel: string): void;
  unlisten(module: HandlerModule, channel: string): void;
  /** How many channels `module` listens to. */
  listenCount(module: HandlerModule): number;
  /** Signs `payload` for the connection's project, signs the connection in with it and sends it to the client. */
  setAuthToken(connection: ChannelConnection, payload: Record<string, unknown>, expiresInSeconds: number | undefined): Promise<void>;
}
