import { channelName, type BusChannel, type HistoryKeep, type HistoryPage, type HistoryStamp } from "./message-bus.js";
import { historyPage, newEpoch, type KeptEntry } from "./history-page.js";
import { luaScript, type RedisCommands } from "./redis-commands.js";
import { RedisKeys } from "./redis-keys.js";

/**
 * Appends a publication to a channel's history and publishes it, atomically.
 * KEYS: epoch, offset counter, stream (one slot: they carry the project's tag).
 * ARGV: a fresh epoch, size, ttlMs, the message's JSON text, PUBLISH or
 * SPUBLISH, the wire channel, the envelope's start (`["<node>",`).
 * The epoch is made when the history has none (older leftovers are dropped),
 * and made again when the counter was lost while publications were not, so an
 * offset never means two publications under one epoch. The message text is
 * spliced into the envelope as it is, never decoded.
 */
const APPEND = luaScript(`
local epochKey, offsetKey, streamKey = KEYS[1], KEYS[2], KEYS[3]
if redis.call('SET', epochKey, ARGV[1], 'NX') then
  redis.call('DEL', offsetKey, streamKey)
end
local offset = redis.call('INCR', offsetKey)
if offset == 1 and redis.call('XLEN', streamKey) > 0 then
  redis.call('SET', epochKey, ARGV[1])
  redis.call('DEL', streamKey)
end
local epoch = redis.call('GET', epochKey)
local o = string.format('%d', offset)
redis.call('XADD', streamKey, 'MAXLEN', ARGV[2], '*', 'd', ARGV[4], 'o', o)
local now = redis.call('TIME')
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3])
if oldest > 0 then
  redis.call('XTRIM', streamKey, 'MINID', string.format('%d', oldest))
end
redis.call('PEXPIRE', epochKey, ARGV[3])
redis.call('PEXPIRE', offsetKey, ARGV[3])
redis.call('PEXPIRE', streamKey, ARGV[3])
redis.call(ARGV[5], ARGV[6], ARGV[7] .. '{"offset":' .. o .. ',"epoch":' .. cjson.encode(epoch) .. ',"data":' .. ARGV[4] .. '}]')
return {o, epoch}
`);

/**
 * Reads a channel's history: its epoch, latest offset and the publications
 * after `since` (offset ARGV[1], -1 for none: then the latest ARGV[2]; of
 * epoch ARGV[5], or from the start when that is not the stream's), oldest first,
 * as a flat list offset, JSON text, offset, JSON text... A channel without an
 * epoch answers epoch "" unless ARGV[3] holds a fresh epoch, which is then set
 * for ARGV[4] ms (leftovers of an older history are dropped).
 */
const READ = luaScript(`
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  if ARGV[3] == '' then return {'', 0, {}} end
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  redis.call('DEL', KEYS[2], KEYS[3])
  return {ARGV[3], 0, {}}
end
local top = tonumber(redis.call('GET', KEYS[2]) or '0')
local since = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
if since >= 0 then
  if epoch ~= ARGV[5] then since = 0 end
  count = top - since
end
local flat = {}
if count > 0 then
  local entries = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', string.format('%d', count))
  for i = #entries, 1, -1 do
    local fields = entries[i][2]
    local d, o
    for j = 1, #fields, 2 do
      if fields[j] == 'd' then d = fields[j + 1] elseif fields[j] == 'o' then o = fields[j + 1] end
    end
    if d and o then
      flat[#flat + 1] = o
      flat[#flat + 1] = d
    end
  end
end
return {epoch, top, flat}
`);

/** How a kept publication is published: PUBLISH, or SPUBLISH on a cluster; and the envelope's node. */
export interface KeptPublishing {
  readonly sharded: boolean;
  readonly node: string;
}

function keys(channel: BusChannel): string[] {
  const k = RedisKeys.history(channel);
  return [k.epoch, k.offset, k.stream];
}

/** Runs the append script; resolves with the publication's offset and epoch. */
export async function appendKept(commands: RedisCommands, publishing: KeptPublishing, channel: BusChannel, message: unknown, keep: HistoryKeep): Promise<HistoryStamp> {
  const json = JSON.stringify(message) ?? "null";
  const args = [
    newEpoch(),
    String(keep.size),
    String(Math.max(1, Math.round(keep.ttlMs))),
    json,
    publishing.sharded ? "SPUBLISH" : "PUBLISH",
    channelName(channel),
    `[${JSON.stringify(publishing.node)},`,
  ];
  const reply = await commands.run(APPEND, keys(channel), args);
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`engine redis: unexpected answer of the history script: ${JSON.stringify(reply)}`);
  return { offset: Number(reply[0]), epoch: String(reply[1]) };
}

/** Runs the read script and builds the page. */
export async function readHistory(commands: RedisCommands, channel: BusChannel, since: HistoryStamp | undefined, limit: number, keep: HistoryKeep | undefined): Promise<HistoryPage> {
  const args = [since ? String(since.offset) : "-1", String(limit), keep ? newEpoch() : "", keep ? String(Math.max(1, Math.round(keep.ttlMs))) : "0", since?.epoch ?? ""];
  const reply = await commands.run(READ, keys(channel), args);
  if (!Array.isArray(reply) || reply.length !== 3 || !Array.isArray(reply[2])) throw new Error(`engine redis: unexpected answer of the history script: ${JSON.stringify(reply)}`);
  const flat = reply[2] as unknown[];
  const kept: KeptEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) kept.push({ offset: Number(flat[i]), data: JSON.parse(String(flat[i + 1])) as unknown });
  return historyPage(String(reply[0]), Number(reply[1]), kept, since, limit);
}
