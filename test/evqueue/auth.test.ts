import { monitorEventLoopDelay } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";
import { addressKey } from "../../src/protocols/evqueue/auth-failures.js";
import { signInMatches } from "../../src/protocols/evqueue/auth.js";
import { EvqClient, hmac, sha1 } from "./evq-client.js";

// Challenge sign-in: only the real HMAC-SHA1 of the challenge signs in; failures close 1008 and are rate-limited per address.

const users = `{ admin: { passwordSha1: "${sha1("secret")}", profile: "ADMIN" }, ann: { passwordSha1: "${sha1("annpw")}" } }`;
const files = (options: Record<string, unknown> = {}) => ({
  "p/jobs.js": `
    const users = ${users};
    exports.onAuth = (user) => { console.log("onAuth " + user); return users[user] ?? null; };
    exports.onApi = (query, session) => ({ name: "me", attributes: { user: session.user, profile: session.profile } });`,
  "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue: options }),
});

/** What comes after the answer: the close, or the frame that came instead (a sign-in that should have failed). */
function outcome(c: EvqClient): Promise<{ code: number; reason: string } | string> {
  return Promise.race([c.closed, c.next().then((f) => `<${f.name}>`)]);
}

/** Connects, takes the challenge and answers it with `response(challenge)` as `user`. */
async function signIn(url: string, user: string, response: (challenge: string) => string, mode = "api") {
  const c = await EvqClient.connect(url, mode);
  const auth = await c.next();
  expect(auth.name).toBe("auth");
  c.send(`<auth response="${response(auth.attributes["challenge"]!)}" user="${user}"/>`);
  return c;
}

describe("evqueue sign-in", () => {
  it("sends a 40-hex challenge and, for the right HMAC, <ready> with onAuth's profile (USER when it gives none)", async () => {
    const t = await startProject(files());
    const c = await EvqClient.connect(t.url("jobs"), "api");
    const auth = await c.next();
    expect(auth.attributes).toMatchObject({ challenge: expect.stringMatching(/^[0-9a-f]{40}$/), status: "OK", node: expect.any(String) });
    const ready = await c.ask(`<auth response="${hmac(sha1("secret"), auth.attributes["challenge"]!)}" user="admin"/>`);
    expect(ready).toMatchObject({ name: "ready", attributes: { profile: "ADMIN", status: "OK" } });
    expect((await c.ask('<me action="get"/>')).children[0]!.attributes).toEqual({ user: "admin", profile: "ADMIN" });
    const ann = await signIn(t.url("jobs"), "ann", (ch) => hmac(sha1("annpw"), ch).toUpperCase(), "events");
    expect((await ann.next()).attributes["profile"]).toBe("USER");
    // Two connections never get the same challenge.
    const other = await EvqClient.connect(t.url("jobs"), "api");
    expect((await other.next()).attributes["challenge"]).not.toBe(auth.attributes["challenge"]);
    await Promise.all([c.close(), ann.close(), other.close()]);
  });

  it("closes 1008 'Invalid authentication' for a wrong HMAC, the literal \"hmac\" and an unknown user, and logs each with address, endpoint and user", async () => {
    const t = await startProject(files());
    const wrong = await signIn(t.url("jobs"), "admin", (ch) => hmac(sha1("guess"), ch));
    expect(await outcome(wrong)).toEqual({ code: 1008, reason: "Invalid authentication" });
    const literal = await signIn(t.url("jobs"), "admin", () => "hmac");
    expect(await outcome(literal)).toEqual({ code: 1008, reason: "Invalid authentication" });
    const nobody = await signIn(t.url("jobs"), "mallory", (ch) => hmac(sha1("secret"), ch));
    expect(await outcome(nobody)).toEqual({ code: 1008, reason: "Invalid authentication" });
    expect(wrong.frames.map((f) => f.name)).toEqual(["auth"]);
    expect(t.runtime.evqueueStats()).toEqual([expect.objectContaining({ endpoint: "jobs", authFailures: 3 })]);
    const line = await t.logs.waitFor((l) => l.msg.startsWith('evQueue sign-in as "admin" from 127.0.0.1 to jobs failed: wrong HMAC'));
    expect(line).toMatchObject({ remote: "127.0.0.1", endpoint: "jobs", user: "admin" });
    await t.logs.waitFor((l) => l.msg === 'evQueue sign-in as "mallory" from 127.0.0.1 to jobs failed: no such user');
  });

  it("refuses an address past authFailuresPerMinute without asking onAuth, saying when to try again", async () => {
    const t = await startProject(files({ authFailuresPerMinute: 2 }));
    for (let i = 0; i < 2; i++) {
      const c = await signIn(t.url("jobs"), "admin", () => "0".repeat(40));
      expect((await c.closed).reason).toBe("Invalid authentication");
    }
    const asked = () => t.logs.lines.filter((l) => l.msg === "onAuth admin").length;
    expect(asked()).toBe(2);
    // The next connection from this address is closed at once, and with the right HMAC too.
    const c = await EvqClient.connect(t.url("jobs"), "api");
    expect(await c.closed).toEqual({ code: 1008, reason: expect.stringMatching(/^too many failed sign-ins from this address; try again in (60|59) s$/) });
    expect(c.frames).toEqual([]);
    expect(asked()).toBe(2);
  });

  it("counts sign-ins being checked against the limit: of 60 wrong answers sent at once with a limit of 10, onAuth hears 10", async () => {
    const slow = files({ authFailuresPerMinute: 10 })["p/jobs.js"]!.replace(
      "exports.onAuth = (user) => {",
      "exports.onAuth = async (user) => { await new Promise((r) => setTimeout(r, 300));",
    );
    const t = await startProject({ ...files({ authFailuresPerMinute: 10 }), "p/jobs.js": slow });
    const clients = await Promise.all(Array.from({ length: 60 }, () => EvqClient.connect(t.url("jobs"), "api")));
    await Promise.all(clients.map((c) => c.next()));
    for (const c of clients) c.send(`<auth response="${"0".repeat(40)}" user="admin"/>`);
    const closes = await Promise.all(clients.map((c) => c.closedWithin()));
    const reasons = closes.map((c) => `${c.code} ${c.reason}`);
    expect(reasons.filter((r) => r === "1008 Invalid authentication")).toHaveLength(10);
    expect(reasons.filter((r) => r === "1008 too many sign-ins from this address at once; try again in 1 s")).toHaveLength(50);
    expect(t.logs.lines.filter((l) => l.msg === "onAuth admin")).toHaveLength(10);
    // Then the failures themselves keep the address out.
    const next = await EvqClient.connect(t.url("jobs"), "api");
    expect((await next.closed).reason).toMatch(/^too many failed sign-ins from this address; try again in (60|59) s$/);
  });

  it("closes 1008 when the answer does not come in time, or something else comes first", async () => {
    const t = await startProject(files(), { handshakeTimeoutMs: 300 });
    const silent = await EvqClient.connect(t.url("jobs"), "api");
    expect(await silent.closed).toEqual({ code: 1008, reason: "no authentication answer" });
    const eager = await EvqClient.connect(t.url("jobs"), "api");
    await eager.next();
    eager.send('<instances action="list"/>');
    expect(await eager.closed).toEqual({ code: 1008, reason: 'sign in first: answer the challenge with <auth response="…" user="…"/>' });
  });

  it("closes 1008, unread, a frame over 1024 bytes before sign-in (a 1 MB one does not stall the server), and reads <auth> strictly", async () => {
    const t = await startProject(files());
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const big = await EvqClient.connect(t.url("jobs"), "api");
    const auth = await big.next();
    const answer = `response="${hmac(sha1("secret"), auth.attributes["challenge"]!)}" user="admin"`;
    delay.enable();
    big.send(`<auth ${answer}>${"<a/>".repeat(250_000)}</auth>`);
    expect(await big.closedWithin()).toEqual({ code: 1008, reason: 'sign in first: answer the challenge with <auth response="…" user="…"/>, in at most 1024 bytes' });
    delay.disable();
    expect(delay.max / 1e6).toBeLessThan(300);
    // Content, another attribute or another element: refused as well, and onAuth is never asked.
    for (const frame of [`<auth ${answer}><a/></auth>`, `<auth ${answer} extra="1"/>`, `<ready ${answer}/>`]) {
      const c = await EvqClient.connect(t.url("jobs"), "api");
      await c.next();
      c.send(frame);
      expect(await c.closedWithin(), frame).toEqual({ code: 1008, reason: 'sign in first: answer the challenge with <auth response="…" user="…"/>' });
    }
    expect(t.logs.lines.filter((l) => l.msg === "onAuth admin")).toEqual([]);
    const ok = await signIn(t.url("jobs"), "admin", (ch) => hmac(sha1("secret"), ch));
    expect((await ok.next()).name).toBe("ready");
    await ok.close();
  });

  it("closes 1008 for an answer the XML parser refuses (a reserved attribute name), as for any other bad answer, and logs no host error", async () => {
    const t = await startProject(files());
    const c = await EvqClient.connect(t.url("jobs"), "api");
    const auth = await c.next();
    c.send(`<auth __proto__="x" response="${hmac(sha1("secret"), auth.attributes["challenge"]!)}" user="admin"/>`);
    expect(await c.closedWithin()).toEqual({ code: 1008, reason: 'sign in first: answer the challenge with <auth response="…" user="…"/>' });
    expect(t.logs.lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it("closes 1011 when onAuth fails (a throw is logged with file:line) and does not count it against the address", async () => {
    const t = await startProject({ ...files({ authFailuresPerMinute: 1 }), "p/jobs.js": `exports.onAuth = (user) => { throw new Error("db down"); }; exports.onApi = () => {};` });
    for (let i = 0; i < 2; i++) {
      const c = await signIn(t.url("jobs"), "admin", (ch) => hmac(sha1("secret"), ch));
      expect(await c.closed).toEqual({ code: 1011, reason: "sign-in is unavailable; try again later" });
    }
    await t.logs.waitFor((l) => typeof l.msg === "string" && l.msg.includes("db down") && String(l.at ?? "").startsWith("p/jobs.js:1:"));
  });

  it("reports an ApiError thrown from onAuth as a fault with file:line: only onApi answers with one", async () => {
    const t = await startProject({ ...files(), "p/jobs.js": `const { ApiError } = require("net/v4/evqueue");\nexports.onAuth = (user) => { throw new ApiError("NO_DB", "users table gone"); }; exports.onApi = () => {};` });
    const c = await signIn(t.url("jobs"), "admin", (ch) => hmac(sha1("secret"), ch));
    expect(await c.closed).toEqual({ code: 1011, reason: "sign-in is unavailable; try again later" });
    await t.logs.waitFor((l) => typeof l.msg === "string" && l.msg.includes("users table gone") && String(l.at ?? "").startsWith("p/jobs.js:2:"));
  });

  it("closes 1011 and says what onAuth must return when it answers something else", async () => {
    const t = await startProject({ ...files(), "p/jobs.js": `exports.onAuth = (user) => ({ password: "secret" }); exports.onApi = () => {};` });
    const c = await signIn(t.url("jobs"), "admin", (ch) => hmac(sha1("secret"), ch));
    expect(await c.closed).toEqual({ code: 1011, reason: "sign-in is unavailable; try again later" });
    await t.logs.waitFor((l) => String(l.msg).startsWith("evQueue onAuth failed for") && String(l.msg).includes("its passwordSha1 is not 40 hex digits"));
  });

  it("closes connections let in without a sign-in (1012) when a reload starts exporting onAuth; new ones are challenged", async () => {
    const t = await startProject({ ...files(), "p/jobs.js": "exports.onApi = () => {};" });
    const open = await EvqClient.ready(t.url("jobs"), "events");
    const reloaded = nextReload(t.runtime, (e) => e.file === "p/jobs.js");
    await t.project.write("p/jobs.js", files()["p/jobs.js"]);
    await reloaded;
    expect(await open.closedWithin()).toEqual({ code: 1012, reason: "sign-in required now; reconnect" });
    const again = await EvqClient.connect(t.url("jobs"), "events");
    expect((await again.next()).name).toBe("auth");
    await again.close();
  });
});

describe("evqueue sign-in address keys", () => {
  it("counts an IPv4 address (IPv4-mapped too) as it is, and an IPv6 address by its /64", () => {
    expect(addressKey("127.0.0.1")).toBe("127.0.0.1");
    expect(addressKey("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0DB8:0001:0002::9")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:3::9")).toBe("2001:db8:1:3::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("")).toBe("");
  });
});

describe("evqueue sign-in check", () => {
  it("computes and compares the HMAC for an unknown user too, so it takes as long as for a known one", () => {
    const challenge = "ab".repeat(20);
    const known = { passwordSha1: sha1("secret"), profile: "USER" };
    const response = hmac(sha1("guess"), challenge);
    expect(signInMatches(known, hmac(sha1("secret"), challenge), challenge)).toBe(true);
    expect(signInMatches(known, response, challenge)).toBe(false);
    expect(signInMatches(null, hmac(sha1("secret"), challenge), challenge)).toBe(false);
    const time = (answer: typeof known | null) => {
      const started = performance.now();
      for (let i = 0; i < 1000; i++) signInMatches(answer, response, challenge);
      return performance.now() - started;
    };
    // The fastest of several interleaved rounds each, so a pause of the process does not decide.
    let [unknownMs, knownMs] = [Infinity, Infinity];
    for (let round = 0; round < 8; round++) {
      unknownMs = Math.min(unknownMs, time(null));
      knownMs = Math.min(knownMs, time(known));
    }
    // Without the HMAC an unknown user's check takes about a thousandth of a known one's.
    expect(unknownMs / knownMs).toBeGreaterThan(0.1);
  });
});
