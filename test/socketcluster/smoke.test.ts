import { describe, expect, it } from "vitest";
import { create } from "socketcluster-client";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

const HANDLER = `
  const { publish, ChannelError } = require("net/v4/channels");
  exports.onInvoke = async (procedure, data, connection) => {
    if (procedure === "add") return data.a + data.b;
    if (procedure === "login") { await connection.setAuthToken({ user: data.user }); return "ok"; }
    if (procedure === "whoami") return connection.authToken && connection.authToken.user;
    if (procedure === "fail") throw new ChannelError("BadThing", "nope", { extra: 1 });
    if (procedure === "say") { await publish("room", { text: data }); return null; }
  };
`;

describe("socketcluster smoke", () => {
  it("connects, invokes, signs in and receives publications", async () => {
    const { runtime } = await startProject({ "p/h.js": HANDLER, "p/h.websocket": descriptor("sc", "p/h", { protocol: "socketcluster" }) });
    const port = Number(new URL(runtime.url).port);
    const socket = create({ hostname: "127.0.0.1", port, path: "/websockets/v4/service/sc", autoReconnect: false });
    try {
      const connect = await socket.listener("connect").once(5000);
      expect(connect.isAuthenticated).toBe(false);
      expect(socket.id).toMatch(/^s\d+$/);
      expect(await socket.invoke("add", { a: 2, b: 3 })).toBe(5);
      const err = await socket.invoke("fail", null).catch((e: Error) => e);
      expect(err).toMatchObject({ name: "BadThing", message: "nope", extra: 1 });
      const unknown = await socket.invoke("nosuch", null).catch((e: Error) => e);
      expect((unknown as Error).name).toBe("InvalidActionError");
      const authenticated = socket.listener("authenticate").once(5000);
      expect(await socket.invoke("login", { user: "ann" })).toBe("ok");
      await authenticated;
      expect(socket.authState).toBe("authenticated");
      expect(await socket.invoke("whoami", null)).toBe("ann");
      const channel = socket.subscribe("room");
      await channel.listener("subscribe").once(5000);
      const got = channel.once(5000);
      await socket.invoke("say", "hi");
      expect(await got).toEqual({ text: "hi" });
    } finally {
      socket.disconnect();
    }
  });
});
