import type { AerostatError } from "../errors/codes.js";
import { engineProblem, isJavaScriptEngine } from "../protocol/engines.js";
import type { ClientRefusal } from "../ops/services.js";
import type { OutboundGate } from "../outbound/outbound-gate.js";
import { OutgoingClient, type ClientInfo, type ClientRegistry } from "../peers/clients.js";
import { resolveHandler, type ResolvedHandler } from "../project/handler-path.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import type { HandlerRegistry } from "../sandbox/handler-registry.js";

/**
 * createWebsocket's policy: the engine and URI, the outbound gate, the
 * project's client limit, and a handler of the same project folder. Handler
 * paths are resolved once and remembered until files change.
 */
export class ClientOpener {
  private readonly resolved = new Map<string, ResolvedHandler>();

  constructor(
    private readonly root: string,
    private readonly maxPerProject: number,
    private readonly gate: OutboundGate,
    private readonly clients: ClientRegistry,
    private readonly registry: HandlerRegistry,
  ) {}

  /** Files changed: handler paths may lead elsewhere now. */
  forget(): void {
    this.resolved.clear();
  }

  open(module: HandlerModule, uri: string, handler: string, engine: string, reconnect = false): ClientInfo | ClientRefusal {
    if (!isJavaScriptEngine(engine)) return { error: `createWebsocket(uri, handler, engine): ${engineProblem(engine)}` };
    if (!/^wss?:\/\//i.test(uri)) return { error: `createWebsocket: uri must start with ws:// or wss://, got "${uri}"` };
    const gate = this.gate.check(module.key, uri);
    if (!gate.ok) return { error: gate.error };
    const open = this.clients.list(module.project).length;
    if (open >= this.maxPerProject) {
      return { error: `createWebsocket: this project already has ${open} open clients (limit ${this.maxPerProject}); close some first`, kind: "range" };
    }
    let target = this.resolved.get(handler);
    if (!target) {
      try {
        // One leading "/", as Dirigible writes paths from the project root.
        target = resolveHandler(this.root, handler.startsWith("/") && !handler.startsWith("//") ? handler.slice(1) : handler, module.key);
      } catch (error) {
        return { error: `createWebsocket: ${String((error as AerostatError).message ?? error)}` };
      }
      this.resolved.set(handler, target);
    }
    if (target.project !== module.project) {
      return { error: `createWebsocket: handler "${handler}" belongs to another project folder than ${module.key}` };
    }
    const client = this.clients.create(module.project, uri, handler, engine, this.registry.ensure(target), gate.lookup, reconnect);
    return OutgoingClient.info(client);
  }
}
