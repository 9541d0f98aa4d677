import { describe, expect, it } from "vitest";
import { nextReload } from "../helpers/runtime.js";
import { HOOKS } from "./handlers.js";
import { scDescriptor, startSc } from "./sc-client.js";

const files = (options: Record<string, unknown> = {}) => ({ "p/h.js": HOOKS, "p/h.websocket": scDescriptor("rpc", "p/h", options) });

describe("stock socketcluster-client: RPC both ways", () => {
  it("invoke resolves with onInvoke's value; a per-call ackTimeout rejects with the client's TimeoutError", async () => {
    const sc = await startSc(files());
    const { socket } = sc.client("rpc");
    await socket.listener("connect").once(5000);
    expect(await socket.invoke("echo", { a: [1, "two"] })).toEqual({ a: [1, "two"] });
    const started = Date.now();
    const err = await socket.invoke("never", null, { ackTimeout: 150 }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: "TimeoutError", message: "Event response for never event timed out" });
    expect(Date.now() - started).toBeLessThan(2000);
    // The connection carries on.
    expect(await socket.invoke("echo", 7)).toBe(7);
  });

  it("a hook that outlasts hookTimeoutMs answers TimeoutError from the server", async () => {
    const sc = await startSc(files({ hookTimeoutMs: 150 }));
    const client = sc.client("rpc");
    await client.next("connect");
    const mark = client.mark;
    const err = await client.socket.invoke("never", null, { ackTimeout: 5000 }).catch((e: Error) => e);
    expect((err as Error).name).toBe("TimeoutError");
    // It came from aerostat as an error reply, not from the client's own timer.
    expect(client.frames(mark).some((f) => /"rid":\d+,"error":\{[^}]*"name":"TimeoutError"/.test(f))).toBe(true);
    expect((err as Error).message).not.toMatch(/^Event response for/);
  });

  it("errors come back by name with their own fields, and the wire carries no stack", async () => {
    const sc = await startSc(files());
    const client = sc.client("rpc");
    const { socket } = client;
    await client.next("connect");
    const mark = client.mark;
    const bad = await socket.invoke("fail", null).catch((e: Error) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(bad).toMatchObject({ name: "BadThing", message: "nope", extra: 1, detail: "more" });
    const plain = await socket.invoke("failPlain", null).catch((e: Error) => e);
    expect(plain).toMatchObject({ name: "TypeError", message: "bad input" });
    const unknown = await socket.invoke("nosuch", null).catch((e: Error) => e);
    expect((unknown as Error).name).toBe("InvalidActionError");
    const replies = client.frames(mark).map((f) => JSON.parse(f) as { rid?: number; error?: Record<string, unknown> });
    const errors = replies.filter((r) => r.error).map((r) => r.error!);
    expect(errors.map((e) => e["name"])).toEqual(["BadThing", "TypeError", "InvalidActionError"]);
    for (const e of errors) expect(e).not.toHaveProperty("stack");
  });

  it("transmit reaches onTransmit and gets no reply frame", async () => {
    const sc = await startSc(files());
    const client = sc.client("rpc");
    const { socket } = client;
    await client.next("connect");
    const mark = client.mark;
    await socket.transmit("note", { text: "hi" });
    const seen = (await socket.invoke("seen", null)) as { hook: string }[];
    expect(seen).toEqual([{ hook: "onTransmit", receiver: "note", data: { text: "hi" }, id: socket.id }]);
    // The only frame back is the answer to "seen" (cid 2: the handshake was 1).
    const frames = client.frames(mark).map((f) => JSON.parse(f) as { rid?: number });
    expect(frames).toHaveLength(1);
    expect(frames[0]!.rid).toBe(2);
  });

  it("the server invokes a client procedure: end() value, error() by name, no answer → TimeoutError", async () => {
    const sc = await startSc(files({ ackTimeoutMs: 200 }));
    const client = sc.client("rpc");
    const { socket } = client;
    await client.next("connect");
    void (async () => {
      for await (const request of socket.procedure("whoAreYou")) request.end({ me: "client", got: request.data });
    })();
    void (async () => {
      for await (const request of socket.procedure("refuse")) {
        const e = new Error("not today");
        e.name = "NopeError";
        (e as Error & { code: number }).code = 42;
        request.error(e);
      }
    })();
    expect(await socket.invoke("ask", { procedure: "whoAreYou", data: 5 })).toEqual({ ok: { me: "client", got: 5 } });
    expect(await socket.invoke("ask", { procedure: "refuse", data: null })).toEqual({ name: "NopeError", message: "not today" });
    // Nobody answers "silent": the descriptor's ackTimeoutMs (200), then a per-call one.
    const started = Date.now();
    expect(await socket.invoke("ask", { procedure: "silent", data: null })).toMatchObject({ name: "TimeoutError" });
    expect(await socket.invoke("ask", { procedure: "silent", data: null, ackTimeoutMs: 100 })).toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("batches: batchOnHandshake and startBatch()/flushBatch() send arrays the server answers packet by packet", async () => {
    const sc = await startSc(files());
    const client = sc.client("rpc", { batchOnHandshake: true });
    const { socket } = client;
    // Asked before the handshake: they go out in the first batch after it, with the subscription.
    socket.subscribe("room");
    const answers = Promise.all([socket.invoke("echo", 1), socket.invoke("echo", 2)]);
    await client.next("subscribe", 0, (d) => d.channel === "room");
    expect(await answers).toEqual([1, 2]);
    expect(client.sent[0]).toMatch(/^\[/);
    expect((JSON.parse(client.sent[0]!) as { event: string }[]).map((p) => p.event)).toEqual(["#subscribe", "echo", "echo"]);

    const other = sc.client("rpc");
    await other.next("connect");
    other.socket.startBatch();
    const later = Promise.all([other.socket.invoke("echo", "a"), other.socket.transmit("note", 1), other.socket.invoke("echo", "b")]);
    expect(other.sent).toHaveLength(0);
    other.socket.flushBatch();
    expect(other.sent).toHaveLength(1);
    expect(JSON.parse(other.sent[0]!)).toHaveLength(3);
    expect(await later).toEqual(["a", undefined, "b"]);
  });

  it("a handler reload while a hook runs answers HandlerUnavailableError; subscriptions and sign-in stay", async () => {
    const sc = await startSc(files());
    const client = sc.client("rpc");
    const { socket } = client;
    await client.next("connect");
    await socket.invoke("login", { user: "ann" });
    const channel = socket.subscribe("room");
    await channel.listener("subscribe").once(5000);
    const started = socket.receiver("started").once(5000);
    const pending = socket.invoke("hang", null).catch((e: Error) => e);
    await started;
    const reloaded = nextReload(sc.runtime, (e) => e.file === "p/h.js" && e.ok);
    await sc.project.write("p/h.js", HOOKS + "\n// edited\n");
    await reloaded;
    expect((await pending) as Error).toMatchObject({ name: "HandlerUnavailableError" });
    expect(socket.state).toBe("open");
    expect(socket.authState).toBe("authenticated");
    expect(await socket.invoke("whoami", null)).toBe("ann");
    expect(await socket.invoke("subs", null)).toEqual(["room"]);
    const got = channel.once(5000);
    await socket.invoke("say", { channel: "room", data: "after reload" });
    expect(await got).toBe("after reload");
  });
});
