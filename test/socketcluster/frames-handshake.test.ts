import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";
import { FrameClient, jwtPayload } from "./frame-client.js";

// Frame by frame, as protocols.md §2.2 lists them: handshake, close codes, pings, sign-in.

const AUTH_KEY = randomBytes(48).toString("base64");
const KEY_BYTES = new TextEncoder().encode(AUTH_KEY);

const HANDLER = `
  exports.onInvoke = async (procedure, data, connection) => {
    if (procedure === "echo") return data;
    if (procedure === "login") { await connection.setAuthToken({ user: data.user }, { expiresIn: 60 }); return "ok"; }
    if (procedure === "whoami") return connection.authToken ? connection.authToken.user : null;
  };
`;

const FAST = { pingIntervalMs: 100, pingTimeoutMs: 500, handshakeTimeoutMs: 300 };

async function start() {
  const t = await startProject(
    {
      "p/h.js": HANDLER,
      "p/sc.websocket": descriptor("sc", "p/h", { protocol: "socketcluster" }),
      "p/fast.websocket": descriptor("fast", "p/h", { protocol: "socketcluster", socketcluster: FAST }),
    },
    { authKey: AUTH_KEY },
  );
  return t;
}

/** A token as a client might hold one: signed with `key`, for `audience`, expiring at `exp` (seconds). */
function token(payload: Record<string, unknown>, audience: string, exp: number, key = KEY_BYTES): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setAudience(audience).setExpirationTime(exp).sign(key);
}

const now = () => Math.floor(Date.now() / 1000);
const HANDSHAKE_REPLY = /^\{"rid":1,"data":\{"id":"s\d+","pingTimeout":30000,"isAuthenticated":false\}\}$/;

describe("socketcluster frames: handshake and close codes", () => {
  it("answers #handshake with the session id, pingTimeout and isAuthenticated, in that shape", async () => {
    const { url } = await start();
    const c = await FrameClient.connect(url("sc"));
    c.send({ event: "#handshake", data: { authToken: null }, cid: 1 });
    expect(await c.takeText((t) => t.startsWith('{"rid":1'))).toMatch(HANDSHAKE_REPLY);
    c.send({ event: "echo", data: { a: [1, "x"] }, cid: 2 });
    expect(await c.takeText((t) => t.startsWith('{"rid":2'))).toBe('{"rid":2,"data":{"a":[1,"x"]}}');
    c.close();
  });

  it("closes 4008 on a #handshake without cid, 4009 on any other first frame, 4005 when none comes in time", async () => {
    const { url } = await start();
    const noCid = await FrameClient.connect(url("sc"));
    noCid.send({ event: "#handshake", data: { authToken: null } });
    expect((await noCid.closed).code).toBe(4008);

    const invokeFirst = await FrameClient.connect(url("sc"));
    invokeFirst.send({ event: "echo", data: 1, cid: 1 });
    expect((await invokeFirst.closed).code).toBe(4009);

    const rawFirst = await FrameClient.connect(url("sc"));
    rawFirst.send("hello");
    expect((await rawFirst.closed).code).toBe(4009);

    const silent = await FrameClient.connect(url("fast"));
    const openedAt = Date.now();
    const closed = await silent.closed;
    expect(closed.code).toBe(4005);
    expect(closed.at - openedAt).toBeGreaterThanOrEqual(FAST.handshakeTimeoutMs - 20);
    expect(closed.at - openedAt).toBeLessThan(FAST.handshakeTimeoutMs + 1000);
    for (const c of [noCid, invokeFirst, rawFirst, silent]) expect(c.texts()).toEqual([]);
  });

  it("takes a batch: #handshake and an invoke in one array frame get both answers, in order", async () => {
    const { url } = await start();
    const c = await FrameClient.connect(url("sc"));
    c.send([
      { event: "#handshake", data: { authToken: null }, cid: 1 },
      { event: "echo", data: "batched", cid: 2 },
    ]);
    await c.take((f) => f["rid"] === 2);
    expect(c.texts()[0]).toMatch(HANDSHAKE_REPLY);
    expect(c.texts()[1]).toBe('{"rid":2,"data":"batched"}');
    c.send([
      { event: "echo", data: 3, cid: 3 },
      { event: "echo", data: 4, cid: 4 },
    ]);
    await c.take((f) => f["rid"] === 4);
    expect(c.texts().slice(2)).toEqual(['{"rid":3,"data":3}', '{"rid":4,"data":4}']);
    c.close();
  });
});

describe("socketcluster frames: pings", () => {
  it('pings with "" every pingIntervalMs and closes a client that sends nothing with 4001 after pingTimeoutMs', async () => {
    const { url } = await start();
    const { client, reply } = await FrameClient.open(url("fast"));
    expect(reply).toMatchObject({ data: { pingTimeout: FAST.pingTimeoutMs } });
    const repliedAt = Date.now();
    const pings = await client.pinged(3);
    const gaps = [pings[0]! - repliedAt, pings[1]! - pings[0]!, pings[2]! - pings[1]!];
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(FAST.pingIntervalMs - 40);
      expect(gap).toBeLessThan(FAST.pingIntervalMs * 4);
    }
    const closed = await client.closed;
    expect(closed.code).toBe(4001);
    expect(closed.at - repliedAt).toBeGreaterThanOrEqual(FAST.pingTimeoutMs - 50);
    expect(closed.at - repliedAt).toBeLessThan(FAST.pingTimeoutMs + 1000);
    // Nothing but the reply and pings came.
    expect(client.texts()).toHaveLength(1);
  });

  it('keeps a client that answers "" open past several pingTimeoutMs', async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("fast"));
    client.answerPings();
    const startedAt = Date.now();
    // Three ping timeouts' worth of pings, each answered with "".
    await client.pinged((3 * FAST.pingTimeoutMs) / FAST.pingIntervalMs, 10_000);
    expect(Date.now() - startedAt).toBeGreaterThan(3 * FAST.pingTimeoutMs - 200);
    expect(client.isOpen).toBe(true);
    client.send({ event: "echo", data: "alive", cid: 2 });
    expect(await client.take((f) => f["rid"] === 2)).toEqual({ rid: 2, data: "alive" });
    client.close();
  });
});

describe("socketcluster frames: sign-in tokens", () => {
  it("sends #setAuthToken with a JWT for this project, signed with authKey, expiring as asked; the token signs in on the next handshake", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    client.send({ event: "login", data: { user: "ann" }, cid: 2 });
    await client.take((f) => f["rid"] === 2);
    const [, setFrame, answer] = client.texts();
    expect(answer).toBe('{"rid":2,"data":"ok"}');
    const match = /^\{"event":"#setAuthToken","data":\{"token":"([\w-]+\.[\w-]+\.[\w-]+)"\}\}$/.exec(setFrame ?? "");
    expect(match, setFrame).not.toBeNull();
    const jwt = match![1]!;
    const header = JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString("utf8")) as unknown;
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    const payload = jwtPayload(jwt);
    expect(payload).toEqual({ user: "ann", aud: "aerostat:p", iat: expect.any(Number), exp: expect.any(Number) });
    expect(Math.abs((payload["exp"] as number) - (now() + 60))).toBeLessThanOrEqual(3);
    const verified = await jwtVerify(jwt, KEY_BYTES, { audience: "aerostat:p", algorithms: ["HS256"] });
    expect(verified.payload["user"]).toBe("ann");
    await expect(jwtVerify(jwt, randomBytes(48), { algorithms: ["HS256"] })).rejects.toThrow();
    client.close();

    const again = await FrameClient.open(url("sc"), jwt);
    expect(again.reply).toEqual({ rid: 1, data: { id: expect.stringMatching(/^s\d+$/), pingTimeout: 30000, isAuthenticated: true } });
    again.client.send({ event: "whoami", cid: 2 });
    expect(await again.client.take((f) => f["rid"] === 2)).toEqual({ rid: 2, data: "ann" });
    again.client.close();
  });

  it("answers a forged or unreadable token with authError AuthTokenInvalidError, then #removeAuthToken", async () => {
    const { url } = await start();
    const forged = await token({ user: "eve" }, "aerostat:p", now() + 600, randomBytes(48));
    for (const bad of [forged, "not-a-jwt"]) {
      const { client, reply } = await FrameClient.open(url("sc"), bad);
      expect(reply).toEqual({
        rid: 1,
        data: { id: expect.stringMatching(/^s\d+$/), pingTimeout: 30000, isAuthenticated: false, authError: { name: "AuthTokenInvalidError", message: expect.any(String) } },
      });
      expect(await client.takeText((t) => t !== "")).toBe('{"event":"#removeAuthToken"}');
      client.send({ event: "whoami", cid: 2 });
      expect(await client.take((f) => f["rid"] === 2)).toEqual({ rid: 2, data: null });
      client.close();
    }
  });

  it("answers an expired token with authError AuthTokenExpiredError, then #removeAuthToken", async () => {
    const { url } = await start();
    const expired = await token({ user: "ann" }, "aerostat:p", now() - 60);
    const { client, reply } = await FrameClient.open(url("sc"), expired);
    expect(reply).toMatchObject({ rid: 1, data: { isAuthenticated: false, authError: { name: "AuthTokenExpiredError" } } });
    expect(Object.keys(reply["data"] as object)).toEqual(["id", "pingTimeout", "isAuthenticated", "authError"]);
    expect(await client.takeText((t) => t !== "")).toBe('{"event":"#removeAuthToken"}');
    client.close();
  });

  it("treats another project's valid token as absent: no authError, no #removeAuthToken", async () => {
    const { url } = await start();
    const theirs = await token({ user: "ann" }, "aerostat:other", now() + 600);
    const c = await FrameClient.connect(url("sc"));
    c.send({ event: "#handshake", data: { authToken: theirs }, cid: 1 });
    // The reply to a later invoke comes after anything the handshake caused: it marks the end of what could have come.
    c.send({ event: "whoami", cid: 2 });
    await c.take((f) => f["rid"] === 2);
    const texts = c.texts();
    expect(texts[0]).toMatch(HANDSHAKE_REPLY);
    expect(texts.slice(1)).toEqual(['{"rid":2,"data":null}']);
    c.close();
  });
});
