import { createConnection } from "node:net";
import { describe } from "vitest";

/**
 * The outside services some tests talk to, at their standard local ports
 * (scripts/ensure-services.sh starts or installs them before `npm test`).
 * A test file that needs one uses describeWith(): when the service is not
 * reachable, the file says so in one line and its tests are skipped, never
 * silently. AEROSTAT_REQUIRE_SERVICES=1 (set by CI) turns that into a failure.
 */
export const SERVICES = {
  postgres: { name: "PostgreSQL", host: "127.0.0.1", port: 5432, url: "postgres://postgres@127.0.0.1:5432/test" },
  rabbitmq: { name: "RabbitMQ", host: "127.0.0.1", port: 5672, url: "amqp://guest:guest@127.0.0.1:5672" },
  nats: { name: "NATS", host: "127.0.0.1", port: 4222, url: "nats://127.0.0.1:4222" },
  redis: { name: "Redis", host: "127.0.0.1", port: 6379, url: "redis://127.0.0.1:6379" },
} as const;

export type ServiceName = keyof typeof SERVICES;

/** Whether a TCP connection to host:port opens within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The services of `names` that are not reachable. */
export async function missingServices(names: readonly ServiceName[]): Promise<ServiceName[]> {
  const up = await Promise.all(names.map((n) => reachable(SERVICES[n].host, SERVICES[n].port)));
  return names.filter((_, i) => !up[i]);
}

/**
 * describe(), run only when every service of `needs` is reachable; otherwise
 * one line on stderr names what is missing and the tests are skipped (or the
 * file fails, under AEROSTAT_REQUIRE_SERVICES=1).
 */
export async function describeWith(needs: readonly ServiceName[], title: string, body: () => void): Promise<void> {
  const missing = await missingServices(needs);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const what = missing.map((n) => `${SERVICES[n].name} (${SERVICES[n].host}:${SERVICES[n].port})`).join(", ");
  const line = `aerostat tests: "${title}" skipped: ${what} not reachable; run scripts/ensure-services.sh or start it`;
  if (process.env.AEROSTAT_REQUIRE_SERVICES === "1") throw new Error(line);
  process.stderr.write(`${line}\n`);
  describe.skip(title, body);
}
