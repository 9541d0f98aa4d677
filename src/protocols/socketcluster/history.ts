import type { BusChannel, HistoryStamp, MessageBus } from "../../bus/message-bus.js";
import type { HistoryRule } from "../../config/socketcluster-options.js";
import { namedError, ScErrors } from "./errors.js";

/** Publications one history read returns at most. */
export const MAX_HISTORY_READ = 1000;

export type Stamp = HistoryStamp;

export interface HistoryAnswer {
  readonly recovered: boolean;
  readonly epoch: string;
  readonly offset: number;
  readonly publications: readonly { readonly offset: number; readonly data: unknown }[];
}

/**
 * Channels that keep their last publications (the descriptor's
 * socketcluster.history): published with an offset and an epoch through the
 * engine, read back for clients that were away (`aerostat.recover`) and for
 * scripts (`channels.history`). The data comes back as published.
 */
export class ChannelHistory {
  constructor(private readonly bus: MessageBus) {}

  publish(channel: BusChannel, message: unknown, rule: HistoryRule): Promise<Stamp> {
    return this.bus.publishKept(channel, message, { size: rule.size, ttlMs: rule.ttlMs });
  }

  async read(channel: BusChannel, since: Stamp | undefined, limit: number, rule: HistoryRule | undefined): Promise<HistoryAnswer> {
    if (!rule) throw namedError(ScErrors.invalidAction, `channel "${channel.name}" keeps no history; list it in the descriptor's "socketcluster": {"history": [...]}`);
    // With the rule, a channel nothing was published on yet gets its epoch now: a position read before the first publication recovers too.
    const page = await this.bus.history(channel, since, Math.min(limit, MAX_HISTORY_READ), { size: rule.size, ttlMs: rule.ttlMs });
    return {
      recovered: page.recovered,
      epoch: page.epoch,
      offset: page.offset,
      publications: page.publications.map((p) => ({ offset: p.offset, data: dataOf(p.data) })),
    };
  }

  /** `aerostat.recover` {channel, epoch, offset, limit?}: what the client missed since its last publication. */
  recover(project: string, data: unknown, ruleFor: (channel: string) => HistoryRule | undefined): Promise<HistoryAnswer> {
    const d = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
    const channel = d["channel"];
    if (typeof channel !== "string" || channel === "") return Promise.reject(namedError(ScErrors.invalidArguments, "aerostat.recover needs {channel, epoch, offset}"));
    const since = typeof d["epoch"] === "string" && typeof d["offset"] === "number" ? { epoch: d["epoch"], offset: d["offset"] } : undefined;
    const limit = typeof d["limit"] === "number" && d["limit"] > 0 ? Math.floor(d["limit"]) : MAX_HISTORY_READ;
    return this.read({ project, kind: "ch", name: channel }, since, limit, ruleFor(channel));
  }
}

/** A kept message's data, parsed back from the JSON text it was published as. */
function dataOf(message: unknown): unknown {
  const m = message as { d?: unknown } | null;
  if (!m || typeof m.d !== "string") return null;
  try {
    return JSON.parse(m.d);
  } catch {
    return null;
  }
}
