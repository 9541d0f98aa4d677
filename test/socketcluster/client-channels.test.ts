import { describe, expect, it } from "vitest";
import { HOOKS, INVOKE_ONLY } from "./handlers.js";
import { scDescriptor, startSc } from "./sc-client.js";

const files = () => ({
  "p/h.js": HOOKS,
  "p/h.websocket": scDescriptor("ch", "p/h"),
  "p/plain.js": INVOKE_ONLY,
  "p/closed.websocket": scDescriptor("closed", "p/plain"),
  "p/open.websocket": scDescriptor("open", "p/plain", { clientPublish: true }),
});

describe("stock socketcluster-client: channels", () => {
  it("autoSubscribeOnConnect:false sends no #subscribe until processPendingSubscriptions()", async () => {
    const sc = await startSc(files());
    const client = sc.client("ch", { autoSubscribeOnConnect: false });
    const { socket } = client;
    const channel = socket.subscribe("room", { data: { since: 3 } });
    const connect = await client.next("connect");
    expect(typeof connect.processPendingSubscriptions).toBe("function");
    // An invoke made after the connect is answered after anything sent before it: onSubscribe never ran.
    expect(await socket.invoke("seen", null)).toEqual([]);
    expect(socket.getChannelState("room")).toBe("pending");
    expect(client.sent.some((f) => f.includes("#subscribe"))).toBe(false);
    connect.processPendingSubscriptions();
    await channel.listener("subscribe").once(5000);
    expect(await socket.invoke("seen", null)).toEqual([{ hook: "onSubscribe", channel: "room", data: { since: 3 }, waitForAuth: false }]);
  });

  it("subscribe, subscribeStateChange, subscribeRequest, subscribeFail by name, unsubscribe", async () => {
    const sc = await startSc(files());
    const client = sc.client("ch");
    const { socket } = client;
    await client.next("connect");
    const room = socket.subscribe("room");
    const change = await room.listener("subscribeStateChange").once(5000);
    expect(change).toMatchObject({ oldChannelState: "pending", newChannelState: "subscribed" });
    expect(client.events()).toEqual(expect.arrayContaining(["subscribeRequest", "subscribeStateChange", "subscribe"]));
    expect(socket.subscriptions()).toEqual(["room"]);

    socket.subscribe("blocked/1");
    const blocked = await client.next("subscribeFail", 0, (d) => d.channel === "blocked/1");
    expect(blocked.error.name).toBe("SilentMiddlewareBlockedError");
    socket.subscribe("forbidden");
    const forbidden = await client.next("subscribeFail", 0, (d) => d.channel === "forbidden");
    expect(forbidden.error).toMatchObject({ name: "ForbiddenError", message: "auth needed for forbidden", channel: "forbidden" });
    expect(socket.getChannelState("forbidden")).toBe("unsubscribed");

    const mark = client.mark;
    socket.unsubscribe("room");
    expect(client.events(mark)).toEqual(["subscribeStateChange", "unsubscribe"]);
    expect(await socket.invoke("subs", null)).toEqual([]);
    // Publications on it no longer arrive: the next one on "room2" does, and nothing before it.
    const room2 = socket.subscribe("room2");
    await room2.listener("subscribe").once(5000);
    const got = room2.once(5000);
    const frameMark = client.mark;
    await socket.invoke("say", { channel: "room", data: "gone" });
    await socket.invoke("say", { channel: "room2", data: "here" });
    expect(await got).toBe("here");
    expect(client.frames(frameMark).some((f) => f.includes('"gone"'))).toBe(false);
  });

  it("waitForAuth channels stay pending until #setAuthToken, then subscribe", async () => {
    const sc = await startSc(files());
    const client = sc.client("ch");
    const { socket } = client;
    await client.next("connect");
    const priv = socket.subscribe("secure/ann", { waitForAuth: true });
    expect(await socket.invoke("seen", null)).toEqual([]);
    expect(socket.getChannelState("secure/ann")).toBe("pending");
    const subscribed = priv.listener("subscribe").once(5000);
    await socket.invoke("login", { user: "ann" });
    await subscribed;
    expect(socket.getChannelState("secure/ann")).toBe("subscribed");
    expect(await socket.invoke("seen", null)).toEqual([{ hook: "onSubscribe", channel: "secure/ann", data: null, waitForAuth: true }]);
  });

  it("kickOut: the client hears the message and drops the channel", async () => {
    const sc = await startSc(files());
    const client = sc.client("ch");
    const { socket } = client;
    await client.next("connect");
    const room = socket.subscribe("room");
    await room.listener("subscribe").once(5000);
    const kicked = room.listener("kickOut").once(5000);
    await socket.invoke("kick", { channel: "room", message: "bye" });
    expect(await kicked).toEqual({ message: "bye" });
    expect(await client.next("kickOut")).toEqual({ channel: "room", message: "bye" });
    expect(socket.getChannelState("room")).toBe("unsubscribed");
    expect(await socket.invoke("subs", null)).toEqual([]);
  });

  it("transmitPublish / invokePublish go through onPublishIn; false → SilentMiddlewareBlockedError", async () => {
    const sc = await startSc(files());
    const pub = sc.client("ch");
    const sub = sc.client("ch");
    await pub.next("connect");
    await sub.next("connect");
    const news = sub.socket.subscribe("news");
    const shout = sub.socket.subscribe("shout");
    await sub.next("subscribe", 0, (d) => d.channel === "news");
    await sub.next("subscribe", 0, (d) => d.channel === "shout");
    const first = news.once(5000);
    await pub.socket.invokePublish("news", { n: 1 });
    expect(await first).toEqual({ n: 1 });
    const second = news.once(5000);
    await pub.socket.transmitPublish("news", { n: 2 });
    expect(await second).toEqual({ n: 2 });
    const loud = shout.once(5000);
    await pub.socket.invokePublish("shout", "hey");
    expect(await loud).toBe("HEY");
    const blocked = await pub.socket.invokePublish("blocked", 1).catch((e: Error) => e);
    expect((blocked as Error).name).toBe("SilentMiddlewareBlockedError");
  });

  it("client publish off (no onPublishIn, no clientPublish) → InvalidActionError; clientPublish:true lets it through", async () => {
    const sc = await startSc(files());
    const closed = sc.client("closed");
    await closed.next("connect");
    const refused = await closed.socket.invokePublish("news", 1).catch((e: Error) => e);
    expect(refused).toMatchObject({ name: "InvalidActionError", message: "Client publish feature is disabled" });

    const open = sc.client("open");
    await open.next("connect");
    const news = open.socket.subscribe("news");
    await news.listener("subscribe").once(5000);
    const got = news.once(5000);
    await open.socket.invokePublish("news", { ok: true });
    expect(await got).toEqual({ ok: true });
  });
});
