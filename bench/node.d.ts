/**
 * The few parts of Node's API that the bench uses, typed by hand: the project does not depend on @types/node
 * (its code runs in workerd), and the bench adds no dependency. Signatures are narrowed to the bench's use.
 */

declare namespace NodeJS {
  interface CpuUsage {
    user: number;
    system: number;
  }
}

declare var process: {
  argv: string[];
  env: Record<string, string | undefined>;
  pid: number;
  versions: Record<string, string>;
  exit(code?: number): never;
  cpuUsage(previous?: NodeJS.CpuUsage): NodeJS.CpuUsage;
  stderr: { write(text: string): boolean };
  on(event: 'exit', listener: () => void): unknown;
};

/** Node's Buffer, as far as the bench needs it: bytes. */
interface Buffer extends Uint8Array<ArrayBuffer> {}

declare module 'node:fs' {
  export function readFileSync(path: string): Buffer;
  export function readFileSync(path: string, encoding: 'utf8'): string;
  export function writeFileSync(path: string, data: string | Uint8Array): void;
  export function existsSync(path: string): boolean;
  export function readdirSync(path: string): string[];
  export function readlinkSync(path: string): string;
  export function mkdirSync(path: string, options?: { recursive?: boolean }): void;
  export function mkdtempSync(prefix: string): string;
  export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  export function cpSync(from: string, to: string, options?: { recursive?: boolean }): void;
  export function symlinkSync(target: string, path: string, type?: 'dir' | 'file'): void;
}

declare module 'node:path' {
  export function join(...parts: string[]): string;
}

declare module 'node:os' {
  export function cpus(): unknown[];
  export function loadavg(): number[];
  export function tmpdir(): string;
  export function totalmem(): number;
}

declare module 'node:crypto' {
  export function createHash(algorithm: 'sha256'): { update(data: Uint8Array): { digest(encoding: 'hex'): string } };
}

declare module 'node:child_process' {
  export function execFileSync(file: string, args: string[], options: { cwd?: string; encoding: 'utf8' }): string;
}

declare module 'node:http' {
  export type IncomingHttpHeaders = Record<string, string | string[] | undefined>;
  export interface IncomingMessage {
    statusCode?: number;
    headers: IncomingHttpHeaders;
    resume(): void;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(event: 'end', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export interface ClientRequest {
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export class Agent {
    constructor(options?: { keepAlive?: boolean; maxSockets?: number });
    destroy(): void;
  }
  export function get(url: URL, options: { agent?: Agent; headers?: Record<string, string> }, callback: (response: IncomingMessage) => void): ClientRequest;
}
