import type { HandlerModule } from "../sandbox/handler-module.js";

/** What net/v4/evqueue needs of the host: this node's evQueue subscriptions and the engine that reaches every node's. */
export interface EvqService {
  /**
   * Raises event `type` (about object `objectId`, 0 for none) in `project` on
   * every node: each subscription of that type whose object filter is 0 or
   * `objectId` runs its api_cmd through its handler's onApi, and the result
   * goes to its connection. Resolves with the frames this node sent now (0:
   * they go out as the evaluations finish).
   */
  createEvent(project: string, type: string, objectId: number): Promise<number>;
  /** Adds `names` to the events clients of `module`'s endpoints may subscribe to, while the code that registered them serves (not past a reload or a sandbox restart). */
  registerEvents(module: HandlerModule, names: readonly string[]): void;
}
