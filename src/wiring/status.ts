import type { ClientInfo } from "../peers/clients.js";
import { OutgoingClient, type ClientRegistry } from "../peers/clients.js";
import type { SessionRegistry } from "../peers/sessions.js";
import type { MountTable } from "../project/mounts.js";
import type { HandlerRegistry } from "../sandbox/handler-registry.js";
import type { IsolateStats } from "../sandbox/project-isolate.js";
import { serviceUrl } from "../server/routes.js";
import type { EndpointInfo, HandlerStats } from "./runtime-events.js";

/** What the runtime reports about itself: endpoints, handler modules, outgoing clients. */
export class Status {
  constructor(
    private readonly mounts: MountTable,
    private readonly sessions: SessionRegistry,
    private readonly registry: HandlerRegistry,
    private readonly clients: ClientRegistry,
  ) {}

  /** `wsBase` is "ws://host:port", or "" when not listening. */
  endpoints(wsBase: string): EndpointInfo[] {
    return this.mounts.list().map((m) => ({
      endpoint: m.endpoint,
      url: serviceUrl(wsBase, m.endpoint),
      handler: m.module?.key ?? m.descriptor.handler,
      descriptor: m.descriptor.file,
      description: m.descriptor.description,
      sessions: this.sessions.countFor(m.endpoint),
      ...(m.problem || m.module?.lastError ? { problem: String(m.problem ?? m.module?.lastError) } : {}),
    }));
  }

  handlerStats(): HandlerStats[] {
    return this.registry.all().map((m) => ({
      handler: m.key,
      project: m.project,
      queued: m.queued,
      running: m.running,
      dispatch: m.inline.mode,
      ready: m.ready,
      loads: m.loads,
      ...(m.lastError ? { error: m.lastError.toString() } : {}),
    }));
  }

  isolateStats(): IsolateStats[] {
    return this.registry.isolateStats();
  }

  clientList(): ClientInfo[] {
    return this.clients.all().map(OutgoingClient.info);
  }
}
