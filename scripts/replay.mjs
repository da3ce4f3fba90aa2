#!/usr/bin/env node
// `npm run replay`: a realistic, bounded traffic trace against a local `wrangler dev`, then the KPI table from the
// worker's own request events and a check of the replay's counts against the worker's.
//
//   npm run replay [-- options]          (node scripts/replay.mjs --help lists them)
//
// By default it snapshots src/ and wrangler.toml into a temporary folder (so edits to src/ cannot reload the worker
// mid-run), seeds a fresh local R2 bucket there with `scripts/start.mjs --seed-only --persist-to`, and starts
// `wrangler dev` on a free 127.0.0.1 port with LOG_REQUESTS=all; its log is where the events are read from. It stops
// that wrangler (its whole process group) and deletes the folder on exit, on Ctrl-C and on errors. With
// `--target http://127.0.0.1:PORT --log FILE --token T` it uses a wrangler dev that is already running (started with
// LOG_REQUESTS=all, its output going to FILE).
//
// The trace (seeded, so a run can be repeated): a catalogue of masters (the samples plus copies uploaded at the start,
// which the worker pre-generates), requested with Zipf popularity by browsers (a mix of Chrome, Safari, Firefox and
// older Accept headers; Next.js-style srcset widths with format=auto, square thumbnails, explicit <picture> formats;
// a browser that saw a URL before revalidates it with If-None-Match), bots (Accept */*, uniform over the catalogue,
// some originals), cache-busters (random query strings, which the worker ignores, and random widths and qualities,
// which it charges), broken links (404) and live uploads (each new master then becomes popular). Open loop at
// --rate, at most --concurrency in flight, until --requests are sent or --seconds have passed; then it waits for
// what is in flight (each request has a timeout) and reads the log.
//
// Exit code: 0; 1 when the worker's events do not match what the replay saw (or a 500 was seen); 2 bad usage;
// 3 the run could not be set up; 130 interrupted.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeKpis, formatKpis, parseEventLog } from './lib/kpi.ts';
import { freePort, stopGroup, tail } from './lib/processes.mjs';
import { BOTS, BROWSERS, SAMPLES, UPLOADABLE, ipOf, keyPath, nextRequest, pick, prng, routeOf } from './lib/trace.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const wranglerBin = path.join(path.dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');

/** Vars of the wrangler dev this script starts: events logged; a quota that cache-busters meet within a minute. */
const DEFAULT_VARS = {
  LOG_REQUESTS: 'all',
  TRANSFORM_QUOTA_PER_MINUTE: '10',
  PREGENERATE_WIDTHS: '320,640',
  PREGENERATE_FORMATS: 'avif,webp',
};

const USAGE = `usage: npm run replay -- [options]        (node scripts/replay.mjs [options])

A realistic, bounded trace against a local wrangler dev (loopback only), then the KPI table from the worker's events.

  --requests N      requests the run may send, setup included (default 600)
  --seconds S       longest the trace runs (default 60); it ends earlier when the requests run out
  --rate R          requests per second, open loop (default: --requests over --seconds)
  --concurrency C   most requests in flight (default 10; MAX_QUEUED_TRANSFORMS is 8, so 10 misses at once meet a 503)
  --catalogue M     masters uploaded at the start, beside the 10 samples (default 10)
  --seed X          seed of the trace (default 1)
  --timeout S       per-request timeout, seconds (default 30)
  --var NAME:VALUE  a var for the wrangler dev this script starts (repeatable). Defaults:
                    ${Object.entries(DEFAULT_VARS).map(([k, v]) => `${k}:${v}`).join(' ')}
  --port P          port of the wrangler dev this script starts (default: a free one)
  --target URL      use a running wrangler dev (http://127.0.0.1|localhost|[::1]:PORT) started with
                    LOG_REQUESTS=all; needs --log and --token
  --log FILE        the running wrangler dev's output (with --target)
  --token T         its UPLOAD_TOKEN (with --target)
  --keep            keep the temporary folder (code snapshot, state, wrangler.log)
  --json FILE       also write the KPIs and the check as JSON
  -h, --help        this text`;

function usageError(message) {
  console.error(`replay: ${message} (npm run replay -- --help)`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { requests: 600, seconds: 60, rate: undefined, concurrency: 10, catalogue: 10, seed: 1, timeout: 30, vars: {}, port: undefined, target: undefined, log: undefined, token: undefined, keep: false, json: undefined };
  const numeric = {
    '--requests': ['requests', 50, 20_000, true], '--seconds': ['seconds', 5, 600, false], '--rate': ['rate', 0.5, 500, false],
    '--concurrency': ['concurrency', 1, 64, true], '--catalogue': ['catalogue', 0, 200, true], '--seed': ['seed', 0, 2 ** 31, true],
    '--timeout': ['timeout', 1, 120, false], '--port': ['port', 1, 65535, true],
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const next = () => value ?? (i + 1 < argv.length ? argv[++i] : usageError(`${arg} needs a value`));
    if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (numeric[arg]) {
      const [name, min, max, integer] = numeric[arg];
      const text = next();
      const n = Number(text);
      if (!/^\d+(\.\d+)?$/.test(text) || (integer && !Number.isInteger(n)) || n < min || n > max) usageError(`${arg} needs a number in ${min}..${max}, not ${text}`);
      o[name] = n;
    } else if (arg === '--var') {
      const text = next();
      const colon = text.indexOf(':');
      if (colon <= 0 || !/^[A-Z_][A-Z0-9_]*$/.test(text.slice(0, colon))) usageError(`--var needs NAME:VALUE, not ${text}`);
      o.vars[text.slice(0, colon)] = text.slice(colon + 1);
    } else if (arg === '--target') o.target = next();
    else if (arg === '--log') o.log = next();
    else if (arg === '--token') o.token = next();
    else if (arg === '--keep') o.keep = true;
    else if (arg === '--json') o.json = next();
    else usageError(`unknown argument ${argv[i]}`);
  }
  if (o.target !== undefined) {
    let url;
    try {
      url = new URL(o.target);
    } catch {
      usageError(`--target ${o.target} is not a URL`);
    }
    if (url.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) usageError('--target must be http://localhost, 127.0.0.1 or [::1] (loopback only)');
    o.target = url.origin;
    if (!o.log || !o.token) usageError('--target needs --log <its output file> and --token <its UPLOAD_TOKEN>');
    if (Object.keys(o.vars).length || o.port !== undefined) usageError('--var and --port apply only to the wrangler dev this script starts');
  } else if (o.log || o.token) usageError('--log and --token go with --target');
  if (o.vars.UPLOAD_TOKEN !== undefined) usageError('the token of the wrangler dev this script starts is made at random');
  o.rate ??= o.requests / o.seconds;
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle: what this script starts is stopped whatever happens (as in scripts/flood.mjs).

const log = (...args) => console.error('replay:', ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const interrupt = new AbortController();
setMaxListeners(1000, interrupt.signal);
let server; // { child, pgid, logFile }
let tempDir;
let keepTemp = false;

async function stopServer() {
  if (!server) return;
  const started = server;
  server = undefined;
  await stopGroup(started, log);
}

function removeTemp() {
  if (!tempDir) return;
  if (keepTemp) log(`kept ${tempDir}`);
  else fs.rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

process.on('exit', () => {
  if (server) {
    try {
      process.kill(-server.pgid, 'SIGKILL');
    } catch {}
  }
  if (tempDir && !keepTemp) fs.rmSync(tempDir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupt.signal.aborted) process.exit(130);
    log(`${sig}: stopping (again to force)`);
    interrupt.abort();
  });
}

async function startServer(opts, vars) {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-image-replay-'));
  keepTemp = opts.keep;
  const code = path.join(tempDir, 'code');
  fs.mkdirSync(code);
  fs.cpSync(path.join(repoRoot, 'src'), path.join(code, 'src'), { recursive: true });
  for (const file of ['wrangler.toml', 'package.json', 'tsconfig.json']) fs.cpSync(path.join(repoRoot, file), path.join(code, file));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(code, 'node_modules'), 'dir');
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  const persistTo = path.join(tempDir, 'state');
  log(`seeding a fresh local R2 bucket in ${persistTo}`);
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'start.mjs'), '--seed-only', '--persist-to', persistTo], { cwd: repoRoot, stdio: 'ignore' });

  const port = opts.port ?? (await freePort());
  const logFile = path.join(tempDir, 'wrangler.log');
  const fd = fs.openSync(logFile, 'a');
  const args = [
    wranglerBin, 'dev', '--local', '--config', path.join(code, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(await freePort()), '--persist-to', persistTo, '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: code,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  fs.closeSync(fd);
  server = { child, pgid: child.pid, logFile };
  log(`started wrangler dev (pid ${child.pid}, its own process group) on http://127.0.0.1:${port}; log: ${logFile}`);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (interrupt.signal.aborted) throw new Error('interrupted while starting wrangler dev');
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`wrangler dev exited before answering:\n${tail(logFile)}`);
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /health within 120 s:\n${tail(logFile)}`);
    try {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {}
    await sleep(300);
  }
  return { base, logFile, commit };
}

// ---------------------------------------------------------------------------------------------------------------
// The trace

/** One request, read to the end of its body. */
async function send(ctx, req) {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const rec = { kind: req.kind, route: routeOf(req.path.split('?')[0], method), method, status: 0, outcome: 'error', ms: 0, bytes: 0 };
  try {
    const response = await fetch(ctx.base + req.path, {
      method,
      headers: { 'CF-Connecting-IP': req.ip, ...req.headers },
      body: req.body,
      signal: AbortSignal.any([interrupt.signal, AbortSignal.timeout(ctx.timeoutMs)]),
    });
    rec.bytes = (await response.arrayBuffer()).byteLength;
    rec.status = response.status;
    const xCache = response.headers.get('X-Cache');
    rec.outcome = response.status === 304 ? '304' : response.status < 300 && xCache ? xCache : String(response.status);
    if (req.remember && response.status === 200) req.remember.etags.set(req.path, response.headers.get('ETag'));
  } catch (error) {
    rec.error = error?.name === 'TimeoutError' ? 'timeout' : String(error?.message ?? error);
  }
  rec.ms = performance.now() - started;
  return rec;
}

// ---------------------------------------------------------------------------------------------------------------

function countBy(records, keyOf) {
  const out = new Map();
  for (const r of records) out.set(keyOf(r), (out.get(keyOf(r)) ?? 0) + 1);
  return out;
}

/** The replay's own count per route and outcome against the worker's events (health probes left out). */
function reconcile(records, events) {
  const ours = countBy(records.filter((r) => r.route !== 'health'), (r) => `${r.route} ${r.outcome}`);
  const theirs = countBy(events.filter((e) => e.route !== 'health'), (e) => `${e.route} ${e.outcome}`);
  const names = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  const rows = names.map((name) => {
    const [route, outcome] = name.split(' ');
    return { route, outcome, replay: ours.get(name) ?? 0, worker: theirs.get(name) ?? 0 };
  });
  return { rows, matches: rows.every((r) => r.replay === r.worker) };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const random = prng(opts.seed);
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let base;
  let logFile;
  let commit = '';
  if (opts.target) {
    ({ target: base, log: logFile } = opts);
    log(`using ${base}; reading its events from ${logFile}`);
  } else {
    ({ base, logFile, commit } = await startServer(opts, { ...DEFAULT_VARS, ...opts.vars, UPLOAD_TOKEN: token }));
  }
  const logOffset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const ctx = { base, timeoutMs: opts.timeout * 1000 };

  const taken = new Set();
  const state = {
    token,
    catalogue: [...SAMPLES],
    browsers: Array.from({ length: 200 }, () => ({ ip: ipOf(random, taken), browser: pick(random, BROWSERS), etags: new Map() })),
    botIps: BOTS.map(() => ipOf(random, taken)),
    busterIps: Array.from({ length: 2 }, () => ipOf(random, taken)),
    operatorIp: ipOf(random, taken),
    bytes: new Map(UPLOADABLE.map((s) => [s, fs.readFileSync(path.join(repoRoot, s))])),
    uploads: 0,
  };
  const records = [];
  let sent = 0;

  // Setup: the catalogue's uploads (the worker pre-generates their PREGENERATE_WIDTHS x PREGENERATE_FORMATS).
  for (let i = 0; i < opts.catalogue && sent < opts.requests; i++) {
    const source = UPLOADABLE[i % UPLOADABLE.length];
    const key = `replay/catalogue/${i}-${path.basename(source)}`;
    const r = await send(ctx, { kind: 'setup', method: 'PUT', path: `/masters/${keyPath(key)}`, ip: state.operatorIp, headers: { Authorization: `Bearer ${token}` }, body: state.bytes.get(source) });
    sent++;
    records.push(r);
    if (r.status !== 201 && r.status !== 200) throw new Error(`uploading ${key} answered ${r.status || r.error}`);
    // Interleaved with the samples, so that popularity does not follow where a master came from.
    state.catalogue.splice(1 + 2 * i, 0, key);
  }
  log(`catalogue: ${state.catalogue.length} masters (${opts.catalogue} uploaded); replaying up to ${opts.requests - sent} requests at ${opts.rate.toFixed(1)}/s for at most ${opts.seconds} s, ${opts.concurrency} in flight`);

  const t0 = performance.now();
  const inFlight = new Set();
  const setupSent = sent;
  let late = 0;
  while (sent < opts.requests && performance.now() - t0 < opts.seconds * 1000 && !interrupt.signal.aborted) {
    const due = t0 + (sent - setupSent) * (1000 / opts.rate);
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= opts.concurrency) {
      late++;
      await Promise.race(inFlight);
    }
    const req = nextRequest(random, state);
    sent++;
    const p = send(ctx, req).then((r) => {
      records.push(r);
      if (req.newKey && r.status === 201) state.catalogue.splice(2, 0, req.newKey);
    });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  }
  const traceSeconds = (performance.now() - t0) / 1000;
  log(`sent ${sent} requests in ${traceSeconds.toFixed(1)} s; waiting for ${inFlight.size} in flight`);
  await Promise.all(inFlight);
  // The last lines reach the log file a moment after the responses.
  await sleep(1500);

  // logOffset counts bytes (wrangler's banner is not ASCII): cut the bytes, then decode.
  const text = fs.readFileSync(logFile).subarray(logOffset).toString('utf8');
  const { events, skipped } = parseEventLog(text);
  if (skipped) log(`${skipped} event lines in the log could not be read`);
  const kpis = computeKpis(events);
  const check = reconcile(records, events);
  const saw500 = records.some((r) => r.status === 500);
  const failed = records.filter((r) => r.status === 0);

  const byKind = countBy(records, (r) => r.kind);
  const lines = [
    `## Replay ${new Date().toISOString().slice(0, 19)}Z${commit ? ` (commit ${commit})` : ''}`,
    '',
    `- trace: seed ${opts.seed}, ${sent} requests in ${traceSeconds.toFixed(1)} s (${opts.rate.toFixed(1)}/s asked, at most ${opts.concurrency} in flight; ${late} sent late because of that); ` +
      [...byKind.entries()].map(([k, n]) => `${k} ${n}`).join(', '),
    `- catalogue: ${state.catalogue.length} masters (10 samples, ${opts.catalogue} uploaded first, ${state.uploads} uploaded during the run), Zipf s=1.1`,
    `- worker: ${opts.target ? base : `wrangler dev on ${base} with ${Object.entries({ ...DEFAULT_VARS, ...opts.vars }).map(([k, v]) => `${k}=${v}`).join(' ')}`}`,
    `- client side: p50 ${percentile(records, 0.5)} ms, p95 ${percentile(records, 0.95)} ms, p99 ${percentile(records, 0.99)} ms per request; ${failed.length} without an answer${failed.length ? ` (${[...countBy(failed, (r) => r.error).entries()].map(([e, n]) => `${e} ${n}`).join(', ')})` : ''}`,
    '',
    formatKpis(kpis),
    '',
    `**Check**: the replay's counts against the worker's events (route, outcome; health probes left out): ${check.matches ? 'all match' : '**MISMATCH**'}`,
    '',
    '| route | outcome | replay | worker |',
    '|---|---|---|---|',
    ...check.rows.map((r) => `| ${r.route} | ${r.outcome} | ${r.replay} | ${r.worker}${r.replay === r.worker ? '' : ' ≠'} |`),
  ];
  if (saw500) lines.push('', '**A 500 was seen.**');
  console.log(lines.join('\n'));
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ options: opts, sent, traceSeconds, kpis, check }, null, 2));
  return check.matches && !saw500 ? 0 : 1;
}

function percentile(records, q) {
  const sorted = records.filter((r) => r.status > 0).map((r) => r.ms).sort((a, b) => a - b);
  if (!sorted.length) return '–';
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1].toFixed(0);
}

let exitCode = 0;
try {
  exitCode = await main();
} catch (error) {
  if (interrupt.signal.aborted) {
    log(`interrupted: ${error?.message ?? error}`);
    exitCode = 130;
  } else {
    log(`could not run the replay: ${error?.message ?? error}`);
    if (server) log(`last lines of the wrangler log:\n${tail(server.logFile)}`);
    exitCode = 3;
  }
} finally {
  await stopServer();
  removeTemp();
}
process.exit(exitCode);
