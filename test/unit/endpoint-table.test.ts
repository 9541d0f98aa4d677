import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type Descriptor } from "../../src/config/descriptor.js";
import { buildEndpointTable } from "../../src/project/endpoint-table.js";

const d = (file: string, endpoint: string): Descriptor => ({
  file,
  endpoint,
  handler: "h",
  description: "",
  engine: "javascript",
  isolate: "shared",
  protocol: "raw",
  limits: DEFAULT_LIMITS,
});

describe("buildEndpointTable", () => {
  it("gives a contested endpoint to the first descriptor by path, whatever the input order", () => {
    const a = d("a/x.websocket", "same");
    const b = d("b/x.websocket", "same");
    const c = d("c.websocket", "other");
    for (const order of [[a, b, c], [c, b, a], [b, c, a]]) {
      const table = buildEndpointTable(order);
      expect(table.endpoints.get("same")).toBe(a);
      expect(table.endpoints.get("other")).toBe(c);
      expect(table.conflicts).toEqual([{ endpoint: "same", winner: "a/x.websocket", losers: ["b/x.websocket"] }]);
    }
  });

  it("leaves a contested endpoint with the descriptor serving it while it still claims it", () => {
    const bank = d("zbank/pay.websocket", "pay");
    const evil = d("0evil/pay.websocket", "pay");
    const serving = new Map([["pay", "zbank/pay.websocket"]]);
    const table = buildEndpointTable([evil, bank], serving);
    expect(table.endpoints.get("pay")).toBe(bank);
    expect(table.conflicts).toEqual([{ endpoint: "pay", winner: "zbank/pay.websocket", losers: ["0evil/pay.websocket"] }]);
    // Once the bank stops claiming it, the first by path takes it.
    expect(buildEndpointTable([evil, d("zbank/pay.websocket", "other")], serving).endpoints.get("pay")).toBe(evil);
  });
});
