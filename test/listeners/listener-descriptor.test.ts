import { describe, expect, it } from "vitest";
import { resolveConnections } from "../../src/config/connections.js";
import { parseListener } from "../../src/config/listener-descriptor.js";
import { AerostatError } from "../../src/errors/codes.js";

const CONNECTIONS = resolveConnections({
  mq: "amqp://guest:secret@127.0.0.1:5672",
  db: "postgres://postgres@127.0.0.1:5432/test",
  r: "redis://127.0.0.1:6379",
  n: "nats://127.0.0.1:4222",
});

/** The AerostatError parseListener throws for `text`. */
function failure(text: string, file = "app/jobs.listener"): AerostatError {
  try {
    parseListener(file, text, CONNECTIONS);
  } catch (error) {
    if (error instanceof AerostatError) return error;
    throw error;
  }
  throw new Error("parseListener accepted it");
}

describe(".listener descriptors", () => {
  it("fills in the defaults of each source, and the name from the file", () => {
    expect(parseListener("app/orders.listener", '{"source": "amqp", "connection": "mq", "exchange": "shop", "handler": "/app/orders"}', CONNECTIONS)).toEqual({
      file: "app/orders.listener",
      name: "orders",
      source: "amqp",
      connection: "mq",
      handler: "app/orders",
      description: "",
      exchange: "shop",
      exchangeType: "topic",
      routingKeys: ["#"],
      prefetch: 100,
    });
    expect(parseListener("app/x.listener", '{"name": "pg", "source": "postgres", "connection": "db", "channels": ["nodes_changes"], "handler": "app/db"}', CONNECTIONS)).toMatchObject({
      name: "pg",
      channels: ["nodes_changes"],
    });
    expect(parseListener("app/jobs.listener", '{"source": "redis", "connection": "r", "patterns": ["jobs:*"], "handler": "app/jobs"}', CONNECTIONS)).toMatchObject({
      channels: [],
      patterns: ["jobs:*"],
    });
    expect(parseListener("app/t.listener", '{"source": "nats", "connection": "n", "subjects": ["telemetry.>"], "queue": "w", "handler": "app/t"}', CONNECTIONS)).toMatchObject({
      subjects: ["telemetry.>"],
      queue: "w",
    });
  });

  it("reports JSON errors with line and column", () => {
    const e = failure('{\n  "source": "redis",\n  "connection": "r"\n  "channels": []\n}');
    expect(e.toString()).toMatch(/^app\/jobs\.listener:4:3: not valid JSON: comma expected/);
  });

  it("names an unknown field with its line and a did-you-mean", () => {
    const e = failure('{\n  "source": "redis",\n  "connection": "r",\n  "handler": "app/jobs",\n  "chanels": ["a"]\n}');
    expect(e.location).toMatchObject({ field: "chanels", line: 5, column: 3 });
    expect(e.message).toContain('did you mean "channels"?');
  });

  it("refuses a field of another source, naming it and the fields this source takes", () => {
    const e = failure('{"source": "amqp", "connection": "mq", "exchange": "x", "handler": "app/jobs", "subjects": ["a"]}');
    expect(e.location?.field).toBe("subjects");
    expect(e.message).toBe('field "subjects" belongs to nats listeners, and this is a amqp listener; remove it (a amqp listener takes: exchange, exchangeType, routingKeys, queue, prefetch)');
  });

  it("names missing and wrong fields", () => {
    expect(failure('{"source": "redis", "connection": "r", "channels": ["a"]}').message).toBe('field "handler" is missing; add it');
    expect(failure('{"connection": "r", "handler": "app/jobs"}').location?.field).toBe("source");
    const source = failure('{"source": "rabbit", "connection": "r", "handler": "app/jobs"}');
    expect(source.location?.field).toBe("source");
    expect(source.message).toContain('"amqp", "postgres", "redis", "nats"');
    const prefetch = failure('{"source": "amqp", "connection": "mq", "exchange": "x", "handler": "app/j",\n "prefetch": 0}');
    expect(prefetch.location).toMatchObject({ field: "prefetch", line: 2 });
    expect(prefetch.message).toBe('field "prefetch" must be at least 1');
    expect(failure('{"source": "postgres", "connection": "db", "handler": "app/j", "channels": []}').message).toBe('field "channels" must hold at least one channel');
    expect(failure('{"source": "postgres", "connection": "db", "handler": "app/j", "channels": ["a b"]}').location?.field).toBe("channels");
    expect(failure('{"source": "redis", "connection": "r", "handler": "app/j"}').message).toContain("at least one channel or pattern");
    expect(failure('{"source": "redis", "connection": "redis://127.0.0.1", "handler": "app/j", "channels": ["a"]}').message).toContain("never a URL");
  });

  it("an unknown connection names the field, its line, the known connections and --connection", () => {
    const e = failure('{\n  "source": "redis",\n  "connection": "cache",\n  "channels": ["a"],\n  "handler": "app/jobs"\n}');
    expect(e.code).toBe("AEROSTAT_LISTENER_CONNECTION");
    expect(e.location).toMatchObject({ file: "app/jobs.listener", field: "connection", line: 3, column: 3 });
    expect(e.message).toContain('names "cache", which is not a connection of this server (its connections are "mq", "db", "r", "n")');
    expect(e.message).toContain("--connection cache=redis://127.0.0.1:6379");
  });

  it("a connection of the wrong kind is an error, with the URL's password hidden", () => {
    const e = failure('{"source": "redis", "connection": "mq", "channels": ["a"], "handler": "app/jobs"}');
    expect(e.location?.field).toBe("connection");
    expect(e.message).toBe(
      'field "connection" names "mq", a amqp connection (amqp://guest:***@127.0.0.1:5672), but a redis listener needs a redis connection such as redis://127.0.0.1:6379',
    );
    expect(e.message).not.toContain("secret");
  });

  it("without connections given, says so", () => {
    let error: unknown;
    try {
      parseListener("a.listener", '{"source": "nats", "connection": "n", "subjects": ["x"], "handler": "h"}', new Map());
    } catch (e) {
      error = e;
    }
    expect(String(error)).toContain("this server was given no connections");
  });
});
