import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { RecentRefusals } from "../../src/server/recent-refusals.js";

const req = (remoteAddress: string, url: string) => ({ socket: { remoteAddress }, url }) as unknown as IncomingMessage;
const refusal = (status: number) => ({ status, brief: `brief ${status}`, detail: `detail ${status}` });

describe("RecentRefusals", () => {
  it("tells a refusal back to the same address at the same URL only, with the brief reason, for a few seconds", () => {
    let now = 1000;
    const recent = new RecentRefusals(10_000, 100, () => now);
    recent.remember(req("10.0.0.1", "/websockets/v4/service/a?t=1"), refusal(403));
    expect(recent.recall(req("10.0.0.1", "/websockets/v4/service/a?t=1"))).toEqual({ status: 403, brief: "brief 403" });
    expect(recent.recall(req("10.0.0.2", "/websockets/v4/service/a?t=1"))).toBeUndefined();
    expect(recent.recall(req("10.0.0.1", "/websockets/v4/service/a?t=2"))).toBeUndefined();
    now += 10_001;
    expect(recent.recall(req("10.0.0.1", "/websockets/v4/service/a?t=1"))).toBeUndefined();
    expect(recent.size).toBe(0);
  });

  it("keeps at most its bound, dropping the oldest first", () => {
    const recent = new RecentRefusals(10_000, 3, () => 0);
    for (let i = 0; i < 10; i++) recent.remember(req("10.0.0.1", `/u${i}`), refusal(400 + i));
    expect(recent.size).toBe(3);
    expect(recent.recall(req("10.0.0.1", "/u6"))).toBeUndefined();
    expect(recent.recall(req("10.0.0.1", "/u9"))?.status).toBe(409);
  });
});
