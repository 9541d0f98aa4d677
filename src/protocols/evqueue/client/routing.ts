import type { XmlNode } from "../xml.js";
import type { ClusterNode } from "./cluster-node.js";
import type { Command } from "./commands.js";
import { ClusterErrorCodes, failureError, mayFailOver } from "./errors.js";
import type { Waiters } from "./waiters.js";

/**
 * Where a cluster's API calls go, as evQueue's cluster client routes them:
 * "*" every node up (once none is still connecting), a name that node, else
 * the first node not in ERROR, and the next one when that node cannot be
 * reached before the command went out (never after a sign-in failure, an
 * answer, a timeout, or a drop once it was sent: the command may have run).
 */
export class Router {
  constructor(
    private readonly members: readonly ClusterNode[],
    private readonly waiters: Waiters,
    private readonly closed: () => boolean,
  ) {}

  /** Sends `cmd` to `node` (answered undefined unsent when the node lacks a required module). */
  call(node: ClusterNode, cmd: Command, deadline: number): Promise<XmlNode | undefined> {
    const lacks = (modules: ReadonlySet<string>) => cmd.requiredModules.some((m) => !modules.has(m));
    return node.api.call(cmd.xml, Math.max(1, deadline - Date.now()), (greeting) => lacks(greeting.modules));
  }

  /** The first node not in ERROR; on a connection error before the command went out, the next one. */
  async first(cmd: Command, deadline: number): Promise<XmlNode | undefined> {
    const tried = new Set<ClusterNode>();
    let last: unknown;
    for (;;) {
      const node = this.members.find((n) => !tried.has(n) && n.api.state !== "ERROR" && n.api.state !== "CLOSED");
      if (!node) throw last ?? this.noneUp();
      try {
        return await this.call(node, cmd, deadline);
      } catch (error) {
        if (!mayFailOver(error) || this.closed()) throw error;
        tried.add(node);
        last = error;
      }
    }
  }

  /** Every node up, once none is still connecting; the answers in the nodes' order. */
  async every(cmd: Command, deadline: number): Promise<(XmlNode | null)[]> {
    await this.waiters.until(() => this.members.every((n) => n.api.state === "READY" || n.api.state === "ERROR"), deadline);
    const up = this.members.filter((n) => n.api.state === "READY");
    if (up.length === 0) throw this.noneUp();
    const answers = await Promise.all(up.map((n) => this.call(n, cmd, deadline)));
    return answers.map((a) => a ?? null);
  }

  /** The node `name` means, once every node up has said its name. */
  async named(name: string, deadline: number, where: string): Promise<ClusterNode> {
    const unnamed = () => this.members.some((n) => n.name === null && n.api.state !== "ERROR");
    await this.waiters.until(() => this.members.some((n) => n.matches(name)) || !unnamed(), deadline);
    const node = this.members.find((n) => n.matches(name));
    if (node) return node;
    const known = this.members.map((n) => (n.name ? `${n.name} (${n.target.given})` : n.target.given)).join(", ");
    throw new TypeError(`${where}: no node of this cluster is named "${name}"; its nodes are ${known}. Give a node's name, "*" for every node, or leave it out for the first node up`);
  }

  private noneUp(): Error {
    const states = this.members.map((n) => `${n.label} ${n.api.state}${n.api.lastError ? ` (${n.api.lastError})` : ""}`).join(", ");
    const first = this.members[0]!;
    const auth = this.members.every((n) => n.api.lastError === ClusterErrorCodes.authentication);
    return failureError(first.label, auth ? ClusterErrorCodes.authentication : ClusterErrorCodes.connection, `no evQueue node is up: ${states}${auth ? ` (${first.api.message})` : ""}`);
  }
}
