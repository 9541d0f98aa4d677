// The sample's one password. The operator sets it:
// aerostat serve --config SC_CHAT_PASSWORD=env:SC_CHAT_PASSWORD. Without one,
// the sample accepts a development password and says so once.
import { get } from "core/v4/configurations";

export const DEVELOPMENT_PASSWORD = "aerostat-sample";
let warned = false;

function expected(): string {
  const configured = get("SC_CHAT_PASSWORD");
  if (configured) return configured;
  if (!warned) console.warn(`SC_CHAT_PASSWORD is not set: sc-chat accepts the development password "${DEVELOPMENT_PASSWORD}". Start with --config SC_CHAT_PASSWORD=env:SC_CHAT_PASSWORD.`);
  warned = true;
  return DEVELOPMENT_PASSWORD;
}

/** Whether `password` is the expected one; compares every character, so the time taken tells nothing. */
export function checkPassword(password: unknown): boolean {
  const want = expected();
  if (typeof password !== "string" || password.length !== want.length) return false;
  let difference = 0;
  for (let i = 0; i < want.length; i++) difference |= password.charCodeAt(i) ^ want.charCodeAt(i);
  return difference === 0;
}
