// Greeter, in TypeScript: answers "hello, <name>" and tells the other
// sessions who came by. An empty name throws, so you can see an error point
// at this file's line in the log and on the dashboard (/websockets/v4/).
import { broadcast, type Connection } from "net/v4/websockets";

interface Visit {
  readonly name: string;
  readonly at: Date;
}

const visits: Visit[] = [];

export function onMessage(message: string, connection: Connection): string {
  const name = message.trim();
  if (name === "") {
    throw new Error("a greeting needs a name");
  }
  visits.push({ name, at: new Date() });
  broadcast(`${name} was greeted by ${connection.id}`, { endpoint: connection.endpoint, except: [connection] });
  return `hello, ${name} (visitor ${visits.length})`;
}

export function onError(error: string, connection: Connection | undefined): void {
  connection?.send(`error: ${error}`);
}
