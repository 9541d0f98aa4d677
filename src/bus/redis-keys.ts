import { channelName, projectTag, type BusChannel } from "./message-bus.js";

/**
 * Key names of the redis engine. A project's keys carry its `{project}` hash
 * tag, like its channels; the node keys share the fixed tag `{nodes}`, so on a
 * Redis Cluster they sit on one slot and can be read together.
 */
export const RedisKeys = {
  /** A node's heartbeat: exists while the node lives (it has a TTL and is refreshed). */
  heartbeat: (node: string) => `aerostat:{nodes}:heartbeat:${node}`,
  /** The names of the nodes that ever started on this Redis; dead ones are pruned. */
  members: "aerostat:{nodes}:members",
  /** Per-node counts under (project, key): one hash, field = node name. */
  presence: (project: string, key: string) => `aerostat:${projectTag(project)}:presence:${key}`,
  /** A retained value under (channel, key). */
  retained: (channel: BusChannel, key: string) => `${channelName(channel)}:kept:${key}`,
  /** A channel's history: its epoch (a string), its offset counter and its stream of publications. */
  history: (channel: BusChannel) => {
    const key = (part: string) => `aerostat:${projectTag(channel.project)}:h:${part}:${channel.kind}:${channel.name}`;
    return { epoch: key("e"), offset: key("o"), stream: key("s") };
  },
} as const;
