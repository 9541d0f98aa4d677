/** The command line: `aerostat serve`, `aerostat init`, `--version`. Loaded by main.ts once Node is known to fit. */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { init } from "./init.js";
import { serve } from "./serve.js";

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function configEntry(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError("--config takes NAME=VALUE, e.g. --config CHAT_TOKEN_KEY=env:CHAT_TOKEN_KEY.");
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function connectionEntry(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError("--connection takes NAME=URL, e.g. --connection rabbit=amqp://guest:guest@127.0.0.1:5672 or --connection db=env:DATABASE_URL.");
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
const program = new Command("aerostat").description("Serve WebSocket endpoints from sandboxed handler scripts.").version(version);

program
  .command("serve")
  .description("serve the .websocket endpoints of a project folder")
  .argument("<projectRoot>", "folder holding handler scripts and .websocket descriptors")
  .option("-p, --port <port>", "port to listen on (0 picks a free one)", integer("--port", 0, 65535), 8080)
  .option("-H, --host <host>", "interface to listen on", "127.0.0.1")
  .option("--cpu-limit <ms>", "CPU time a handler may spend on one event", integer("--cpu-limit", 1, 60_000), 1000)
  .option("--memory-limit <mb>", "heap limit of each project isolate", integer("--memory-limit", 16, 16_384), 128)
  .option(
    "--allow-outbound <hosts>",
    'host[:port] entries scripts may open WebSockets to, comma-separated: api.example.com, *.example.com, 127.0.0.1:9000, [::1]:9000, "*" for any; a host without a port allows every port (default: none)',
    (v: string) => v.split(",").map((h) => h.trim()).filter(Boolean),
  )
  .option(
    "--allowed-hosts <names>",
    'Host names service handshakes may use besides IP addresses, localhost and --host, comma-separated: app.example.com, .example.com (and subdomains), "*" for any',
    (v: string) => v.split(",").map((h) => h.trim()).filter(Boolean),
  )
  .option(
    "--config <name=value>",
    'a value scripts read with core/v4/configurations get(name); "env:VAR" reads the environment variable VAR; repeat for more',
    configEntry,
    {} as Record<string, string>,
  )
  .option(
    "--connection <name=url>",
    'a broker or database that .listener descriptors and MonoRail mq resources name: amqp://, postgres://, redis://, nats://; "env:VAR" reads the URL from the environment variable VAR; repeat for more',
    connectionEntry,
    {} as Record<string, string>,
  )
  .option("--no-watch", "do not reload when files change")
  .option("--no-inline-dispatch", "always run handlers on the sandbox's worker thread, never a lone event on the host's thread")
  .addOption(
    new Option("--dashboard <who>", "who may see the dashboard at /websockets/v4/")
      .choices(["loopback", "anywhere", "off"])
      .default("loopback"),
  )
  .addOption(
    new Option("--script-services <who>", "who may run script services at /services/js/<path> and /services/v4/js/<path>")
      .choices(["loopback", "anywhere", "off"])
      .default("loopback"),
  )
  .addOption(new Option("--engine <engine>", "what carries broadcasts: memory (this process) or redis (every node on one Redis)").choices(["memory", "redis"]).default("memory"))
  .option("--redis-url <url>", 'the Redis of --engine redis (default redis://127.0.0.1:6379); "env:VAR" reads it from the environment variable VAR')
  .option("--node-name <name>", 'this node\'s name among the nodes on one Redis: letters, digits, "-" and "_" (default <hostname>-<pid>)')
  .option("--redis-cluster", "the Redis of --engine redis is a Redis Cluster: use sharded pub/sub")
  .option("--auth-key-file <path>", "the key socketcluster endpoints sign sign-in tokens with (at least 32 bytes; the same file on every node; needed with --engine redis)")
  .option(
    "--server-events-compat <project>",
    'this project folder\'s net/v4/events also speak the server-events wire format (channel "<name>:<id>"), for plain Node workers using that package; "(root)" for the root; repeat for more (--engine redis, one server)',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .addOption(new Option("--log-format <format>", "log lines for people or for machines").choices(["pretty", "json"]).default("pretty"))
  .action(serve);

program
  .command("init")
  .description("create a project folder with one endpoint, its handler, editor types and a page")
  .argument("<dir>", "folder to create (or an empty one)")
  .option("--js", "write the handler in JavaScript instead of TypeScript")
  .action(init);

await program.parseAsync();
