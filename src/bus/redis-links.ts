import type { RedisCommands } from "./redis-commands.js";

/** The subscriber side, on one server or on a cluster. */
export interface SubscriberLink {
  start(): Promise<void>;
  readonly ready: boolean;
  /** Subscribes to `name` now (resolves once Redis confirmed it), or when the connection is next ready (resolves at once). */
  add(name: string): Promise<void>;
  remove(name: string): void;
  close(): Promise<void>;
}

/** The publishing side: its commands, whether it is connected, how to close it. */
export interface PublisherLink {
  readonly commands: RedisCommands;
  readonly ready: boolean;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** What a link tells the engine. */
export interface LinkEvents {
  message(name: string, text: string): void;
  ready(connection: "publisher" | "subscriber", again: boolean): void;
  down(connection: "publisher" | "subscriber", error: Error): void;
}
