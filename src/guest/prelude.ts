import type { GuestSettings } from "../protocol/settings.js";
import { isObjectLike, parse, push, StringCtor } from "./builtins.js";
import { installConsole } from "./console.js";
import { collect, dispatch, recover } from "./dispatch.js";
import {
  defineMemberModule,
  defineModuleAlias,
  defineNamespaceMember,
  defineRuntimeModule,
  exportedHooks,
  initModules,
  installCjs,
  requireModule,
  type RuntimeModuleFactory,
} from "./handler.js";
import { host, type HostCall } from "./host.js";
import { coreFault, HANDSHAKE_HOOK, makeKernel, markAsync, RELOAD_HOOK, runReload, runRequest, setRunner, type Kernel } from "./kernel.js";
import { lockdown } from "./lockdown.js";
import { settle } from "./promises.js";
import { describeError, stackOf } from "./text.js";
import { installTimers, runTimer } from "./timers.js";

/** What the host drives in a context; it holds References to these, the script never sees them. */
export interface Internals {
  dispatch: typeof dispatch;
  recover: typeof recover;
  /** Adds a capability whose guest module came as source (not in the bundle). */
  defineCapability(name: string, factory: RuntimeModuleFactory): string;
  /** The hooks the loaded handler exports, comma-separated. */
  exportedHooks(): string;
  /** Runs (or, `onDemand`, only keeps) the handler's CommonJS wrapper. */
  installCjs(fn: (...args: unknown[]) => unknown, filename: string, dirname: string, onDemand: boolean): string;
}

/**
 * Runs first in every handler context, before any user code: takes away what
 * scripts must not have, installs console, timers and require, and the
 * capabilities' runtime modules. Returns the internals the host drives.
 */
export function prelude(hostCall: HostCall, settingsJson: string, bundled: Record<string, RuntimeModuleFactory>): Internals {
  const settings = parse(settingsJson) as GuestSettings;
  host.call = hostCall;
  host.settings = settings;
  host.limits = settings.limits;
  lockdown();
  installConsole();
  installTimers();
  const hooks: string[] = [];
  for (const cap of settings.capabilities) {
    for (const kind in cap.events) push(hooks, cap.events[kind]!.hook);
    const asked = cap.requestHooks ?? [];
    for (let i = 0; i < asked.length; i++) push(hooks, asked[i]!);
  }
  push(hooks, RELOAD_HOOK);
  push(hooks, HANDSHAKE_HOOK);
  const kernels: Kernel[] = [];
  initModules(hooks);

  const field = (text: string) => text.length + ":" + text;
  const describe = (e: unknown) => field(describeError(e, settings.limits.maxReportChars)) + field(stackOf(e, settings.limits.maxReportChars * 4));
  const defineCapability = (name: string, factory: RuntimeModuleFactory) => {
    let capability;
    for (const c of settings.capabilities) if (c.name === name) capability = c;
    if (!capability) return "error|" + field("Error: unknown capability " + name) + field("");
    const kernel = makeKernel(capability);
    push(kernels, kernel);
    defineRuntimeModule(capability.module, (exports) => factory(exports, kernel));
    const module = capability.module;
    const aliases = capability.aliases ?? [];
    for (let i = 0; i < aliases.length; i++) defineModuleAlias(aliases[i]!, module);
    const members = capability.namespaces ?? [];
    for (let i = 0; i < members.length; i++) defineNamespaceMember(members[i]!.module, members[i]!.name, module);
    const parts = capability.memberModules ?? [];
    for (let i = 0; i < parts.length; i++) defineMemberModule(parts[i]!.module, module, parts[i]!.name);
    // Loaded now: the module registers its event runners.
    return collect(() => void requireModule(module), describe);
  };

  setRunner(settings.events.timer, (ev) => {
    try {
      if (isObjectLike(runTimer(ev.code))) markAsync();
    } catch (e) {
      coreFault(kernels, "timer", ev, e);
    }
  });
  setRunner(settings.events.settle, (ev) => settle(ev.peerId, ev.code === 1, StringCtor(ev.payload)));
  setRunner(settings.events.request, runRequest);
  setRunner(settings.events.reload, (ev) => runReload(kernels, ev));

  for (const cap of settings.capabilities) {
    const factory = bundled[cap.name];
    if (factory) defineCapability(cap.name, factory);
  }
  return {
    dispatch,
    recover,
    exportedHooks,
    defineCapability,
    installCjs: (fn, filename, dirname, onDemand) => collect(() => installCjs(fn, filename, dirname, onDemand === true), describe),
  };
}
