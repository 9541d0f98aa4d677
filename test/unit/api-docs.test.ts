import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(import.meta.dirname, "../..");

/** Names of declared members (functions, interface and class members, globals) that lack an @example. */
function membersWithoutExample(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(REPO, file), "utf8"), ts.ScriptTarget.Latest, true);
  const missing: string[] = [];
  const hasExample = (node: ts.Node) => ts.getJSDocTags(node).some((t) => t.tagName.text === "example");
  const visit = (node: ts.Node, owner: string) => {
    const named =
      ts.isFunctionDeclaration(node) ||
      ts.isMethodSignature(node) ||
      ts.isPropertySignature(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isPropertyDeclaration(node) ||
      ts.isVariableStatement(node);
    // Fields of inline object types ({ code, reason }) are data, documented by the member that takes them.
    if (named && !ts.isTypeLiteralNode(node.parent)) {
      const name = ts.isVariableStatement(node)
        ? node.declarationList.declarations.map((d) => d.name.getText()).join(",")
        : (node.name?.getText() ?? "?");
      if (!hasExample(node)) missing.push(`${owner}${name}`);
      return;
    }
    const nextOwner =
      ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node) ? `${node.name?.getText()}.` : owner;
    ts.forEachChild(node, (child) => visit(child, nextOwner));
  };
  visit(source, "");
  return missing;
}

describe("script API documentation", () => {
  it("has an @example on every member of net/v4/websockets and the handler globals", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/net/v4/websockets.d.ts"), "utf8")).toContain("src/capabilities/websockets/websockets.d.ts");
    expect(membersWithoutExample("src/capabilities/websockets/websockets.d.ts")).toEqual([]);
    expect(membersWithoutExample("runtime-api/globals.d.ts")).toEqual([]);
  });

  it("has an @example on every member of http/v4/request and http/v4/response", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/http/v4/http.d.ts"), "utf8")).toContain("src/capabilities/http/http.d.ts");
    expect(membersWithoutExample("src/capabilities/http/http.d.ts")).toEqual([]);
  });

  it("has an @example on every member of core/v4/configurations", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/core/v4/configurations.d.ts"), "utf8")).toContain("src/capabilities/configurations/configurations.d.ts");
    expect(membersWithoutExample("src/capabilities/configurations/configurations.d.ts")).toEqual([]);
  });

  it("has an @example on every member of net/v4/events", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/net/v4/events.d.ts"), "utf8")).toContain("src/capabilities/events/events.d.ts");
    expect(membersWithoutExample("src/capabilities/events/events.d.ts")).toEqual([]);
  });

  it("has an @example on every member of net/v4/channels", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/net/v4/channels.d.ts"), "utf8")).toContain("src/capabilities/channels/channels.d.ts");
    expect(membersWithoutExample("src/capabilities/channels/channels.d.ts")).toEqual([]);
  });

  it("has an @example on every member of net/v4/evqueue", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/net/v4/evqueue.d.ts"), "utf8")).toContain("src/capabilities/evqueue/evqueue.d.ts");
    expect(membersWithoutExample("src/capabilities/evqueue/evqueue.d.ts")).toEqual([]);
  });

  it("has an @example on every member of net/v4/monorail", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/net/v4/monorail.d.ts"), "utf8")).toContain("src/capabilities/monorail/monorail.d.ts");
    expect(membersWithoutExample("src/capabilities/monorail/monorail.d.ts")).toEqual([]);
  });

  it("has an @example on every member of net/v4/evqueue", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/net/v4/evqueue.d.ts"), "utf8")).toContain("src/capabilities/evqueue/evqueue.d.ts");
    expect(membersWithoutExample("src/capabilities/evqueue/evqueue.d.ts")).toEqual([]);
  });

  it("has an @example on every member of the MonoRail client", () => {
    expect(membersWithoutExample("web/monorail.d.ts")).toEqual([]);
  });

  it("has an @example on every member of the evQueue client", () => {
    expect(membersWithoutExample("web/evqueue.d.ts")).toEqual([]);
  });

  it("has an @example on every member of the web platform globals", () => {
    expect(readFileSync(path.join(REPO, "runtime-api/globals.d.ts"), "utf8")).toContain('/// <reference path="web.d.ts" />');
    expect(membersWithoutExample("runtime-api/web.d.ts")).toEqual([]);
  });

  it("has an @example on every member of the reconnecting client", () => {
    expect(membersWithoutExample("web/client.d.ts")).toEqual([]);
  });
});
