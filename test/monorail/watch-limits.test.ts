import { afterEach, describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { MrClient } from "./mr-client.js";

// What one connection, or many, may make the server hold for MonoRail watchers and asks.

const RACK = `
  const monorail = require("net/v4/monorail");
  monorail.resource("nodes", { all: () => [] });
  exports.onMessage = () => {};
`;

const files = {
  "p/rack.js": RACK,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
};

let open: MrClient[] = [];
afterEach(async () => {
  await Promise.all(open.map((c) => c.close()));
  open = [];
});

async function client(t: TestRuntime, path = "rack"): Promise<MrClient> {
  const c = await MrClient.connect(t.url(path));
  open.push(c);
  return c;
}

describe("MonoRail watch limits", () => {
  it("refuses watch params over 4096 characters of canonical JSON with an error frame naming the limit", async () => {
    const t = await startProject(files);
    const c = await client(t);
    const big = await c.ask({ handler: "watch", resource: "nodes", params: { q: "x".repeat(5000) } });
    expect(big).toMatchObject({ handler: "error", resource: "nodes", params: { name: "BadFrameError" } });
    expect(big.params!.message).toContain("at most 4096");
    expect(t.runtime.monorailStats().watchers).toBe(0);
    // Params just under the limit make a watcher.
    c.send({ handler: "watch", resource: "nodes", params: { q: "x".repeat(4000) } });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
  });
});
