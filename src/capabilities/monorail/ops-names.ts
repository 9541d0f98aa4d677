/** The operations of net/v4/monorail, by name (shared by its guest module and its host ops). */
export const MonoRailOps = {
  /** posted: [resource, "item"|"remove"|"list", payloadJson] → every watcher of the resource on every node gets the frame */
  publish: "monorail.publish",
} as const;

export const MonoRailLimits = {
  /** Characters of a resource name. */
  maxNameChars: 256,
  /** Characters of a change's JSON text (id and data, or items). */
  maxDataChars: 1024 * 1024,
} as const;
