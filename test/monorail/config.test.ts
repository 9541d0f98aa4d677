import { describe, expect, it } from "vitest";
import { parseDescriptor } from "../../src/config/descriptor.js";
import { AerostatError } from "../../src/index.js";

const text = (d: Record<string, unknown>) => JSON.stringify(d, null, 2);

function problem(d: Record<string, unknown>): AerostatError {
  try {
    parseDescriptor("p/rack.websocket", text(d));
  } catch (error) {
    return error as AerostatError;
  }
  throw new Error("the descriptor parsed");
}

describe("monorail descriptor options", () => {
  it("fills in defaults and keeps the mq allowlist", () => {
    const d = parseDescriptor("p/rack.websocket", text({ handler: "p/rack", endpoint: "rack", protocol: "monorail", monorail: { mq: { connection: "main", exchanges: ["on.a", "on.a", "on.b"] } } }));
    expect(d.monorail).toEqual({ maxWatchers: 100, hookTimeoutMs: 5000, mq: { connection: "main", exchanges: ["on.a", "on.b"] } });
    expect(parseDescriptor("p/r.websocket", text({ handler: "p/rack", endpoint: "rack", protocol: "monorail" })).monorail).toEqual({ maxWatchers: 100, hookTimeoutMs: 5000 });
  });

  it("names file, line and field for an unknown option (with a suggestion), an empty allowlist, and monorail options without the protocol", () => {
    const unknown = problem({ handler: "p/rack", endpoint: "rack", protocol: "monorail", monorail: { maxWatcher: 5 } });
    expect(String(unknown)).toBe('p/rack.websocket:6:5: field "monorail.maxWatcher" is not a monorail option; did you mean "maxWatchers"?');
    const mqField = problem({ handler: "p/rack", endpoint: "rack", protocol: "monorail", monorail: { mq: { connection: "main", exchange: ["on.a"] } } });
    expect(String(mqField)).toMatch(/field "monorail\.mq\.exchange" is not a field of monorail\.mq; did you mean "exchanges"\?$/);
    const empty = problem({ handler: "p/rack", endpoint: "rack", protocol: "monorail", monorail: { mq: { connection: "main", exchanges: [] } } });
    expect(String(empty)).toMatch(/^p\/rack\.websocket:\d+:\d+: field "monorail\.mq\.exchanges" must list at least one exchange/);
    const noProtocol = problem({ handler: "p/rack", endpoint: "rack", monorail: { maxWatchers: 5 } });
    expect(String(noProtocol)).toMatch(/field "monorail" applies only to monorail endpoints; add "protocol": "monorail" or remove it$/);
  });
});
