/**
 * core/v4/configurations — Dirigible's configuration API, read-only: the
 * values the operator gave the server (`aerostat serve --config NAME=VALUE`,
 * or the `configurations` option of createRuntime). Keys and secrets live
 * there, never in project files.
 *
 * @example
 * import { get } from "core/v4/configurations";
 * const key = get("CHAT_TOKEN_KEY");
 * if (!key) throw new Error("start the server with --config CHAT_TOKEN_KEY=...");
 */
declare module "core/v4/configurations" {
  /**
   * The operator's value for `key`; `defaultValue` (as a string) or undefined when it has none.
   * @example
   * const region = get("REGION", "eu");
   */
  export function get(key: string, defaultValue?: string): string | undefined;
  /**
   * The names the operator set.
   * @example
   * if (!getKeys().includes("API_TOKEN")) console.warn("API_TOKEN is not set");
   */
  export function getKeys(): string[];
  /**
   * Throws: configuration is the operator's to set (`--config NAME=VALUE`).
   * @example
   * // set("KEY", "value") throws an Error saying so
   */
  export function set(key: string, value: string): never;
  /**
   * Throws, like set().
   * @example
   * // remove("KEY") throws an Error saying so
   */
  export function remove(key: string): never;
}

/** The same module by its short name. */
declare module "core/configurations" {
  export * from "core/v4/configurations";
}

/** `import { configurations } from "sdk/core"`. */
declare module "sdk/core" {
  /**
   * core/v4/configurations.
   * @example
   * import { configurations } from "sdk/core";
   * const key = configurations.get("CHAT_TOKEN_KEY");
   */
  export const configurations: typeof import("core/v4/configurations");
}
