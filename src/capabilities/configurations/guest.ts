/**
 * core/v4/configurations inside the sandbox (types and docs:
 * configurations.d.ts beside this file): reads the operator's values.
 */
import type { Kernel } from "../../guest/kernel.js";
import { ConfigurationsOps } from "./ops-names.js";

export default function configurations(exports: Record<string, unknown>, kernel: Kernel): void {
  const { StringCtor, TypeErrorCtor, ErrorCtor, parse, freeze } = kernel.builtins;

  exports["get"] = function get(key: unknown, defaultValue?: unknown): string | undefined {
    if (typeof key !== "string") throw new TypeErrorCtor("configurations.get(key): key must be a string");
    const value = kernel.call(ConfigurationsOps.get, [key]);
    if (typeof value === "string") return value;
    return defaultValue === undefined ? undefined : StringCtor(defaultValue);
  };
  exports["getKeys"] = function getKeys(): string[] {
    return parse(StringCtor(kernel.call(ConfigurationsOps.keys, []))) as string[];
  };
  const readOnly = (name: string) =>
    function () {
      throw new ErrorCtor(
        "configurations." + name + "(): configuration is set by the operator (aerostat serve --config NAME=VALUE), not by scripts",
      );
    };
  exports["set"] = readOnly("set");
  exports["remove"] = readOnly("remove");
  freeze(exports);
}
