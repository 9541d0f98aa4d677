import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { z } from "zod";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { lineColumnAt } from "./text-position.js";

/** A valid `.websocket` descriptor. */
export interface Descriptor {
  /** Project-relative path of the descriptor file. */
  readonly file: string;
  readonly endpoint: string;
  /** Handler module path relative to the project root, as written. */
  readonly handler: string;
  readonly description: string;
  readonly engine: "javascript";
}

export const ENDPOINT_PATTERN = /^[A-Za-z0-9._-]+$/;

const descriptorSchema = z.object({
  handler: z
    .string({ error: 'must be a string such as "my-project/ws-handler"' })
    .min(1, { error: "must not be empty" })
    .refine((h) => !h.startsWith("/") && !/^[A-Za-z]:/.test(h), {
      error: "must be relative to the project root, not an absolute path",
    })
    .refine((h) => !h.split(/[\\/]/).includes(".."), { error: 'must stay inside the project: remove ".."' }),
  endpoint: z
    .string({ error: "must be a string" })
    .regex(ENDPOINT_PATTERN, { error: "may contain only letters, digits, '.', '_' and '-'" }),
  description: z.string({ error: "must be a string" }).optional(),
  engine: z.literal("javascript", { error: 'must be "javascript" (the only engine)' }).optional(),
});

/** Parses and validates one descriptor file's text. Throws AerostatError naming file, line and field. */
export function parseDescriptor(file: string, text: string): Descriptor {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first || !tree) {
    const at = lineColumnAt(text, first?.offset ?? 0);
    const reason = first ? describeJsonError(printParseErrorCode(first.error)) : "the file is empty";
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_JSON,
      `not valid JSON: ${reason}. Fix the JSON; the last good version keeps serving meanwhile.`,
      { file, ...at },
    );
  }
  if (tree.type !== "object") {
    throw new AerostatError(
      UserErrorCodes.DESCRIPTOR_FIELD,
      'a descriptor must be a JSON object such as {"handler": "my-project/ws-handler", "endpoint": "my-endpoint"}',
      { file, line: 1, column: 1 },
    );
  }
  const result = descriptorSchema.safeParse(JSON.parse(text));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    const node: Node | undefined = findNodeAtLocation(tree, issue.path as (string | number)[]);
    const at = lineColumnAt(text, node?.offset ?? tree.offset);
    const message =
      issue.code === "invalid_type" && node === undefined
        ? `field "${field}" is missing; add it`
        : `field "${field}" ${issue.message}`;
    throw new AerostatError(UserErrorCodes.DESCRIPTOR_FIELD, message, { file, field, ...at });
  }
  const d = result.data;
  return {
    file,
    endpoint: d.endpoint,
    handler: d.handler,
    description: d.description ?? "",
    engine: "javascript",
  };
}

function describeJsonError(code: string): string {
  // "CloseBraceExpected" → "close brace expected"
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
