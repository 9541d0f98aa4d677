import { describe, expect, it } from "vitest";
import { parseDescriptor } from "../../src/config/descriptor.js";
import { AerostatError } from "../../src/index.js";

const text = (d: Record<string, unknown>) => JSON.stringify(d, null, 2);

function problem(d: Record<string, unknown>): AerostatError {
  try {
    parseDescriptor("p/jobs.websocket", text(d));
  } catch (error) {
    return error as AerostatError;
  }
  throw new Error("the descriptor parsed");
}

describe("evqueue descriptor options", () => {
  it("fills in defaults and keeps the given ones", () => {
    expect(parseDescriptor("p/jobs.websocket", text({ handler: "p/jobs", endpoint: "jobs", protocol: "evqueue" })).evqueue).toEqual({
      version: "3.3",
      modules: {},
      events: [],
      standardEvents: true,
      throttling: true,
      hookTimeoutMs: 5000,
      maxSubscriptions: 1000,
      authFailuresPerMinute: 10,
      maxFrameChars: 262144,
    });
    const d = parseDescriptor(
      "p/jobs.websocket",
      text({ handler: "p/jobs", endpoint: "jobs", protocol: "evqueue", evqueue: { version: "3.4", modules: { git: "1.0" }, events: ["JOB_DONE", "JOB_DONE"], throttling: false } }),
    );
    expect(d.evqueue).toMatchObject({ version: "3.4", modules: { git: "1.0" }, events: ["JOB_DONE"], throttling: false });
    expect(parseDescriptor("p/r.websocket", text({ handler: "p/jobs", endpoint: "jobs" })).evqueue).toBeUndefined();
  });

  it("names file, line and field for an unknown option, a bad event name, and evqueue options without the protocol", () => {
    const unknown = problem({ handler: "p/jobs", endpoint: "jobs", protocol: "evqueue", evqueue: { maxSubscription: 5 } });
    expect(String(unknown)).toBe('p/jobs.websocket:6:5: field "evqueue.maxSubscription" is not an evqueue option; did you mean "maxSubscriptions"?');
    const badName = problem({ handler: "p/jobs", endpoint: "jobs", protocol: "evqueue", evqueue: { events: ["JOB DONE"] } });
    expect(String(badName)).toMatch(/^p\/jobs\.websocket:\d+:\d+: field "evqueue\.events\.0" must be 1 to 128 letters/);
    const noProtocol = problem({ handler: "p/jobs", endpoint: "jobs", evqueue: { throttling: false } });
    expect(String(noProtocol)).toMatch(/^p\/jobs\.websocket:4:3: field "evqueue" applies only to evqueue endpoints; add "protocol": "evqueue" or remove it$/);
    const tooLong = problem({ handler: "p/jobs", endpoint: "jobs", protocol: "evqueue", evqueue: { maxFrameChars: 8 * 1024 * 1024 } });
    expect(String(tooLong)).toMatch(/field "evqueue\.maxFrameChars" must be at most 4194304$/);
    const badProtocol = problem({ handler: "p/jobs", endpoint: "jobs", protocol: "evq" });
    expect(String(badProtocol)).toMatch(/"evqueue" \(evQueue's XML API and events\)/);
  });
});
