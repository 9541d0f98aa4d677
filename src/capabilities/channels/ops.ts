import type { DeferredOp, ImmediateOp, OpContext, PostedOp } from "../../ops/capability.js";
import type { ChannelConnection } from "../../ops/channel-service.js";
import { ChannelsLimits, ChannelsOps } from "./ops-names.js";

const list = (args: unknown): unknown[] => (Array.isArray(args) ? args : []);

function name(api: string, what: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > ChannelsLimits.maxNameChars) {
    throw new TypeError(`${api}: ${what} must be a non-empty string of at most ${ChannelsLimits.maxNameChars} characters`);
  }
  if (value.startsWith("#")) throw new TypeError(`${api}: ${what} must not start with "#" (such names belong to the protocol)`);
  return value;
}

/** The data the guest sent as JSON text, parsed: a TypeError when it cannot be read, a RangeError when too long. */
function data(api: string, value: unknown): unknown {
  if (typeof value !== "string") throw new TypeError(`${api}: the data could not be read`);
  if (value.length > ChannelsLimits.maxDataChars) throw new RangeError(`${api}: the data is over ${ChannelsLimits.maxDataChars} characters of JSON; send less`);
  return JSON.parse(value);
}

/** The same, kept as the text: checked to be JSON, since it goes into frames as it is. */
function json(api: string, value: unknown): string {
  data(api, value);
  return value as string;
}

/** A socketcluster connection of the calling module's project, or a TypeError saying why there is none. */
function connection({ module, services }: OpContext, api: string, id: unknown): ChannelConnection {
  const s = typeof id === "string" ? services.socketcluster.connection(module.project, id) : undefined;
  if (!s) {
    const known = typeof id === "string" && services.sessions.get(module.project, id);
    throw new TypeError(known ? `connection.${api}(): ${id} is a connection of a raw endpoint; this works on endpoints with "protocol": "socketcluster"` : `connection.${api}(): connection ${String(id)} is closed`);
  }
  return s;
}

const publish: DeferredOp = {
  mode: "deferred",
  name: ChannelsOps.publish,
  async run(ctx, args) {
    const [channel, payload, except] = list(args);
    const ids = Array.isArray(except) ? except.filter((e): e is string => typeof e === "string") : [];
    const stamp = await ctx.services.socketcluster.publish(ctx.module.project, name("publish", "channel", channel), json("publish", payload), ids);
    return stamp ?? null;
  },
};

const subscribers: ImmediateOp = {
  mode: "immediate",
  name: ChannelsOps.subscribers,
  run(ctx, [channel]) {
    return ctx.services.socketcluster.subscriberIds(ctx.module.project, name("subscribers", "channel", channel));
  },
};

const presence: DeferredOp = {
  mode: "deferred",
  name: ChannelsOps.presence,
  async run(ctx, args) {
    const [channel] = list(args);
    return { count: await ctx.services.socketcluster.presence(ctx.module.project, name("presence", "channel", channel)) };
  },
};

const history: DeferredOp = {
  mode: "deferred",
  name: ChannelsOps.history,
  run(ctx, args) {
    const [channel, epoch, offset, limit] = list(args);
    const since = typeof epoch === "string" && typeof offset === "number" ? { epoch, offset } : undefined;
    const most = typeof limit === "number" && limit > 0 ? Math.min(Math.floor(limit), ChannelsLimits.maxHistory) : ChannelsLimits.maxHistory;
    return ctx.services.socketcluster.historyOf(ctx.module.project, name("history", "channel", channel), since, most);
  },
};

/** listen(channel) or unlisten(channel): the module's onPublication hears a channel, or stops. */
function listening(opName: string, api: "listen" | "unlisten"): PostedOp {
  return {
    mode: "posted",
    name: opName,
    run(ctx, args) {
      const channel = name(api, "channel", list(args)[0]);
      // The guest refuses more at the call; this holds for a guest that does not.
      if (api === "listen" && ctx.services.socketcluster.listenCount(ctx.module) >= ChannelsLimits.maxListens) {
        throw new RangeError(`listen(): ${ctx.module.key} listens to ${ChannelsLimits.maxListens} channels already; unlisten() some first`);
      }
      ctx.services.socketcluster[api](ctx.module, channel);
      return 0;
    },
  };
}

const listen = listening(ChannelsOps.listen, "listen");
const unlisten = listening(ChannelsOps.unlisten, "unlisten");

const authToken: ImmediateOp = {
  mode: "immediate",
  name: ChannelsOps.authToken,
  run(ctx, [id]) {
    const s = typeof id === "string" ? ctx.services.socketcluster.connection(ctx.module.project, id) : undefined;
    return s?.authPayload ?? null;
  },
};

const subscriptions: ImmediateOp = {
  mode: "immediate",
  name: ChannelsOps.subscriptions,
  run(ctx, [id]) {
    const s = typeof id === "string" ? ctx.services.socketcluster.connection(ctx.module.project, id) : undefined;
    return s ? [...s.channels] : [];
  },
};

const setAuthToken: DeferredOp = {
  mode: "deferred",
  name: ChannelsOps.setAuthToken,
  async run(ctx, args) {
    const [id, payloadJson, expiresIn] = list(args);
    const s = connection(ctx, "setAuthToken", id);
    const payload = data("setAuthToken", payloadJson);
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw new TypeError('connection.setAuthToken(payload): payload must be an object such as { user: "ann" }');
    await ctx.services.socketcluster.setAuthToken(s, payload as Record<string, unknown>, typeof expiresIn === "number" && expiresIn > 0 ? Math.ceil(expiresIn) : undefined);
    return null;
  },
};

const deauthenticate: PostedOp = {
  mode: "posted",
  name: ChannelsOps.deauthenticate,
  run(ctx, args) {
    connection(ctx, "deauthenticate", list(args)[0]).signOut("signed out by the server");
    return 0;
  },
};

const invoke: DeferredOp = {
  mode: "deferred",
  name: ChannelsOps.invoke,
  run(ctx, args) {
    const [id, procedure, payload, timeout] = list(args);
    const s = connection(ctx, "invoke", id);
    const ms = typeof timeout === "number" && timeout > 0 ? Math.min(Math.ceil(timeout), 600_000) : s.ackTimeoutMs;
    return s.invoke(name("invoke", "procedure", procedure), data("invoke", payload), ms);
  },
};

const transmit: PostedOp = {
  mode: "posted",
  name: ChannelsOps.transmit,
  run(ctx, args) {
    const [id, receiver, payload] = list(args);
    return connection(ctx, "transmit", id).transmit(name("transmit", "receiver", receiver), data("transmit", payload)) ? 1 : 0;
  },
};

/** Immediate, so `connection.subscriptions` right after it lists the channel. */
const subscribe: ImmediateOp = {
  mode: "immediate",
  name: ChannelsOps.subscribe,
  run(ctx, [id, channel]) {
    const s = connection(ctx, "subscribe", id);
    const c = name("subscribe", "channel", channel);
    if (!s.channels.has(c) && s.channels.size >= s.channelLimit) throw new RangeError(`connection.subscribe(): ${s.id} holds ${s.channelLimit} channels, the endpoint's channelLimit`);
    s.subscribe(c, false);
    return null;
  },
};

const kickOut: PostedOp = {
  mode: "posted",
  name: ChannelsOps.kickOut,
  run(ctx, args) {
    const [id, channel, message] = list(args);
    connection(ctx, "kickOut", id).kickOut(name("kickOut", "channel", channel), data("kickOut", message));
    return 0;
  },
};

/** The host operations of net/v4/channels. */
export const channelsOps = [publish, subscribers, presence, history, listen, unlisten, authToken, subscriptions, setAuthToken, deauthenticate, invoke, transmit, subscribe, kickOut] as const;
