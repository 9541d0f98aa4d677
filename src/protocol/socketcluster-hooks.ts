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
