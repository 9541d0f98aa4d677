import type { XmlNode } from "../xml.js";
import type { ClusterNode } from "./cluster-node.js";
import type { Command } from "./commands.js";
import { ClusterError, ClusterErrorCodes, failureError, mayFailOver } from "./errors.js";
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
    /** A node of a "*" call failed while others answered: said in the log (the script gets the others' answers). */
    private readonly missed: (node: ClusterNode, error: Error) => void,
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

  /**
   * Every node up, once none is still connecting: the answers of the nodes
   * that answered, in the nodes' order, each with the node's name in its
   * `node` attribute (a node without a required module gives none). A node
   * that failed (a KO, a drop, a timeout) is left out and logged; the call
   * rejects only when no node answered: with the failure, or with the first
   * node's kind of error naming every node's failure.
   */
  async every(cmd: Command, deadline: number): Promise<XmlNode[]> {
    await this.waiters.until(() => this.members.every((n) => n.api.state === "READY" || n.api.state === "ERROR"), deadline);
    const up = this.members.filter((n) => n.api.state === "READY");
    if (up.length === 0) throw this.noneUp();
    const settled = await Promise.allSettled(up.map((n) => this.call(n, cmd, deadline)));
    const answers: XmlNode[] = [];
    const failures: { node: ClusterNode; error: Error }[] = [];
    settled.forEach((result, i) => {
      const node = up[i]!;
      if (result.status === "rejected") failures.push({ node, error: asError(result.reason) });
      else if (result.value) answers.push(named(result.value, node.label));
    });
    if (answers.length === 0 && failures.length > 0) throw everyFailed(failures);
    for (const { node, error } of failures) this.missed(node, error);
    return answers;
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

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** An answer with the name of the node that gave it in its `node` attribute (evQueue's answers carry it; others get it). */
function named(answer: XmlNode, node: string): XmlNode {
  return answer.attributes["node"] ? answer : { ...answer, attributes: { ...answer.attributes, node } };
}

/** Why a "*" call got no answer: one node's error as it is, or the first node's kind of error naming each failure. */
function everyFailed(failures: readonly { node: ClusterNode; error: Error }[]): Error {
  const first = failures[0]!.error;
  if (failures.length === 1) return first;
  const each = failures.map(({ node, error }) => `${node.label}: ${describeError(error)}`).join("; ");
  const message = `no node answered: ${each}`;
  if (!(first instanceof ClusterError)) return new Error(message);
  return new ClusterError(first.name, message, first.code, first.node, first.sent === true);
}

/** An error in words: its name, its code when it has one, its message. */
export function describeError(error: Error): string {
  const code = error instanceof ClusterError && error.code ? ` ${error.code}` : "";
  return `${error.name}${code}: ${error.message}`;
}
