/** The operations core/v4/configurations' guest module calls (shared by guest.ts and ops.ts). */
export const ConfigurationsOps = {
  /** [name] → the operator's value, or null. */
  get: "configurations.get",
  /** [] → the names the operator set, as a JSON array. */
  keys: "configurations.keys",
} as const;
