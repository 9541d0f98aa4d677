import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { EvqEngine } from "../helpers/evqueue-engine.js";
import { waitUntil } from "../helpers/runtime.js";
import { startDriver, statesBecome } from "./cluster-driver.js";

// A cluster of two engines: the first one is killed and comes back.

let engines: EvqEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

it('fails over to the next node when the first is killed, reports ERROR then READY, and subscribes a node "*" subscription again with send_now after the restart', async () => {
  const who = (name: string) => () => [{ name: "who", attributes: { me: name } }];
  const e1 = await EvqEngine.start({ node: "n1", api: who("n1") });
  const e2 = await EvqEngine.start({ node: "n2", api: who("n2") });
  engines.push(e1, e2);
  const d = await startDriver([e1.url, e2.url], {}, { outboundHosts: [`127.0.0.1:${e1.port}`, `127.0.0.1:${e2.port}`] });
  const answeredBy = async () => ((await d.ask("API", { group: "status", action: "query" })).value as { attributes: { node: string } }).attributes.node;
  expect(await answeredBy()).toBe("n1");
  await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list", node: "*" }, false, 0, 3);
  await waitUntil(() => e1.subscriptions.length === 1 && e2.subscriptions.length === 1, 5000, "the subscription on both nodes");

  await e1.kill();
  expect(await answeredBy()).toBe("n2");
  const states = () => d.logged("STATE").filter((s) => s["node"] === "n1").map((s) => `${String(s["state"])}/${String(s["lastError"])}`);
  await waitUntil(() => states().includes("ERROR/CONNECTION"), 5000, "n1 in ERROR");
  expect(await d.ask("GetStates")).toEqual({ ok: true, value: ["ERROR", "READY"] });
  // Events from the node still up keep coming.
  e2.raise("INSTANCE_STARTED", 4);
  await waitUntil(() => d.logged("EVENT").some((ev) => (ev["info"] as { node: string }).node === "n2"), 5000, "n2's event");

  const subscribesBefore = e1.received.length;
  await e1.restart();
  await statesBecome(d, "READY");
  expect(states().slice(-2)).toEqual(["ERROR/CONNECTION", "READY/null"]);
  // The subscription is back on n1, asking for the current answer at once.
  await waitUntil(() => e1.subscriptions.length === 1, 5000, "the subscription back on n1");
  const again = e1.received.slice(subscribesBefore).find((r) => r.frame.attributes["action"] === "subscribe")!.frame;
  expect(again.attributes).toMatchObject({ type: "INSTANCE_STARTED", send_now: "yes", external_id: "3" });
  await waitUntil(() => d.logged("EVENT").some((ev) => (ev["info"] as { node: string }).node === "n1"), 5000, "n1's send_now answer");
  expect(await answeredBy()).toBe("n1");
});

it("moves a call that waits on a node to the next node when that node's connection fails", async () => {
  // n1 accepts the socket but says nothing yet: the call waits on it.
  const silent = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (p) => [...p][0] ?? false });
  await new Promise((resolve) => silent.once("listening", resolve));
  const port = (silent.address() as AddressInfo).port;
  const e2 = await EvqEngine.start({ node: "n2", api: () => [{ name: "who", attributes: { me: "n2" } }] });
  engines.push(e2);
  try {
    const d = await startDriver([`ws://127.0.0.1:${port}`, e2.url], {}, { outboundHosts: [`127.0.0.1:${port}`, `127.0.0.1:${e2.port}`] });
    await waitUntil(() => silent.clients.size === 1, 5000, "n1's socket");
    d.client.send(JSON.stringify({ op: "API", args: [{ group: "status", action: "query" }] }));
    await d.called("API");
    // The call waits on n1 (the first node not in ERROR); n1's connection drops: n2 answers it.
    for (const c of silent.clients) c.terminate();
    const answer = JSON.parse(String((await d.client.received(1))[0])) as { ok: boolean; value: { attributes: { node: string } } };
    expect(answer).toMatchObject({ ok: true, value: { attributes: { node: "n2" } } });
  } finally {
    for (const c of silent.clients) c.terminate();
    await new Promise((resolve) => silent.close(resolve));
  }
});

it("does not send a command again to the next node when the node it went to drops before answering: it rejects, saying it may have run", async () => {
  const launches = (e: EvqEngine) => e.received.filter((r) => r.frame.name === "instance" && r.frame.attributes["action"] === "launch").length;
  const e1 = await EvqEngine.start({ node: "n1", dropOn: (q) => q.attributes["action"] === "launch" });
  const e2 = await EvqEngine.start({ node: "n2", api: () => [{ name: "instance", attributes: { id: 1 } }] });
  engines.push(e1, e2);
  const d = await startDriver([e1.url, e2.url], {}, { outboundHosts: [`127.0.0.1:${e1.port}`, `127.0.0.1:${e2.port}`] });
  await statesBecome(d, "READY");
  const answer = await d.ask("API", { group: "instance", action: "launch", attributes: { name: "backup" } });
  expect(answer).toMatchObject({ ok: false, error: { name: "ConnectionError", code: "CONNECTION", node: "n1", sent: true } });
  expect(answer.error!.message).toContain("dropped the connection");
  expect(answer.error!.message).toContain("the command had been sent, so it may have run there (it is not sent to another node)");
  expect(launches(e1)).toBe(1);
  expect(launches(e2)).toBe(0);
});
