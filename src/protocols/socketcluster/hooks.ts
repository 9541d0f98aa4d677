import { PeerKind } from "../../protocol/events.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";

/** The hooks a handler of a socketcluster endpoint may export; the host asks them and waits (request events). */
export const ScHooks = {
  handshake: "onHandshake",
  authenticate: "onAuthenticate",
  subscribe: "onSubscribe",
  publishIn: "onPublishIn",
  invoke: "onInvoke",
  transmit: "onTransmit",
} as const;

/** The hooks net/v4/channels adds to what a handler may export (onHandshake is the core's). */
export const CHANNEL_REQUEST_HOOKS: readonly string[] = [ScHooks.authenticate, ScHooks.subscribe, ScHooks.publishIn, ScHooks.invoke, ScHooks.transmit];

/**
 * Asks `hook` of the module with `args`, the connection inserted at `at`
 * (onSubscribe(channel, connection, options) has it second); resolves with
 * what the hook returned (undefined when it returned nothing).
 */
export function askHook(module: HandlerModule, hook: string, args: readonly unknown[], timeoutMs: number, session?: { id: string; endpoint: string; at: number }): Promise<unknown> {
  return module.request(hook, args, timeoutMs, session && { kind: PeerKind.session, id: session.id, where: session.endpoint, at: session.at });
}
