/** The part of `node:diagnostics_channel` (workerd, with nodejs_compat) that request events use. */
declare module 'node:diagnostics_channel' {
  export interface Channel {
    readonly hasSubscribers: boolean;
    publish(message: unknown): void;
    subscribe(listener: (message: unknown, name: string | symbol) => void): void;
    unsubscribe(listener: (message: unknown, name: string | symbol) => void): boolean;
  }
  export function channel(name: string | symbol): Channel;
  export function subscribe(name: string | symbol, listener: (message: unknown, name: string | symbol) => void): void;
  export function unsubscribe(name: string | symbol, listener: (message: unknown, name: string | symbol) => void): boolean;
}
