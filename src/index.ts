// First: on Node < 24 this exits with one sentence before runtime.js loads isolated-vm (ES modules run in import order).
import "./platform/require-node.js";
export { createRuntime, Runtime } from "./runtime.js";
export type { EndpointInfo, EvqEndpointStats, HandlerStats, ListenerInfo, ListenerStatus, ReloadEvent, RuntimeEvents, RuntimeInit } from "./runtime.js";
export type { ListenerSpec } from "./config/listener-spec.js";
export type { Capability, ImmediateOp, PostedOp, DeferredOp, OpContext } from "./ops/capability.js";
export { HookError } from "./sandbox/requests.js";
export type { IsolateStats } from "./sandbox/project-isolate.js";
export type { RuntimeOptions } from "./config/options.js";
export type { BusChannel, BusListener, EngineState, EngineStatus, HistoryKeep, HistoryPage, HistoryStamp, KeptMessage } from "./bus/message-bus.js";
export type { Descriptor, IsolateMode } from "./config/descriptor.js";
export { AerostatError, UserErrorCodes, SystemErrorCodes } from "./errors/codes.js";
export type { ErrorCode } from "./errors/codes.js";
export type { Logger } from "./log/logger.js";
export type { HandlerFault } from "./ops/services.js";
