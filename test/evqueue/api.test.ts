import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient } from "./evq-client.js";

// API mode: each command goes to onApi, and its reply (OK or KO) goes back in the order the commands came.

const handler = `
const { ApiError } = require("net/v4/evqueue");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.onApi = async (query, session) => {
  switch (query.group + "/" + query.action) {
    case "echo/get": return { name: "query", attributes: { group: query.group, action: query.action, ...query.attributes }, children: [
      { name: "parameters", text: JSON.stringify(query.parameters) }, { name: "children", text: JSON.stringify(query.children) }] };
    case "instances/list": return [{ name: "instance", attributes: { id: 1, status: "EXECUTING" } }, { name: "instance", attributes: { id: 2, status: "TERMINATED" } }];
    case "instance/launch": throw new ApiError("INVALID_PARAMETER", "no workflow named " + query.attributes.name);
    case "instance/crash": null.boom; return;
    case "slow/get": await sleep(Number(query.attributes.ms)); return { name: "n", attributes: { i: query.attributes.i } };
    case "nothing/get": return;
    case "text/get": return { name: "out", attributes: { q: query.attributes.q }, text: query.attributes.q };
    case "response/get": return { name: "response", attributes: { "total-rows": 7, status: "forged", node: "forged" }, children: [{ name: "row" }] };
    case "bad/get": return [{ name: "ok" }, { name: "fine", children: [{ name: "not a name" }] }];
    case "loop/get": await sleep(1000); return;
    case "big/get": return { name: "big", text: "x".repeat(1024 * 1024) };
  }
  throw new ApiError("UNKNOWN_COMMAND", "unknown " + query.group);
};`;
const files = {
  "p/jobs.js": handler,
  "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue: { hookTimeoutMs: 300 } }),
};

describe("evqueue API mode", () => {
  it("answers onApi's nodes inside <response node status=\"OK\">, and reads action, attributes, parameters and children", async () => {
    const t = await startProject(files);
    const c = await EvqClient.ready(t.url("jobs"));
    const list = await c.ask('<instances action="list"/>');
    expect(list.name).toBe("response");
    expect(list.attributes).toEqual({ node: expect.any(String), status: "OK" });
    expect(list.children.map((n) => n.attributes)).toEqual([{ id: "1", status: "EXECUTING" }, { id: "2", status: "TERMINATED" }]);
    const echo = await c.ask('<echo action="get" limit="30"><parameter name="host" value="db1"/><parameter name="retries" value="3"/><tag label="x"/></echo>');
    const [query, parameters, children] = [echo.children[0]!, echo.children[0]!.children[0]!, echo.children[0]!.children[1]!];
    expect(query.attributes).toEqual({ group: "echo", action: "get", limit: "30" });
    expect(JSON.parse(parameters.text)).toEqual({ host: "db1", retries: "3" });
    expect(JSON.parse(children.text)).toEqual([{ name: "tag", attributes: { label: "x" }, children: [], text: "" }]);
    expect(await c.ask('<nothing action="get"/>')).toMatchObject({ attributes: { status: "OK" }, children: [] });
    // A Node named "response" gives the root its attributes (but node and status) and children.
    const own = await c.ask('<response action="get"/>');
    expect(own.attributes).toEqual({ node: list.attributes["node"], status: "OK", "total-rows": "7" });
    expect(own.children.map((n) => n.name)).toEqual(["row"]);
    await c.close();
  });

  it("answers KO: ApiError's code and message (not logged as a fault), INTERNAL_ERROR without the script's text for another throw (logged with file:line)", async () => {
    const t = await startProject(files);
    const c = await EvqClient.ready(t.url("jobs"));
    const refused = await c.ask('<instance action="launch" name="backup"/>');
    expect(refused.attributes).toEqual({ node: expect.any(String), status: "KO", error: "no workflow named backup", "error-code": "INVALID_PARAMETER" });
    const crashed = await c.ask('<instance action="crash"/>');
    expect(crashed.attributes).toMatchObject({ status: "KO", "error-code": "INTERNAL_ERROR", error: "the handler failed; the server log has the details" });
    const fault = await t.logs.waitFor((l) => String(l.msg).includes("Cannot read properties of null"));
    expect(String(fault.at)).toMatch(/^p\/jobs\.js:10:/);
    expect(t.logs.lines.some((l) => String(l.msg).includes("no workflow named"))).toBe(false);
    expect(await c.ask('<ping action="get"/>')).toMatchObject({ attributes: { status: "KO", "error-code": "UNKNOWN_COMMAND", error: "unknown ping" } });
    await c.close();
  });

  it("sends 100 replies in the order of their commands although onApi answers them in another", async () => {
    const t = await startProject(files);
    const c = await EvqClient.ready(t.url("jobs"));
    const ms = Array.from({ length: 100 }, (_, i) => (i * 37) % 50);
    for (let i = 0; i < 100; i++) c.send(`<slow action="get" i="${i}" ms="${ms[i]}"/>`);
    await waitUntil(() => c.frames.length >= 101, 10_000, "100 replies");
    expect(c.frames.slice(1).map((f) => f.children[0]!.attributes["i"])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    await c.close();
  });

  it("escapes text and attributes, refuses DOCTYPE and entities and bad XML with INVALID_PARAMETER, and stays open", async () => {
    const t = await startProject(files);
    const c = await EvqClient.ready(t.url("jobs"));
    const q = `<b a="x">&'"\n\t</b>`;
    const escaped = await c.ask(`<text action="get" q="&lt;b a=&quot;x&quot;&gt;&amp;&apos;&quot;&#10;&#9;&lt;/b&gt;"/>`);
    expect(escaped.children[0]).toEqual({ name: "out", attributes: { q }, text: q, children: [] });
    const raw = await new Promise<string>((resolve) => {
      c.ws.once("message", (d) => resolve(String(d)));
      c.send(`<text action="get" q="&lt;/out&gt;&lt;x/&gt;"/>`);
    });
    expect(raw).toContain("<out q=\"&lt;/out&gt;&lt;x/&gt;\">&lt;/out&gt;&lt;x/&gt;</out>");
    await c.next();
    const doctype = await c.ask('<!DOCTYPE x [<!ENTITY e "boom">]><instances action="list">&e;</instances>');
    expect(doctype.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: "DOCTYPE and entity declarations are not accepted; send the element alone" });
    const entity = await c.ask('<instances action="list" x="&xxe;"/>');
    expect(entity.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: expect.stringContaining("unknown entity reference &xxe;") });
    const broken = await c.ask("<instances action=");
    expect(broken.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: expect.stringMatching(/^not well-formed XML/) });
    const binary = await new Promise((resolve) => {
      c.ws.once("message", (d) => resolve(String(d)));
      c.ws.send(Buffer.from("<instances/>"), { binary: true });
    });
    expect(binary).toContain('error="evQueue frames are XML text; a binary frame was sent"');
    await c.next();
    expect((await c.ask('<instances action="list"/>')).attributes["status"]).toBe("OK");
    await c.close();
  });

  it("answers INVALID_PARAMETER for what the XML parser itself refuses (a reserved name, nesting too deep), logs nothing and stays open", async () => {
    const t = await startProject(files);
    const c = await EvqClient.ready(t.url("jobs"));
    const proto = await c.ask('<instances __proto__="x" action="list"/>');
    expect(proto.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: expect.stringMatching(/^the name "__proto__" cannot be read/) });
    const ctor = await c.ask('<constructor action="list"/>');
    expect(ctor.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: expect.stringMatching(/^the name "constructor" cannot be read/) });
    const deep = await c.ask(`<instances action="list">${"<a>".repeat(150)}${"</a>".repeat(150)}</instances>`);
    expect(deep.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: "elements are nested more than 64 deep" });
    expect((await c.ask('<instances action="list"/>')).attributes["status"]).toBe("OK");
    expect(t.logs.lines.filter((l) => l.level >= 50)).toEqual([]);
    await c.close();
  });

  it("refuses unparsed, with INVALID_PARAMETER, a frame over maxFrameChars (256 KiB by default) or of more than 10,000 tags; stays open", async () => {
    const t = await startProject({ ...files, "p/small.websocket": descriptor("small", "p/jobs", { protocol: "evqueue", evqueue: { maxFrameChars: 2048 } }) });
    const c = await EvqClient.ready(t.url("jobs"));
    const long = `<text action="get" q="${"x".repeat(256 * 1024)}"/>`;
    expect((await c.ask(long)).attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: `the frame is ${long.length} characters; at most 262144 are read` });
    const fits = await c.ask(`<text action="get" q="${"x".repeat(200 * 1024)}"/>`);
    expect(fits.children[0]!.attributes["q"]).toHaveLength(200 * 1024);
    const wide = `<echo action="get">${"<a/>".repeat(10_000)}</echo>`;
    expect((await c.ask(wide)).attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", error: "the frame has more than 10000 tags; send fewer elements" });
    expect((await c.ask(`<echo action="get">${"<a/>".repeat(9_990)}</echo>`)).attributes["status"]).toBe("OK");
    const small = await EvqClient.ready(t.url("small"));
    expect((await small.ask(`<text action="get" q="${"x".repeat(2048)}"/>`)).attributes).toMatchObject({ status: "KO", error: expect.stringMatching(/; at most 2048 are read$/) });
    expect((await small.ask('<instances action="list"/>')).attributes["status"]).toBe("OK");
    await Promise.all([c.close(), small.close()]);
  });

  it("answers an unwritable answer with INTERNAL_ERROR (the log names the bad part), a slow onApi with HANDLER_UNAVAILABLE, no onApi with UNKNOWN_COMMAND", async () => {
    const t = await startProject({ ...files, "p/bare.js": "exports.onOpen = () => {};", "p/bare.websocket": descriptor("bare", "p/bare", { protocol: "evqueue" }) });
    const c = await EvqClient.ready(t.url("jobs"));
    const bad = await c.ask('<bad action="get"/>');
    expect(bad.attributes).toMatchObject({ status: "KO", "error-code": "INTERNAL_ERROR", error: "the handler's answer could not be sent; the server log has the details" });
    await t.logs.waitFor((l) => String(l.msg).startsWith("evQueue bad get: the answer of onApi failed for") && String(l.msg).endsWith(`onApi's answer[1].children[0].name must be an XML name (letters, digits, "_", "-", "."), not "not a name"`));
    const slow = await c.ask('<loop action="get"/>');
    expect(slow.attributes).toMatchObject({ status: "KO", "error-code": "HANDLER_UNAVAILABLE", error: "onApi did not answer within 300 ms" });
    const bare = await EvqClient.ready(t.url("bare"));
    expect((await bare.ask('<instances action="list"/>')).attributes).toMatchObject({ status: "KO", "error-code": "UNKNOWN_COMMAND", error: expect.stringContaining("exports no onApi") });
    await Promise.all([c.close(), bare.close()]);
  });

  it("closes a connection (1013) whose answered replies waiting behind a slow one pass 8 Mi characters", async () => {
    const t = await startProject({ ...files, "p/long.websocket": descriptor("long", "p/jobs", { protocol: "evqueue", evqueue: { hookTimeoutMs: 5000 } }) }, { maxBufferedBytes: 64 * 1024 * 1024 });
    const c = await EvqClient.ready(t.url("long"));
    c.send('<slow action="get" i="0" ms="3000"/>');
    for (let i = 0; i < 10; i++) c.send('<big action="get"/>');
    expect(await c.closedWithin(2500)).toEqual({ code: 1013, reason: "too many reply bytes waiting behind a slow command; reconnect" });
    expect(c.frames).toHaveLength(1); // only <ready>
    await t.logs.waitFor((l) => String(l.msg).includes("characters of replies waiting behind a slower command (at most 8388608)"));
  });

  it("closes a connection with 1024 replies waiting behind a slow one (commands sent without waiting for answers)", async () => {
    const t = await startProject(files);
    const c = await EvqClient.ready(t.url("jobs"));
    c.send('<loop action="get"/>');
    for (let i = 0; i < 1100; i++) c.send("<bad");
    expect(await c.closedWithin()).toEqual({ code: 1008, reason: "too many commands waiting for their replies" });
    expect(c.frames).toHaveLength(1); // only <ready>: the replies waited behind the slow one
  });
});
