import { PeerKind } from "../../protocol/events.js";
export { ScHooks } from "../../protocol/socketcluster-hooks.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";

/**
 * Asks `hook` of the module with `args`, the connection inserted at `at`
 * (onSubscribe(channel, connection, options) has it second); resolves with
 * what the hook returned (undefined when it returned nothing).
 */
export function askHook(module: HandlerModule, hook: string, args: readonly unknown[], timeoutMs: number, session?: { id: string; endpoint: string; at: number }): Promise<unknown> {
  return module.request(hook, args, timeoutMs, session && { kind: PeerKind.session, id: session.id, where: session.endpoint, at: session.at });
}

/** askHook(), answered with the hook's return value as JSON text (undefined when it returned nothing). */
export function askHookJson(module: HandlerModule, hook: string, args: readonly unknown[], timeoutMs: number, session: { id: string; endpoint: string; at: number }): Promise<string | undefined> {
  return module.requestJson(hook, args, timeoutMs, { kind: PeerKind.session, id: session.id, where: session.endpoint, at: session.at });
}
