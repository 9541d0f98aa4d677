import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * The local RabbitMQ's own view, through rabbitmqctl: queue counts the AMQP
 * protocol does not give (unacknowledged messages) and the server-side end of
 * one named connection. Only ever names what a test made itself: the broker
 * is shared.
 */
const run = promisify(execFile);

async function list(args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await run("rabbitmqctl", ["-q", "--formatter", "json", ...args], { timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>[];
}

/** Ready and unacknowledged messages of a queue, or undefined when there is no such queue. */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number } | undefined> {
  const rows = await list(["list_queues", "name", "messages_ready", "messages_unacknowledged"]);
  const row = rows.find((r) => r.name === queue);
  return row ? { ready: Number(row.messages_ready), unacked: Number(row.messages_unacknowledged) } : undefined;
}

/**
 * The pids of the connections whose client gave `connectionName`, in the form
 * close_connection takes (the text listing: the JSON one abbreviates them).
 */
export async function connectionPids(connectionName: string): Promise<string[]> {
  const { stdout } = await run("rabbitmqctl", ["-q", "list_connections", "pid", "client_properties"], { timeout: 20_000 });
  const property = `{"connection_name",${JSON.stringify(connectionName)}}`;
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("<") && line.includes(property))
    .map((line) => line.split("\t")[0]!);
}

/** Has RabbitMQ close one connection, as an operator or a broker shutdown would. */
export async function closeConnection(pid: string): Promise<void> {
  await run("rabbitmqctl", ["-q", "close_connection", pid, "closed by a test"], { timeout: 20_000 });
}
