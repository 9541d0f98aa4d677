import type { Capability } from "../../ops/capability.js";
import { CHANNEL_REQUEST_HOOKS } from "../../protocol/socketcluster-hooks.js";
import { channelsOps } from "./ops.js";
import { ChannelsKinds } from "./ops-names.js";

/**
 * net/v4/channels: SocketCluster's channels, RPC and sign-in for handler
 * scripts. The protocol itself (handshake, pings, subscriptions, tokens) is
 * kept by the host in src/protocols/socketcluster/; this module lets a script
 * publish across nodes, read presence and history, listen to channels, and
 * act on socketcluster connections. Types: channels.d.ts.
 */
export const channels: Capability = {
  name: "channels",
  module: "net/v4/channels",
  aliases: ["net/channels"],
  events: {
    [ChannelsKinds.publication]: { hook: "onPublication", method: "onpublication" },
  },
  requestHooks: CHANNEL_REQUEST_HOOKS,
  ops: channelsOps,
};
