import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { dashboardAccess } from "../../src/dashboard/access.js";
import { TrafficMeter } from "../../src/peers/traffic.js";

const request = (remoteAddress: string, host: string) =>
  ({ socket: { remoteAddress }, headers: { host } }) as unknown as IncomingMessage;

describe("dashboard access", () => {
  it("in loopback mode, admits loopback peers that name this machine", () => {
    for (const [addr, host] of [
      ["127.0.0.1", "127.0.0.1:8080"],
      ["::1", "[::1]:8080"],
      ["::ffff:127.0.0.1", "localhost:8080"],
      ["127.0.0.1", "app.localhost"],
    ] as const) {
      expect(dashboardAccess(request(addr, host), "loopback")).toEqual({ ok: true });
    }
  });

  it("in loopback mode, refuses other peers and foreign Host names", () => {
    expect(dashboardAccess(request("192.0.2.7", "127.0.0.1:8080"), "loopback")).toMatchObject({ ok: false, status: 403 });
    expect(dashboardAccess(request("127.0.0.1", "attacker.example:8080"), "loopback")).toMatchObject({ ok: false, status: 403 });
    expect(dashboardAccess(request("127.0.0.1", ""), "loopback")).toMatchObject({ ok: false, status: 403 });
  });

  it("admits anyone in anywhere mode and nobody when off", () => {
    expect(dashboardAccess(request("192.0.2.7", "example.com"), "anywhere")).toEqual({ ok: true });
    expect(dashboardAccess(request("127.0.0.1", "localhost"), "off")).toMatchObject({ ok: false, status: 404 });
  });
});

describe("TrafficMeter", () => {
  it("keeps per-second counts for the last minute and zeroes quiet seconds", () => {
    let now = 1_000_000;
    const meter = new TrafficMeter(() => now);
    meter.countIn();
    meter.countIn();
    meter.countOut(3);
    now += 1000;
    meter.countIn();
    now += 3000;
    const { in: inbound, out } = meter.series();
    expect(inbound).toHaveLength(59);
    expect(inbound.slice(-4)).toEqual([2, 1, 0, 0]);
    expect(out.slice(-4)).toEqual([3, 0, 0, 0]);
    now += 120_000;
    expect(meter.series().in.every((v) => v === 0)).toBe(true);
  });
});
