import { describe, expect, it } from "vitest";
import { parseDescriptor } from "../../src/config/descriptor.js";
import { AerostatError } from "../../src/errors/codes.js";

function errorOf(text: string): AerostatError {
  try {
    parseDescriptor("app/x.websocket", text);
  } catch (e) {
    if (e instanceof AerostatError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("parseDescriptor", () => {
  it("reads the reference descriptor and defaults engine", () => {
    const d = parseDescriptor(
      "my-project/my-endpoint.websocket",
      '{ "handler": "my-project/ws-handler", "endpoint":"my-endpoint", "description":"My Websocket" }',
    );
    expect(d).toEqual({
      file: "my-project/my-endpoint.websocket",
      handler: "my-project/ws-handler",
      endpoint: "my-endpoint",
      description: "My Websocket",
      engine: "javascript",
      isolate: "shared",
      protocol: "raw",
      limits: { maxPayload: 1048576, maxSessions: 1000, allowedOrigins: [], idleTimeoutMs: 0, heartbeatMs: 30000 },
    });
  });

  it("names the line and column of a JSON syntax error", () => {
    const e = errorOf('{\n  "handler": "a",\n  "endpoint": "b"\n  "description": "c"\n}');
    expect(e.code).toBe("AEROSTAT_DESCRIPTOR_JSON");
    expect(e.toString()).toMatch(/^app\/x\.websocket:4:3: not valid JSON: comma expected/);
  });

  it("names a missing field and says to add it", () => {
    const e = errorOf('{ "handler": "a" }');
    expect(e.code).toBe("AEROSTAT_DESCRIPTOR_FIELD");
    expect(e.location?.field).toBe("endpoint");
    expect(e.message).toBe('field "endpoint" is missing; add it');
  });

  it("names the field and line of a bad value", () => {
    const e = errorOf('{\n  "handler": "a",\n  "endpoint": "no spaces allowed"\n}');
    expect(e.toString()).toBe(
      "app/x.websocket:3:15: field \"endpoint\" may contain only letters, digits, '.', '_' and '-'",
    );
  });

  it.each([
    ['{ "handler": "../outside", "endpoint": "e" }', "handler", 'must stay inside the project: remove ".."'],
    ['{ "handler": "//server/share/h", "endpoint": "e" }', "handler", "must be relative to the project root"],
    ['{ "handler": "C:/h", "endpoint": "e" }', "handler", 'one leading "/", as Dirigible writes it, is fine'],
    ['{ "handler": "a", "endpoint": "e", "engine": 7 }', "engine", "any engine name is served"],
    ['{ "handler": 3, "endpoint": "e" }', "handler", "must be a string"],
    ['{ "handler": "a", "endpoint": "e", "maxPayload": -1 }', "maxPayload", "must be at least 1"],
    ['{ "handler": "a", "endpoint": "e", "allowedOrigins": ["example.com"] }', "allowedOrigins.0", "scheme and host"],
    ['{ "handler": "a", "endpoint": "e", "heartbeatMs": 5 }', "heartbeatMs", "at least 100"],
  ])("rejects %s at field %s", (text, field, words) => {
    const e = errorOf(text);
    expect(e.location?.field).toBe(field);
    expect(e.message).toContain(words);
  });

  it("reads a descriptor as Dirigible writes it: a leading '/', its engine names, and its extra fields", () => {
    const d = parseDescriptor(
      "p/chat.websocket",
      JSON.stringify({
        handler: "/p/chat.js",
        endpoint: "chat",
        engine: "graalium",
        description: "Chat",
        location: "/p/chat.websocket",
        createdBy: "admin",
        createdAt: 1700000000000,
      }),
    );
    expect(d).toMatchObject({ handler: "p/chat.js", endpoint: "chat", engine: "graalium", description: "Chat" });
  });

  it("rejects a descriptor that is not an object", () => {
    expect(errorOf("[1, 2]").message).toContain("must be a JSON object");
    expect(errorOf("").message).toContain("not valid JSON");
  });
});
