import type { WebSocket } from "ws";
import type { BusChannel, MessageBus } from "../../bus/message-bus.js";
import type { Connection } from "../../config/connections.js";
import type { MonoRailOptions } from "../../config/monorail-options.js";
import type { Logger } from "../../log/logger.js";
import type { MonoRailChangeHandler, MonoRailService } from "../../ops/monorail-service.js";
import { registerSession, type SessionStart } from "../../peers/accept-session.js";
import { closeSessionsLogged } from "../../peers/close-sessions.js";
import type { Session, SessionRegistry } from "../../peers/sessions.js";
import type { TrafficMeter } from "../../peers/traffic.js";
import { CloseCodes } from "../../protocol/close-codes.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { serviceTarget } from "../../server/routes.js";
import { AskBudget } from "../../peers/ask-budget.js";
import { MqHub } from "./mq-hub.js";
import { MrSession } from "./session.js";
import { resourceChannel, WatchIndex, type ChangeMessage } from "./watch-index.js";

export interface MrGatewayDeps {
  readonly sessions: SessionRegistry;
  readonly bus: MessageBus;
  readonly traffic: TrafficMeter;
  readonly log: Logger;
  /** The operator's named connections (the mq resource's broker). */
  readonly connections: ReadonlyMap<string, Connection>;
  /** The descriptor file of a mounted endpoint (project-relative). */
  readonly descriptorOf: (endpoint: string) => string | undefined;
}

/**
 * This node's MonoRail connections: accepts them (MrSession keeps each one's
 * watchers), holds the watcher index that changes from every node are
 * delivered through, the RabbitMQ consumers of the mq resource, and offers
 * net/v4/monorail its publish.
 */
export class MrGateway implements MonoRailService {
  readonly index: WatchIndex;
  readonly mq: MqHub;
  private readonly byId = new Map<string, MrSession>();
  private readonly asks = new AskBudget();
  private readonly stopWatch: () => void;

  constructor(private readonly deps: MrGatewayDeps) {
    this.index = new WatchIndex(deps.bus, deps.traffic, deps.log);
    this.mq = new MqHub(deps.connections, deps.log);
    // Redis pub/sub is at-most-once: changes published while the engine was away are lost. The
    // connections watching those resources are asked to reconnect: the client sends its watches
    // again and gets fresh initial lists.
    this.stopWatch = deps.bus.watch({ gap: (channels) => this.missed(channels) });
  }

  /** Closes (1012) the connections on this node watching resources whose changes may have been lost. */
  private missed(channels: readonly BusChannel[]): void {
    const lost = channels.filter((c) => c.kind === "mr");
    if (lost.length === 0) return;
    const affected = new Set<MrSession>();
    for (const c of lost) {
      for (const w of this.index.connections(c.project, c.name)) {
        const s = this.byId.get(w.id);
        if (s) affected.add(s);
      }
    }
    const names = `${lost.map((c) => c.name).slice(0, 5).join(", ")}${lost.length > 5 ? ", …" : ""}`;
    this.deps.log.warn(
      { resources: lost.map((c) => `${c.project}/${c.name}`).slice(0, 20), sessions: affected.size },
      `MonoRail: changes of ${lost.length} watched resource(s) may have been lost while the engine was away (${names}); ${affected.size} connection(s) watching them are asked to reconnect`,
    );
    closeSessionsLogged([...affected].map((s) => s.session), CloseCodes.serviceRestart, "missed changes; reconnect", this.deps.log, `MonoRail watchers of ${names}`);
  }

  /** Registers an accepted socket of a monorail endpoint; its frames go through the protocol. */
  accept(socket: WebSocket, endpoint: string, module: HandlerModule, options: MonoRailOptions, start: SessionStart): Session {
    const sessions = this.deps.sessions;
    const session = registerSession(socket, endpoint, module, sessions, start);
    const s = new MrSession(session, module, options, defaultResourceOf(start.request), { index: this.index, mq: this.mq, log: this.deps.log, asks: this.asks, descriptorOf: this.deps.descriptorOf });
    this.byId.set(session.id, s);
    socket.on("close", () => {
      this.byId.delete(session.id);
      sessions.remove(session.id);
    });
    return session;
  }

  /** A MonoRail connection on this node. */
  connection(id: string): MrSession | undefined {
    return this.byId.get(id);
  }

  async publish(project: string, resource: string, handler: MonoRailChangeHandler, payloadJson: string): Promise<number> {
    const message: ChangeMessage = { h: handler, p: payloadJson };
    await this.deps.bus.publish(resourceChannel(project, resource), message);
    return 0;
  }

  /** Stops the RabbitMQ consumers and connections (the runtime stops). */
  async close(): Promise<void> {
    this.stopWatch();
    await this.mq.close();
  }
}

/** The URL's segment after the endpoint, from the handshake request (JSON text with its path). */
function defaultResourceOf(requestJson: string): string | undefined {
  try {
    const path = (JSON.parse(requestJson) as { path?: unknown }).path;
    return typeof path === "string" ? serviceTarget(path)?.resource : undefined;
  } catch {
    return undefined;
  }
}
