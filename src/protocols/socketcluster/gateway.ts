import type { WebSocket } from "ws";
import type { MessageBus } from "../../bus/message-bus.js";
import { historyRuleFor, type HistoryRule, type SocketClusterOptions } from "../../config/socketcluster-options.js";
import type { Logger } from "../../log/logger.js";
import { registerSession, type SessionStart } from "../../peers/accept-session.js";
import type { Session, SessionRegistry } from "../../peers/sessions.js";
import type { TrafficMeter } from "../../peers/traffic.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { TokenKeys } from "./auth.js";
import { busChannel, ChannelIndex, presenceKey, type ChannelMessage } from "./channel-index.js";
import { ChannelHistory } from "./history.js";
import { RpcCounts } from "./rpc-counts.js";
import { ScSession, type ScContext } from "./session.js";
import { handshake } from "./handshake.js";
import { handlePacket } from "./packets.js";
import type { ChannelConnection, ChannelService } from "../../ops/channel-service.js";

export interface ScGatewayDeps {
  readonly sessions: SessionRegistry;
  readonly bus: MessageBus;
  readonly traffic: TrafficMeter;
  readonly log: Logger;
  /** The key tokens are signed with; the same on every node. */
  readonly authKey: Uint8Array;
  /** The history rules of a project's socketcluster endpoints. */
  readonly historyRules: (project: string) => readonly HistoryRule[];
}

/**
 * This node's socketcluster connections: accepts them, keeps their protocol
 * state (ScSession), and offers what net/v4/channels does to scripts:
 * publish through the engine, subscribers, presence, history, and the
 * connection's sign-in, RPC and channel operations.
 */
export class ScGateway implements ChannelService {
  readonly index: ChannelIndex;
  private readonly byId = new Map<string, ScSession>();
  private readonly keys: TokenKeys;
  private readonly history: ChannelHistory;
  readonly rpc = new RpcCounts();
  private readonly ctx: ScContext;

  constructor(private readonly deps: ScGatewayDeps) {
    this.index = new ChannelIndex(deps.bus, deps.traffic, deps.log);
    this.keys = new TokenKeys(deps.authKey);
    this.history = new ChannelHistory(deps.bus);
    this.ctx = {
      keys: this.keys,
      index: this.index,
      log: deps.log,
      publish: (project, channel, dataJson, except) => this.publish(project, channel, dataJson, except).then(() => undefined),
      recover: (project, data) => this.history.recover(project, data, (channel) => this.ruleFor(project, channel)),
      countCall: (endpoint, errorName) => this.rpc.count(endpoint, errorName),
      handshake,
      packet: handlePacket,
    };
  }

  /** Registers an accepted socket of a socketcluster endpoint; its events go through the protocol. */
  accept(socket: WebSocket, endpoint: string, module: HandlerModule, options: SocketClusterOptions, start: SessionStart): Session {
    const sessions = this.deps.sessions;
    const session = registerSession(socket, endpoint, module, sessions, start);
    const sc = new ScSession(session, module, options, this.ctx, start.request);
    this.byId.set(session.id, sc);
    socket.on("close", () => {
      this.byId.delete(session.id);
      sessions.remove(session.id);
    });
    return session;
  }

  /** A socketcluster connection of `project` on this node. */
  connection(project: string, id: string): ScSession | undefined {
    const s = this.byId.get(id);
    return s && s.project === project ? s : undefined;
  }

  /** Connections signed in, for every endpoint that has any: one pass over the connections. */
  signedInByEndpoint(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.byId.values()) if (s.auth) counts.set(s.endpoint, (counts.get(s.endpoint) ?? 0) + 1);
    return counts;
  }

  /** Signs a token for the connection (expiry: the call's, else the endpoint's authExpirySeconds) and signs it in. */
  async setAuthToken(connection: ChannelConnection, payload: Record<string, unknown>, expiresInSeconds: number | undefined): Promise<void> {
    const s = this.byId.get(connection.id);
    if (!s) return;
    const token = await this.keys.sign(s.project, payload, expiresInSeconds ?? s.options.authExpirySeconds);
    // Signed in with the payload as a client presenting the token would be (iat, exp and aud included).
    const check = await this.keys.check(s.project, token);
    if (check.kind !== "valid" || s.ended) return;
    s.signIn({ payload: check.payload, token, ...(check.expiresAt !== undefined ? { expiresAt: check.expiresAt } : {}) }, true);
  }

  subscriberIds(project: string, channel: string): string[] {
    return this.index.subscriberIds(project, channel);
  }

  listen(module: HandlerModule, channel: string): void {
    this.index.listen(module, channel);
  }

  unlisten(module: HandlerModule, channel: string): void {
    this.index.unlisten(module, channel);
  }

  listenCount(module: HandlerModule): number {
    return this.index.listenCount(module);
  }

  private ruleFor(project: string, channel: string): HistoryRule | undefined {
    return historyRuleFor(this.deps.historyRules(project), channel);
  }

  /**
   * Publishes data (JSON text) on a channel of `project` through the engine:
   * every subscriber on every node but those in `except` gets it once. A
   * history channel keeps it and stamps it with its offset and epoch.
   */
  async publish(project: string, channel: string, dataJson: string, except: readonly string[]): Promise<{ offset: number; epoch: string } | undefined> {
    const message: ChannelMessage = except.length > 0 ? { d: dataJson, x: except } : { d: dataJson };
    const rule = this.ruleFor(project, channel);
    if (rule) return this.history.publish(busChannel(project, channel), message, rule);
    await this.deps.bus.publish(busChannel(project, channel), message);
    return undefined;
  }

  /** Subscribers of a channel on every node (the engine's presence counts). */
  presence(project: string, channel: string): Promise<number> {
    return this.deps.bus.countPresence(project, presenceKey(channel));
  }

  historyOf(project: string, channel: string, since: { epoch: string; offset: number } | undefined, limit: number) {
    return this.history.read(busChannel(project, channel), since, limit, this.ruleFor(project, channel));
  }
}
