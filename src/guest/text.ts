import { getOwnPropertyNames, isObjectLike, parse, slice, stringify, StringCtor } from "./builtins.js";

/**
 * Text a script produced (error messages, stacks, log lines), cut to `max`
 * characters. The cut is copied: a plain slice would keep the whole original
 * alive for as long as the outbox holds the cut.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = parse(stringify(slice(text, 0, max))) as string;
  return cut + "… (" + (text.length - max) + " more characters)";
}

/** "Name: message" of anything thrown, clipped; never throws. */
export function describeError(error: unknown, max: number): string {
  try {
    if (isObjectLike(error)) {
      const e = error as { name?: unknown; message?: unknown };
      const name = StringCtor(e.name || "Error");
      const message = StringCtor(e.message === undefined ? "" : e.message);
      return clip(name + ": " + message, max);
    }
    return clip("Error: " + StringCtor(error), max);
  } catch (_) {
    return "Error: (unprintable error)";
  }
}

/** The stack of anything thrown, clipped, or ""; never throws. */
export function stackOf(error: unknown, max: number): string {
  try {
    const stack = isObjectLike(error) ? (error as { stack?: unknown }).stack : "";
    return typeof stack === "string" ? clip(stack, max) : "";
  } catch (_) {
    return "";
  }
}

/**
 * An error as JSON for a reply: its name, its message and its own fields whose
 * values are strings, numbers, booleans or null (at most 20, each clipped).
 * Never its stack: that stays on this side. Never throws.
 */
export function errorJson(error: unknown, max: number): string {
  // A null prototype: a script's Object.prototype.toJSON must not decide what the host reads.
  const out = Object.create(null) as Record<string, string | number | boolean | null>;
  try {
    if (isObjectLike(error)) {
      const e = error as Record<string, unknown>;
      out["name"] = clip(StringCtor(e["name"] || "Error"), 200);
      out["message"] = clip(StringCtor(e["message"] === undefined ? "" : e["message"]), max);
      const names = getOwnPropertyNames(e);
      let taken = 0;
      for (let i = 0; i < names.length && taken < 20; i++) {
        const key = names[i]!;
        if (key === "stack" || key === "name" || key === "message" || key === "__proto__") continue;
        const value = e[key];
        if (typeof value === "string") out[key] = clip(value, max);
        else if (typeof value === "number" || typeof value === "boolean" || value === null) out[key] = value;
        else continue;
        taken++;
      }
    } else {
      out["name"] = "Error";
      out["message"] = clip(StringCtor(error), max);
    }
  } catch (_) {
    return stringify({ name: "Error", message: "(unprintable error)" });
  }
  return stringify(out);
}
