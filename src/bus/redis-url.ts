/**
 * A URL (Redis, a broker, a database) as it may be logged: the password
 * replaced by "***", and so is a NATS URL's lone user part (its token).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    else if (parsed.username && (parsed.protocol === "nats:" || parsed.protocol === "tls:")) parsed.username = "***";
    return parsed.toString();
  } catch {
    // Not a URL at all: show its scheme and host-looking part only.
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** Why `url` cannot be a Redis URL, or undefined when it can. */
export function redisUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL such as "redis://127.0.0.1:6379" (or "env:VAR" to read it from the environment variable VAR)';
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") return `must start with redis:// or rediss:// (got "${parsed.protocol}")`;
  return undefined;
}
