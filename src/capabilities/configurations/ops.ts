import type { ImmediateOp } from "../../ops/capability.js";
import { ConfigurationsOps } from "./ops-names.js";

const get: ImmediateOp = {
  mode: "immediate",
  name: ConfigurationsOps.get,
  run({ services }, [name]) {
    if (typeof name !== "string") throw new TypeError("configurations.get(key): key must be a string");
    return services.configuration.get(name) ?? null;
  },
};

const keys: ImmediateOp = {
  mode: "immediate",
  name: ConfigurationsOps.keys,
  run({ services }) {
    return JSON.stringify([...services.configuration.keys()]);
  },
};

export const configurationsOps = [get, keys] as const;
