import { describe, expect, it } from "vitest";
import { StompSession, type StompSessionDeps } from "../../src/stomp/stomp-session.js";
import { waitUntil } from "../helpers/runtime.js";

/** A session over an in-memory transport: what it wrote, and whether it closed. */
function session(overrides: Partial<StompSessionDeps> = {}) {
  const written: string[] = [];
  const warnings: string[] = [];
  const state = { closed: false };
  const s = new StompSession(
    "stomp-t",
    { write: (text) => void written.push(text), close: () => void (state.closed = true) },
    {
      warn: (_kind, _fields, message) => void warnings.push(message),
      buffered: { used: 0, max: 1024 },
      lookup: () => undefined,
      originAllowed: () => true,
      answerTimeoutMs: 1000,
      deadlines: { connectMs: 60, frameMs: 60 },
      ...overrides,
    },
  );
  return { s, written, warnings, state };
}

describe("a STOMP session's deadlines and budget", () => {
  it("ends a session that sends no CONNECT in time, with ERROR", async () => {
    const { written, state } = session();
    await waitUntil(() => state.closed, 2000, "the session to end");
    expect(written.join("")).toContain("message:no CONNECT within 60 ms");
  });

  it("ends a session that leaves a frame unfinished, and gives back what it held", async () => {
    const buffered = { used: 0, max: 1024 };
    const { s, written, state } = session({ buffered });
    s.receive("CONNECT\naccept-version:1.2\n\n\0");
    expect(written[0]).toMatch(/^CONNECTED\n/);
    s.receive("SEND\ndestination:/ws/stomp/x\n\nhalf a bo");
    expect(buffered.used).toBeGreaterThan(0);
    await waitUntil(() => state.closed, 2000, "the session to end");
    expect(written.at(-1)).toContain("message:a frame was not finished within 60 ms");
    expect(buffered.used).toBe(0);
  });

  it("refuses text past the budget shared by all sessions", () => {
    const buffered = { used: 1000, max: 1024 };
    const { s, written, state } = session({ buffered });
    s.receive("CONNECT\n\n\0" + "x".repeat(100));
    expect(state.closed).toBe(true);
    expect(written.join("")).toContain("too many unfinished frames");
    expect(buffered.used).toBe(1000);
  });
});
