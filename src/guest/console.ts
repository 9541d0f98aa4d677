import { defineProperty, freeze, g, StringCtor, stringify } from "./builtins.js";
import { current } from "./current.js";
import { host } from "./host.js";
import { emit } from "./outbox.js";
import { clip, describeError, stackOf } from "./text.js";

/** Formats console arguments as one line, clipped; never throws. */
function format(args: unknown[]): string {
  const max = host.limits.maxLogChars;
  let text = "";
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    let part: string | undefined;
    try {
      if (typeof v === "string") part = v;
      else if (v instanceof Error) part = stackOf(v, max) || describeError(v, max);
      else if (v === undefined || typeof v === "function" || typeof v === "symbol") part = StringCtor(v);
      else part = stringify(v);
      if (part === undefined) part = StringCtor(v);
    } catch (_) {
      part = "[unprintable]";
    }
    text += (i ? " " : "") + part;
    if (text.length > max) break;
  }
  return clip(text, max);
}

/** console.log/info/warn/error/debug: lines to the server log, tagged with the running event's peer. */
export function installConsole(): void {
  const consoleObject: Record<string, (...args: unknown[]) => void> = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    consoleObject[level] = function (...args: unknown[]) {
      emit(host.settings.outbox.log, level, format(args), current.peerKind, current.peerId, current.where);
    };
  }
  defineProperty(g, "console", { value: freeze(consoleObject), writable: true, configurable: true });
}
