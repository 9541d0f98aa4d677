import { TestClient } from "./client.js";
import { waitUntil } from "./runtime.js";

/**
 * A client of a handler that takes JSON commands and answers JSON tagged with
 * the command's `tag`: send() waits for the answer to its own command that
 * has `field`, whatever else arrives meanwhile.
 */
export class TaggedClient {
  private seen = 0;
  private constructor(readonly client: TestClient) {}

  static async connect(url: string): Promise<TaggedClient> {
    return new TaggedClient(await TestClient.connect(url));
  }

  answers(tag: string): Record<string, unknown>[] {
    return this.client.messages.filter((m) => typeof m === "string" && m.startsWith("{")).map((m) => JSON.parse(String(m))).filter((a) => a.tag === tag);
  }

  async send(cmd: Record<string, unknown>, field: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const tag = String(cmd.tag ?? `t${++this.seen}`);
    this.client.send(JSON.stringify({ ...cmd, tag }));
    return this.next(tag, field, timeoutMs);
  }

  next(tag: string, field: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return waitUntil(() => this.answers(tag).find((a) => field in a), timeoutMs, `"${field}" for ${tag}`);
  }
}
