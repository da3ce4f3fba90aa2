// @ts-check
/**
 * Starts Workers the way `wrangler dev` does (wrangler's `unstable_startWorker`, local mode, loopback only)
 * and finds their workerd processes: wrangler runs two per Worker, a dev proxy that owns the public port
 * and the runtime that runs the Worker. Memory is read from the runtime's /proc entry.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { unstable_startWorker } from 'wrangler';

/**
 * @typedef {object} StartedWorker
 * @property {string} name            for messages
 * @property {URL} url                through wrangler's dev proxy, as `wrangler dev` serves it
 * @property {URL} direct             the runtime's own socket, without the dev proxy
 * @property {number} runtimePid      the workerd that runs the Worker's isolate
 * @property {number} proxyPid        the workerd of wrangler's dev proxy
 * @property {() => Promise<void>} dispose
 */

/**
 * Pins every thread of `pid` (and the threads it starts later) to one CPU, with util-linux's taskset. The bench pins
 * itself and its workers' processes to the same CPU when asked (`--pin=N`): on a VM whose CPUs are each slowed by the
 * host now and then (time it takes shows up as the guest's CPU time), both sides of a comparison then run on the
 * same one.
 * @param {number} pid
 * @param {number} cpu
 */
export function pinToCpu(pid, cpu) {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
}

/** The CPU that `--pin` chose (run.mjs sets it for the workers it starts), or undefined. */
function pinnedCpu() {
  const value = process.env.BENCH_PIN_CPU;
  return value === undefined || value === '' ? undefined : Number(value);
}

/** @param {number} pid */
function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The workerd processes that this Node process started. */
export function workerdChildren() {
  /** @type {number[]} */
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (parentOf(pid) !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd') pids.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** TCP ports each listening socket inode is bound to, from /proc/net/tcp and tcp6. */
function listeningPorts() {
  /** @type {Map<string, number>} */
  const byInode = new Map();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      byInode.set(fields[9] ?? '', parseInt((fields[1] ?? '').split(':')[1] ?? '', 16));
    }
  }
  return byInode;
}

/**
 * The TCP ports a process listens on.
 * @param {number} pid
 */
export function portsOf(pid) {
  const byInode = listeningPorts();
  /** @type {number[]} */
  const ports = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const port = inode === undefined ? undefined : byInode.get(inode);
    if (port !== undefined) ports.push(port);
  }
  return ports;
}

/**
 * Starts a Worker from a wrangler config on 127.0.0.1 (a free port), with the inspector, file watching, remote
 * bindings and local observability off. wrangler dev's local observability attaches a trace collector to the worker
 * that takes every request's tail events in the same workerd process: measured, ~0.8 ms of CPU for a bare GET and
 * ~1.5-3 ms for a transform, which only our side would pay (a deployed worker's isolate has no such collector).
 * @param {{ name: string, config: string, persist: string | false, compatibilityDate?: string, vars?: Record<string, string> }} options
 * @returns {Promise<StartedWorker>}
 */
export async function startWorker({ name, config, persist, compatibilityDate, vars }) {
  const before = new Set(workerdChildren());
  // Read by wrangler when it builds the runtime's options (X_LOCAL_OBSERVABILITY, default on).
  process.env.X_LOCAL_OBSERVABILITY ??= 'false';
  const worker = await unstable_startWorker({
    config,
    ...(compatibilityDate ? { compatibilityDate } : {}),
    ...(vars ? { bindings: Object.fromEntries(Object.entries(vars).map(([k, value]) => [k, { type: /** @type {const} */ ('plain_text'), value }])) } : {}),
    sendMetrics: false,
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'error', watch: false, remote: false },
  });
  await worker.ready;
  const url = await worker.url;
  // The runtime starts after the proxy; the proxy holds a request until the runtime is up.
  await (await fetch(new URL('/__bench_probe', url))).arrayBuffer();
  const started = workerdChildren().filter((pid) => !before.has(pid));
  const proxy = started.find((pid) => portsOf(pid).includes(Number(url.port)));
  const runtime = started.filter((pid) => pid !== proxy);
  if (proxy === undefined || runtime.length !== 1) {
    await worker.dispose();
    throw new Error(`${name}: expected a dev proxy and one runtime workerd, found ${started.length} new workerd processes`);
  }
  const runtimePid = /** @type {number} */ (runtime[0]);
  const cpu = pinnedCpu();
  if (cpu !== undefined) for (const pid of [runtimePid, proxy]) pinToCpu(pid, cpu);
  const direct = await findHttpPort(runtimePid);
  return { name, url, direct, runtimePid, proxyPid: proxy, dispose: () => worker.dispose() };
}

/**
 * The runtime's entry socket: the one of its listening ports that answers HTTP.
 * @param {number} pid
 */
async function findHttpPort(pid) {
  for (const port of portsOf(pid)) {
    const url = new URL(`http://127.0.0.1:${port}/`);
    try {
      const response = await fetch(new URL('/__bench_probe', url), { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return url;
    } catch {
      // Not an HTTP socket.
    }
  }
  throw new Error(`workerd ${pid} answers HTTP on none of its ports`);
}

/**
 * Whether a process exists and has not exited (a zombie waits for its parent to reap it).
 * @param {number} pid
 */
export function isRunning(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * VmRSS and VmHWM (peak) of a process, in bytes.
 * @param {number} pid
 */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (/** @type {string} */ field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * Resets a process's peak resident size (VmHWM) to its current RSS (Linux ≥ 4.0).
 * @param {number} pid
 */
export function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * CPU time (user + system) a process has used so far, in ms.
 * @param {number} pid
 */
export function cpuMsOf(pid) {
  let stat = '';
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return NaN;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); clock ticks are 100 per second on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * A Worker that is started again when its runtime has gone (it crashed, or something outside killed it; on a
 * shared machine both happen). `restarts` counts how often, for the record.
 */
export class ManagedWorker {
  /** @param {Parameters<typeof startWorker>[0]} options */
  constructor(options) {
    this.options = options;
    /** @type {StartedWorker | undefined} */
    this.current = undefined;
    this.restarts = 0;
  }

  /** The running worker: started if it is not yet, started again if its runtime has gone. */
  async ensure() {
    if (this.current && isRunning(this.current.runtimePid) && isRunning(this.current.proxyPid)) return this.current;
    if (this.current) {
      this.restarts++;
      await this.current.dispose().catch(() => {});
    }
    this.current = await startWorker(this.options);
    return this.current;
  }

  /**
   * Whether `worker` is still the running one.
   * @param {StartedWorker} worker
   */
  isCurrent(worker) {
    return this.current === worker && isRunning(worker.runtimePid) && isRunning(worker.proxyPid);
  }

  async dispose() {
    await this.current?.dispose().catch(() => {});
    this.current = undefined;
  }
}
