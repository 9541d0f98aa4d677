/** Query parameters that carry secrets (pg reads ?password=, others ?token=, ?sslkey=…). */
const SECRET_PARAMETER = /pass|secret|token|key|auth|cred/i;

/**
 * A URL (Redis, a broker, a database) as it may be logged: the password, a
 * NATS URL's lone user part (its token), and the value of every query
 * parameter that may hold a secret, replaced by "***".
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    else if (parsed.username && (parsed.protocol === "nats:" || parsed.protocol === "tls:")) parsed.username = "***";
    for (const name of [...new Set(parsed.searchParams.keys())]) {
      if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, "***");
    }
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
