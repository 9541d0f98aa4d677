export { createRuntime, Runtime } from "./runtime.js";
export type { EndpointInfo, HandlerStats, ReloadEvent, RuntimeEvents } from "./runtime.js";
export type { RuntimeOptions } from "./config/options.js";
export type { Descriptor } from "./config/descriptor.js";
export { AerostatError, UserErrorCodes, SystemErrorCodes } from "./errors/codes.js";
export type { ErrorCode } from "./errors/codes.js";
export type { Logger } from "./log/logger.js";
export type { HandlerFault } from "./ops/services.js";
