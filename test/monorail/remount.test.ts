import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";
import { MrClient } from "./mr-client.js";

// An edit of an endpoint's protocol options reaches its open connections: they are asked to reconnect (1012).

const files = {
  "p/rack.js": `require("net/v4/monorail").resource("nodes", { all: () => [] }); exports.onMessage = () => {};`,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail", monorail: { maxWatchers: 3 } }),
  "p/sc.js": `exports.onMessage = () => {};`,
  "p/sc.websocket": descriptor("sc", "p/sc", { protocol: "socketcluster", socketcluster: { channelLimit: 10 } }),
};

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe("editing protocol options", () => {
  it("closes a monorail endpoint's connections with 1012 when its monorail options change, and not for another edit", async () => {
    const t = await startProject(files);
    const c = await MrClient.connect(t.url("rack"));
    try {
      // Another field of the descriptor: the connection stays.
      let reloaded = nextReload(t.runtime, (e) => e.file === "p/rack.websocket");
      await t.project.write("p/rack.websocket", descriptor("rack", "p/rack", { protocol: "monorail", monorail: { maxWatchers: 3 }, description: "edited" }));
      await reloaded;
      expect(await c.ask({ handler: "init" })).toMatchObject({ handler: "session" });
      const gone = closed(c.ws);
      reloaded = nextReload(t.runtime, (e) => e.file === "p/rack.websocket");
      await t.project.write("p/rack.websocket", descriptor("rack", "p/rack", { protocol: "monorail", monorail: { maxWatchers: 5 } }));
      await reloaded;
      expect(await gone).toEqual({ code: 1012, reason: "endpoint protocol options changed; reconnect" });
      await t.logs.waitFor((l) => l.msg === "p/rack.websocket: the protocol or protocol options of rack changed; its sessions reconnect");
      // A new connection gets the new options.
      const again = await MrClient.connect(t.url("rack"));
      expect(await again.ask({ handler: "init" })).toMatchObject({ handler: "session" });
      await again.close();
    } finally {
      await c.close();
    }
  });

  it("closes a socketcluster endpoint's connections with 1012 when its socketcluster options change", async () => {
    const t = await startProject(files);
    const ws = new WebSocket(t.url("sc"));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const gone = closed(ws);
    await t.project.write("p/sc.websocket", descriptor("sc", "p/sc", { protocol: "socketcluster", socketcluster: { channelLimit: 20 } }));
    expect(await gone).toEqual({ code: 1012, reason: "endpoint protocol options changed; reconnect" });
  });
});
