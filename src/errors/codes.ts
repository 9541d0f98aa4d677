/**
 * Every error aerostat raises has a code. User-caused codes describe something a
 * user can fix in a file or an option; system codes describe the host's own state.
 */
export const UserErrorCodes = {
  /** A .websocket file is not valid JSON. */
  DESCRIPTOR_JSON: "AEROSTAT_DESCRIPTOR_JSON",
  /** A .websocket file has a missing or wrong field. */
  DESCRIPTOR_FIELD: "AEROSTAT_DESCRIPTOR_FIELD",
  /** Two descriptors claim the same endpoint. */
  ENDPOINT_CONFLICT: "AEROSTAT_ENDPOINT_CONFLICT",
  /** A descriptor (.websocket or .listener) sits in the static folder (public/), whose files anyone may download. */
  DESCRIPTOR_IN_STATIC: "AEROSTAT_DESCRIPTOR_IN_STATIC",
  /** A handler path points at no file, outside the project, or into another top-level folder. */
  HANDLER_NOT_FOUND: "AEROSTAT_HANDLER_NOT_FOUND",
  /** A project file is not safe to read: a link out of the project, not a regular file, or too large. */
  FILE_UNSAFE: "AEROSTAT_FILE_UNSAFE",
  /** A handler module failed to compile or threw at top level. */
  HANDLER_LOAD: "AEROSTAT_HANDLER_LOAD",
  /** A handler imports a Node built-in, a file outside the project root, or a package reached through a link out of it. */
  IMPORT_REFUSED: "AEROSTAT_IMPORT_REFUSED",
  /** A handler imports a file or package that is not in the project. */
  IMPORT_NOT_FOUND: "AEROSTAT_IMPORT_NOT_FOUND",
  /** A project's sandbox kept crashing (memory limit); its handlers are disabled until a file changes. */
  HANDLER_CRASHED: "AEROSTAT_HANDLER_CRASHED",
  /** A runtime option has a wrong value. */
  OPTION_INVALID: "AEROSTAT_OPTION_INVALID",
  /** The message engine (Redis) could not be reached when the server started. */
  ENGINE_UNREACHABLE: "AEROSTAT_ENGINE_UNREACHABLE",
  /** Socketcluster endpoints on the redis engine need the sign-in key every node shares (--auth-key-file). */
  AUTH_KEY_MISSING: "AEROSTAT_AUTH_KEY_MISSING",
  /** A .listener names a connection the operator did not give (--connection NAME=URL), or one of another kind. */
  LISTENER_CONNECTION: "AEROSTAT_LISTENER_CONNECTION",
  /** Two .listener files of one project folder have the same name. */
  LISTENER_CONFLICT: "AEROSTAT_LISTENER_CONFLICT",
} as const;

export const SystemErrorCodes = {
  /** Node was started without --no-node-snapshot, which isolated-vm requires. */
  NODE_FLAGS: "AEROSTAT_NODE_FLAGS",
  /** The runtime was used after close(). */
  CLOSED: "AEROSTAT_CLOSED",
} as const;

export type UserErrorCode = (typeof UserErrorCodes)[keyof typeof UserErrorCodes];
export type SystemErrorCode = (typeof SystemErrorCodes)[keyof typeof SystemErrorCodes];
export type ErrorCode = UserErrorCode | SystemErrorCode;

export interface ErrorLocation {
  /** Project-relative path of the file at fault. */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The descriptor field or option at fault. */
  readonly field?: string;
}

export class AerostatError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = "AerostatError";
  constructor(
    readonly code: C,
    message: string,
    readonly location?: ErrorLocation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** "file:line:column: message" — the form editors and terminals link. */
  where(): string {
    const l = this.location;
    if (!l) return "";
    return l.file + (l.line ? `:${l.line}` + (l.column ? `:${l.column}` : "") : "");
  }

  override toString(): string {
    const where = this.where();
    return (where ? `${where}: ` : "") + this.message;
  }
}
