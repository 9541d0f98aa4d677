import { create, type AGClientSocket } from "socketcluster-client";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import type { Runtime } from "../../src/index.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

const HANDLER = `
  const { listen, ChannelError } = require("net/v4/channels");
  exports.onInvoke = async (procedure, data, connection) => {
    if (procedure === "add") return data.a + data.b;
    if (procedure === "login") { await connection.setAuthToken({ user: data.user }); return "ok"; }
    if (procedure === "listen") { listen(data); return null; }
    if (procedure === "fail") throw new ChannelError("BadThing", "nope");
  };
  exports.onPublication = () => {};
`;

const FILES = {
  "p/sc.js": HANDLER,
  "p/sc.websocket": descriptor("sc", "p/sc", { protocol: "socketcluster" }),
  "p/echo.js": "exports.onMessage = (m) => m;",
  "p/echo.websocket": descriptor("echo", "p/echo"),
};

/** Watches the dashboard's live socket; `latest` is the newest snapshot. */
async function watch(runtime: Runtime) {
  const ws = new WebSocket(runtime.dashboardUrl!.replace(/^http/, "ws").replace("/websockets/v4/?", "/websockets/v4/dashboard?"));
  const state: { latest?: DashboardSnapshot } = {};
  ws.on("message", (data) => (state.latest = JSON.parse(data.toString()) as DashboardSnapshot));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return { ws, state };
}

const sockets: AGClientSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

async function connect(runtime: Runtime): Promise<AGClientSocket> {
  const port = Number(new URL(runtime.url).port);
  const socket = create({ hostname: "127.0.0.1", port, path: "/websockets/v4/service/sc", autoReconnect: false });
  sockets.push(socket);
  await socket.listener("connect").once(5000);
  return socket;
}

async function subscribe(socket: AGClientSocket, channel: string): Promise<void> {
  const c = socket.subscribe(channel);
  const refused = c.listener("subscribeFail").once(5000).then(({ error }) => Promise.reject(error as Error));
  await Promise.race([c.listener("subscribe").once(5000), refused]);
}

describe("the dashboard's Channels panel", () => {
  it("shows a channel's subscribers, signed-in sessions, RPC calls with rates and errors by name", async () => {
    const { runtime } = await startProject(FILES);
    const { ws, state } = await watch(runtime);
    const empty = await waitUntil(() => state.latest?.channels, 3000, "the first snapshot");
    expect(empty).toEqual({
      channels: [],
      endpoints: [{ endpoint: "sc", signedIn: 0, calls: 0, failed: 0, errors: {}, errorNames: 0, rates: { calls: 0, errors: 0 } }],
      totals: { channels: 0, subscriptions: 0, endpoints: 1 },
    });

    const [ann, bob] = [await connect(runtime), await connect(runtime)];
    await subscribe(ann!, "room");
    await subscribe(bob!, "room");
    await subscribe(bob!, "lobby");
    expect(await ann!.invoke("login", { user: "ann" })).toBe("ok");
    expect(ann!.authState).toBe("authenticated");
    for (let i = 0; i < 3; i++) expect(await bob!.invoke("add", { a: i, b: 1 })).toBe(i + 1);
    expect(await bob!.invoke("listen", "lobby")).toBeNull();
    const failed = await bob!.invoke("fail", null).catch((e: Error) => e);
    expect(failed).toMatchObject({ name: "BadThing", message: "nope" });

    const panel = await waitUntil(() => state.latest?.channels.endpoints[0]?.calls === 6 && state.latest.channels, 5000, "6 calls on the dashboard");
    expect(panel.channels).toEqual([
      { project: "p", channel: "lobby", subscribers: 1, listeners: 1 },
      { project: "p", channel: "room", subscribers: 2, listeners: 0 },
    ]);
    expect(panel.totals).toEqual({ channels: 2, subscriptions: 3, endpoints: 1 });
    expect(panel.endpoints[0]).toMatchObject({ endpoint: "sc", signedIn: 1, calls: 6, failed: 1, errors: { BadThing: 1 }, errorNames: 1 });
    // Rates are per second over the last push: the calls above show up in one of them.
    await waitUntil(() => (state.latest?.channels.endpoints[0]?.rates.calls ?? 0) > 0, 5000, "a call rate above 0");

    // Only socketcluster endpoints are listed; a closed subscriber leaves its channels.
    bob!.disconnect();
    const after = await waitUntil(
      () => state.latest?.channels.totals.subscriptions === 1 && state.latest.channels,
      5000,
      "one subscription left",
    );
    expect(after.channels).toEqual([
      // lobby is still listened to by the module.
      { project: "p", channel: "lobby", subscribers: 0, listeners: 1 },
      { project: "p", channel: "room", subscribers: 1, listeners: 0 },
    ]);
    expect(after.endpoints.map((e) => e.endpoint)).toEqual(["sc"]);
    ws.close();
  });

  it("keeps many channels and error names bounded", { timeout: 60_000 }, async () => {
    const { runtime } = await startProject({
      ...FILES,
      "p/sc.js": `
        const { ChannelError } = require("net/v4/channels");
        exports.onInvoke = (procedure, data) => { throw new ChannelError(data, "named by the caller"); };
      `,
    });
    const socket = await connect(runtime);
    // Channel names may be 512 characters long; the page gets 200 of each.
    const long = "c".repeat(500);
    await Promise.all(Array.from({ length: 250 }, (_, i) => subscribe(socket, `${long}${i}`)));
    await Promise.all(Array.from({ length: 150 }, (_, i) => socket.invoke("x", `${i}${"E".repeat(3000)}`).catch(() => undefined)));
    const { ws, state } = await watch(runtime);
    const panel = await waitUntil(() => state.latest?.channels, 3000, "a snapshot");
    expect(panel.totals).toEqual({ channels: 250, subscriptions: 250, endpoints: 1 });
    expect(panel.channels).toHaveLength(200);
    for (const c of panel.channels) expect(c.channel.length).toBeLessThan(300);
    const sc = panel.endpoints[0]!;
    expect(sc).toMatchObject({ calls: 150, failed: 150 });
    // The runtime keeps 100 names (later ones are counted together); the page gets the 10 most frequent.
    expect(sc.errorNames).toBe(101);
    expect(Object.keys(sc.errors)).toHaveLength(10);
    expect(sc.errors["(other names)"]).toBe(50);
    for (const name of Object.keys(sc.errors)) expect(name.length).toBeLessThan(300);
    ws.close();
  });
});
