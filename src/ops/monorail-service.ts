/** What net/v4/monorail needs of the host: the node's MonoRail watchers and the engine that reaches every node's. */
export interface MonoRailService {
  /**
   * Sends a change of `resource` in `project` to every watcher of it on every
   * node: `handler` is "item", "remove" or "list", `payloadJson` the JSON text
   * of the frame's fields ({"id","data"} or {"items"}). Resolves with the
   * frames this node sent (other nodes count their own).
   */
  publish(project: string, resource: string, handler: MonoRailChangeHandler, payloadJson: string): Promise<number>;
}

/** The frames a change becomes. */
export type MonoRailChangeHandler = "item" | "remove" | "list";
