import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { waitUntil } from "../helpers/runtime.js";
import { HOOKS } from "./handlers.js";
import { AUTH_KEY, MapAuthEngine, nowSeconds, scDescriptor, signToken, startSc } from "./sc-client.js";

const files = () => ({
  "p/h.js": HOOKS,
  "p/h.websocket": scDescriptor("auth-p", "p/h"),
  "q/h.js": HOOKS,
  "q/h.websocket": scDescriptor("auth-q", "q/h"),
  // Pings too rare to matter: only the client's own packets can notice an expired token.
  "p/quiet.websocket": scDescriptor("quiet", "p/h", { pingIntervalMs: 20_000, pingTimeoutMs: 60_000 }),
});

const SIGN_IN = ["authStateChange", "authenticate"];

describe("stock socketcluster-client: sign-in", () => {
  it("setAuthToken signs in (events in order, token of the project's key); server and client sign-out", async () => {
    const sc = await startSc(files());
    const auth = new MapAuthEngine();
    const client = sc.client("auth-p", { authEngine: auth });
    const { socket } = client;
    await client.next("connect");
    let mark = client.mark;
    await socket.invoke("login", { user: "ann" });
    await client.next("authenticate", mark);
    expect(client.events(mark)).toEqual(SIGN_IN);
    expect(socket.authState).toBe("authenticated");
    expect(socket.authToken).toMatchObject({ user: "ann", aud: "aerostat:p" });
    const { payload } = await jwtVerify(socket.signedAuthToken!, new TextEncoder().encode(AUTH_KEY), { audience: "aerostat:p" });
    expect(payload["user"]).toBe("ann");
    expect(auth.tokens.get(socket.authTokenName)).toBe(socket.signedAuthToken);

    mark = client.mark;
    await socket.invoke("logout", null);
    await client.next("removeAuthToken", mark);
    expect(client.events(mark)).toEqual(["authStateChange", "deauthenticate", "removeAuthToken"]);
    expect(socket.authState).toBe("unauthenticated");
    expect(auth.tokens.size).toBe(0);
    expect(await socket.invoke("whoami", null)).toBeNull();

    await socket.invoke("login", { user: "bob" });
    expect(await socket.invoke("whoami", null)).toBe("bob");
    mark = client.mark;
    await socket.deauthenticate();
    expect(client.events(mark)).toEqual(["authStateChange", "deauthenticate", "removeAuthToken"]);
    expect(await socket.invoke("whoami", null)).toBeNull();
  });

  it("a stored token signs in on reconnect; an expired one is refused with AuthTokenExpiredError and removed", async () => {
    const sc = await startSc(files());
    const auth = new MapAuthEngine();
    const first = sc.client("auth-p", { authEngine: auth });
    await first.next("connect");
    await first.socket.invoke("login", { user: "ann" });
    await first.next("authenticate");
    first.socket.disconnect();

    const again = sc.client("auth-p", { authEngine: auth });
    const connect = await again.next("connect");
    expect(connect).toMatchObject({ isAuthenticated: true, authToken: auth.tokens.get(again.socket.authTokenName) });
    expect(again.socket.authToken).toMatchObject({ user: "ann" });
    expect(await again.socket.invoke("whoami", null)).toBe("ann");
    again.socket.disconnect();

    const name = again.socket.authTokenName;
    auth.tokens.set(name, await signToken("p", { user: "ann" }, nowSeconds() - 10));
    const late = sc.client("auth-p", { authEngine: auth });
    const refused = await late.next("connect");
    expect(refused.isAuthenticated).toBe(false);
    expect(refused.authError).toBeInstanceOf(Error);
    expect(refused.authError.name).toBe("AuthTokenExpiredError");
    await late.next("removeAuthToken");
    expect(auth.tokens.has(name)).toBe(false);
    expect(late.socket.authState).toBe("unauthenticated");
  });

  it("another project's token on the same host:port counts as none and stays stored", async () => {
    const sc = await startSc(files());
    const auth = new MapAuthEngine();
    const q = sc.client("auth-q", { authEngine: auth });
    await q.next("connect");
    await q.socket.invoke("login", { user: "quinn" });
    await q.next("authenticate");
    const name = q.socket.authTokenName;
    const token = auth.tokens.get(name);
    q.socket.disconnect();

    const p = sc.client("auth-p", { authEngine: auth });
    const connect = await p.next("connect");
    expect(p.socket.authTokenName).toBe(name);
    expect(connect.isAuthenticated).toBe(false);
    expect(connect.authError).toBeUndefined();
    expect(await p.socket.invoke("whoami", null)).toBeNull();
    expect(p.frames().some((f) => f.includes("#removeAuthToken"))).toBe(false);
    expect(auth.tokens.get(name)).toBe(token);
    p.socket.disconnect();

    // Still good for the project that signed it.
    const back = sc.client("auth-q", { authEngine: auth });
    expect(await back.next("connect")).toMatchObject({ isAuthenticated: true });
  });

  it("#authenticate: a valid token signs in without reconnecting; a bad one rejects AuthTokenInvalidError", async () => {
    const sc = await startSc(files());
    const client = sc.client("auth-p", { authEngine: new MapAuthEngine() });
    const { socket } = client;
    await client.next("connect");
    const id = socket.id;
    const status = await socket.authenticate(await signToken("p", { user: "ann" }, nowSeconds() + 60));
    expect(status).toEqual({ isAuthenticated: true, authError: null });
    expect(socket.id).toBe(id);
    expect(socket.authState).toBe("authenticated");
    expect(await socket.invoke("whoami", null)).toBe("ann");

    const forged = await signToken("p", { user: "eve" }, nowSeconds() + 60, "another-key-0123456789-abcdefghijklmnopq");
    const err = await socket.authenticate(forged).catch((e: Error) => e);
    expect((err as Error).name).toBe("AuthTokenInvalidError");
    expect(socket.authState).toBe("unauthenticated");
    expect(socket.id).toBe(id);
    expect(await socket.invoke("whoami", null)).toBeNull();
  });

  it("a requireAuth channel is kicked out when the token expires; the others stay", async () => {
    const sc = await startSc(files());
    const client = sc.client("auth-p", { authEngine: new MapAuthEngine() });
    const { socket } = client;
    await client.next("connect");
    await socket.invoke("login", { user: "ann", expiresIn: 1 });
    await client.next("authenticate");
    const exp = socket.authToken!["exp"] as number;
    socket.subscribe("secure/ann");
    socket.subscribe("room");
    await client.next("subscribe", 0, (d) => d.channel === "secure/ann");
    await client.next("subscribe", 0, (d) => d.channel === "room");
    // Nothing but pongs goes out: expiry is noticed on them.
    const kicked = await client.next("kickOut", 0, () => true, 4000);
    expect(kicked.channel).toBe("secure/ann");
    await client.next("deauthenticate");
    expect(socket.getChannelState("secure/ann")).toBe("unsubscribed");
    expect(socket.getChannelState("room")).toBe("subscribed");
    expect(socket.authState).toBe("unauthenticated");
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(await socket.invoke("subs", null)).toEqual(["room"]);
  });

  it("expiry is noticed on the next inbound packet too (no pong needed)", async () => {
    const sc = await startSc(files());
    const client = sc.client("quiet", { authEngine: new MapAuthEngine() });
    const { socket } = client;
    await client.next("connect");
    await socket.invoke("login", { user: "ann", expiresIn: 1 });
    await client.next("authenticate");
    const exp = socket.authToken!["exp"] as number;
    socket.subscribe("secure/ann");
    await client.next("subscribe", 0, (d) => d.channel === "secure/ann");
    await waitUntil(() => Date.now() >= exp * 1000 + 50, 3000, "the token's expiry");
    const mark = client.mark;
    expect(await socket.invoke("whoami", null)).toBeNull();
    expect(client.events(mark)).toEqual(expect.arrayContaining(["kickOut", "deauthenticate"]));
  });

  it("signing out (server or client) kicks requireAuth channels out", async () => {
    const sc = await startSc(files());
    const client = sc.client("auth-p", { authEngine: new MapAuthEngine() });
    const { socket } = client;
    await client.next("connect");
    await socket.invoke("login", { user: "ann" });
    await client.next("authenticate");
    socket.subscribe("secure/a");
    await client.next("subscribe", 0, (d) => d.channel === "secure/a");
    let mark = client.mark;
    await socket.invoke("logout", null);
    expect(await client.next("kickOut", mark)).toMatchObject({ channel: "secure/a" });

    await socket.invoke("login", { user: "ann" });
    socket.subscribe("secure/b");
    await client.next("subscribe", 0, (d) => d.channel === "secure/b");
    mark = client.mark;
    await socket.deauthenticate();
    expect(await client.next("kickOut", mark)).toMatchObject({ channel: "secure/b" });
    expect(await socket.invoke("subs", null)).toEqual([]);
  });
});
