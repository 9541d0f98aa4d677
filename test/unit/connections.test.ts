import { describe, expect, it } from "vitest";
import { connectionKind, redactUrl, resolveConnections } from "../../src/config/connections.js";
import { resolveOptions } from "../../src/config/options.js";

describe("named connections (--connection NAME=URL)", () => {
  it("resolves URLs and env: references, and tells each kind by its scheme", () => {
    const found = resolveConnections({ rabbit: "amqp://guest:guest@127.0.0.1:5672", db: "env:TEST_DB_URL" }, { TEST_DB_URL: "postgres://127.0.0.1:5432/test" });
    expect(found.get("rabbit")).toEqual({ name: "rabbit", kind: "amqp", url: "amqp://guest:guest@127.0.0.1:5672" });
    expect(found.get("db")?.kind).toBe("postgres");
    expect(connectionKind("nats://127.0.0.1:4222")).toBe("nats");
    expect(connectionKind("rediss://h:6380")).toBe("redis");
  });

  it("names the connection and says what to do when a URL is wrong or a variable is unset", () => {
    expect(() => resolveConnections({ q: "http://x" })).toThrow(/connection "q": its URL has the scheme "http:", which no connection takes; use amqp:\/\//);
    expect(() => resolveConnections({ q: "not a url" })).toThrow(/connection "q": its URL is not a URL/);
    expect(() => resolveConnections({ q: "env:NOPE_NOT_SET" }, {})).toThrow(/connection "q" reads the environment variable NOPE_NOT_SET, which is not set/);
    expect(() => resolveConnections({ "a b": "amqp://h" })).toThrow(/connection name "a b" may hold only/);
  });

  it("hides passwords when a URL is shown", () => {
    expect(redactUrl("amqp://guest:secret@127.0.0.1:5672/vh")).toBe("amqp://guest:***@127.0.0.1:5672/vh");
    expect(redactUrl("nats://127.0.0.1:4222")).toBe("nats://127.0.0.1:4222");
    // pg takes a password from the query string too.
    expect(redactUrl("postgres://app@db:5432/app?password=s3cret&sslmode=require&sslkey=/k")).toBe("postgres://app@db:5432/app?password=***&sslmode=require&sslkey=***");
    expect(redactUrl("redis://h:6379/?auth_token=abc")).not.toContain("abc");
    expect(redactUrl("nats://t0ken@127.0.0.1:4222")).toBe("nats://***@127.0.0.1:4222");
    expect(redactUrl("nats://alice:pw@127.0.0.1:4222")).toBe("nats://alice:***@127.0.0.1:4222");
  });

  it("is a runtime option", () => {
    const options = resolveOptions({ projectRoot: "/tmp/x", connections: { mq: "amqp://127.0.0.1" } });
    expect(options.connections.get("mq")?.kind).toBe("amqp");
    expect(resolveOptions({ projectRoot: "/tmp/x" }).connections.size).toBe(0);
  });
});
