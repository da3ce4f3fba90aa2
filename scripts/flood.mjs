#!/usr/bin/env node
// `npm run flood`: a bounded, loopback-only flood of the worker, to see the quotas, the per-isolate
// transform gate and the global breaker at work, and what a well-behaved client feels meanwhile.
//
//   npm run flood [-- options]          (or: node scripts/flood.mjs [options]; --help lists them)
//
// By default it snapshots src/ and wrangler.toml into a temporary folder (wrangler's dev bundler watches its
// sources and would reload the worker mid-run when someone edits src/), seeds a fresh local R2 bucket there with
// `scripts/start.mjs --seed-only --persist-to`, and starts `wrangler dev` on a free 127.0.0.1 port with `--var`
// overrides small enough that quotas and the breaker act within seconds. It stops that wrangler (its whole process
// group) and deletes the folder on exit, on Ctrl-C and on errors. With `--target http://localhost:PORT` it floods a
// wrangler dev that is already running instead (then `--token` is needed for the uploads, and `--var` cannot apply).
//
// It plays K attacking clients (distinct, random CF-Connecting-IP addresses from 198.18.0.0/15, the benchmarking
// range) sending cache-busting transforms (random small width, quality and format of the sample masters, so each
// miss is cheap) and uploads (tiny valid PNG/JPEG from test/fixtures/, to keys under flood/), with one well-behaved
// client (its own address) re-requesting a few variants it warmed first, at a modest open-loop rate: alone first
// (the baseline), then during the flood. Everything is bounded: total requests (--requests, everything counted),
// the flood's duration (--seconds), in-flight requests (--concurrency per attacker, 4 for the good client) and a
// timeout per request.
//
// The report (markdown, on stdout; progress goes to stderr) has admitted / refused / shed / other per client,
// the good client's latency percentiles before and during the flood, a timeline, the header checks on 429 and 503,
// and every 5xx that is not an intended 503. Interrupted (Ctrl-C) during the flood, it stops sending and reports
// what it has; a second Ctrl-C kills everything at once. Exit code: 0, or 1 when any 500 was seen, 2 on bad usage,
// 3 when the run itself could not be made (startup, preflight), 130 when interrupted.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopGroup, tail } from './lib/processes.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const wranglerBin = path.join(path.dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');

// ---------------------------------------------------------------------------------------------------------------
// Options

/** `--var` overrides for the wrangler dev this script starts: small enough to act within a 30-second run. */
const DEFAULT_VARS = {
  TRANSFORM_QUOTA_PER_MINUTE: '30',
  UPLOADS_PER_HOUR: '5',
  GLOBAL_TRANSFORM_LIMIT: '600',
};

const USAGE = `usage: npm run flood -- [options]        (node scripts/flood.mjs [options])

A bounded flood of the worker on loopback: K attacking clients (distinct CF-Connecting-IP) send cache-busting
transforms and uploads while one well-behaved client re-requests cached variants; prints a markdown report.

  --clients K          attacking clients (default 8)
  --requests N         total requests the run may send, setup and good client included (default 1500)
  --seconds S          length of the flood (default 30); it ends earlier when the requests run out
  --concurrency C      requests in flight per attacker (default 2)
  --rate R             attacker requests per second, all attackers together; default spreads the attackers' share
                       of --requests over --seconds; 0 = as fast as --concurrency allows
  --upload-every M     every Mth request of an attacker is an upload (default 10; 0 = no uploads)
  --good-rps G         the well-behaved client's requests per second (default 10; open loop, at most 4 in flight)
  --baseline S         seconds the good client runs alone before the flood (default 5)
  --timeout S          per-request timeout in seconds (default 20)
  --target URL         flood a wrangler dev that is already running (http://localhost|127.0.0.1|[::1]:PORT only);
                       needs --token; --var and --port do not apply
  --token T            the worker's UPLOAD_TOKEN (with --target; otherwise a random one is made)
  --var NAME:VALUE     a var for the wrangler dev this script starts, over its defaults (repeatable). Defaults:
                       ${Object.entries(DEFAULT_VARS).map(([k, v]) => `${k}:${v}`).join(' ')}
  --port P             port for the wrangler dev this script starts (default: a free one)
  --keep               keep the temporary folder (code snapshot, local state, wrangler.log) and say where
  --json FILE          also write the raw numbers as JSON
  -h, --help           this text

Exit code: 0; 1 if any 500 was seen; 2 bad usage; 3 the run could not be set up; 130 interrupted.`;

function usageError(message) {
  console.error(`flood: ${message} (npm run flood -- --help for usage)`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    clients: 8, requests: 1500, seconds: 30, concurrency: 2, rate: undefined, uploadEvery: 10, goodRps: 10,
    baseline: 5, timeout: 20, target: undefined, token: undefined, vars: {}, port: undefined, keep: false, json: undefined,
  };
  const numeric = {
    '--clients': ['clients', 1, 64, true], '--requests': ['requests', 50, 100_000, true], '--seconds': ['seconds', 1, 600, false],
    '--concurrency': ['concurrency', 1, 32, true], '--rate': ['rate', 0, 10_000, false], '--upload-every': ['uploadEvery', 0, 1_000_000, true],
    '--good-rps': ['goodRps', 0.5, 100, false], '--baseline': ['baseline', 1, 120, false], '--timeout': ['timeout', 1, 120, false],
    '--port': ['port', 1, 65535, true],
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const next = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) usageError(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (numeric[arg]) {
      const [name, min, max, integer] = numeric[arg];
      const text = next();
      const n = Number(text);
      if (!/^\d+(\.\d+)?$/.test(text) || (integer && !Number.isInteger(n)) || n < min || n > max) {
        usageError(`${arg} needs ${integer ? 'an integer' : 'a number'} in ${min}..${max}, not ${text}`);
      }
      o[name] = n;
    } else if (arg === '--target') o.target = next();
    else if (arg === '--token') o.token = next();
    else if (arg === '--var') {
      const text = next();
      const colon = text.indexOf(':');
      if (colon <= 0 || !/^[A-Z_][A-Z0-9_]*$/.test(text.slice(0, colon))) usageError(`--var needs NAME:VALUE, not ${text}`);
      o.vars[text.slice(0, colon)] = text.slice(colon + 1);
    } else if (arg === '--keep') o.keep = true;
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
    if (!['http:', 'https:'].includes(url.protocol) || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
      usageError(`--target must be http(s)://localhost, 127.0.0.1 or [::1] (this is a loopback-only flood), not ${o.target}`);
    }
    if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      usageError('--target is an origin only, like http://localhost:8787');
    }
    o.target = url.origin;
    if (!o.token) usageError('--target needs --token <the worker\'s UPLOAD_TOKEN> (uploads are part of the flood)');
    if (Object.keys(o.vars).length) usageError('--var only applies to the wrangler dev this script starts, not to --target');
    if (o.port !== undefined) usageError('--port only applies to the wrangler dev this script starts, not to --target');
  }
  if (o.token !== undefined && !/^[A-Za-z0-9._~+/-]{16,1024}=*$/.test(o.token)) usageError('--token must be the 16+ character UPLOAD_TOKEN');
  if (o.vars.UPLOAD_TOKEN !== undefined) usageError('set the token with --token, not --var UPLOAD_TOKEN:…');
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** After the flood stops sending, how long requests still out may take before they are abandoned (counted as aborted). */
const DRAIN_MS = 5000;

const log = (...args) => console.error('flood:', ...args);
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const ms = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–');

/** A random address in 198.18.0.0/15 (RFC 2544 benchmarking), distinct from `taken`. */
function randomClientIp(taken) {
  for (;;) {
    const ip = `198.${18 + randomInt(2)}.${randomInt(256)}.${1 + randomInt(254)}`;
    if (!taken.has(ip)) return taken.add(ip), ip;
  }
}

/** `"transform";r=29;t=2, "uploads";r=4;t=720` → { transform: { r: 29, t: 2 }, … } */
function parseRateLimit(header) {
  const out = {};
  for (const m of (header ?? '').matchAll(/"([^"]+)"((?:;\s*[a-z]+=[^,;]+)*)/g)) {
    const params = {};
    for (const p of m[2].matchAll(/;\s*([a-z]+)=([^,;]+)/g)) params[p[1]] = Number(p[2]);
    out[m[1]] = params;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle: what this script starts, and how it is stopped whatever happens

const interrupt = new AbortController();
setMaxListeners(1000, interrupt.signal);
let server; // { child, pgid, logFile, exited: Promise }
let tempDir;
let keepTemp = false;
let interruptedBy;

/** Stops the wrangler dev we started: SIGTERM to its process group, SIGKILL to what is left after 8 s. */
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

// Last resort, synchronous: nothing we started outlives us.
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
    if (interruptedBy) {
      log(`${sig} again: killing everything now`);
      process.exit(130); // the 'exit' handler SIGKILLs the group
    }
    interruptedBy = sig;
    log(`${sig}: stopping (again to force)`);
    interrupt.abort();
  });
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const onAbort = () => child.kill('SIGTERM');
    interrupt.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      interrupt.signal.removeEventListener('abort', onAbort);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(args[0] ?? cmd)} exited with ${code ?? signal}\n${out}`));
    });
  });
}

/** Copies the code under test (src/, configs; node_modules linked) so edits to src/ during the run do not reload it. */
function snapshot(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(repoRoot, 'src'), path.join(dir, 'src'), { recursive: true });
  for (const file of ['wrangler.toml', 'package.json', 'tsconfig.json']) fs.cpSync(path.join(repoRoot, file), path.join(dir, file));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const git = (args) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return { commit: git(['rev-parse', '--short', 'HEAD']) || '?', changed: git(['status', '--porcelain', '--', 'src', 'wrangler.toml']).split('\n').filter(Boolean).length };
}

async function startServer(opts, vars) {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-image-flood-'));
  keepTemp = opts.keep;
  const code = snapshot(path.join(tempDir, 'code'));
  const persistTo = path.join(tempDir, 'state');
  log(`seeding a fresh local R2 bucket in ${persistTo}`);
  await run(process.execPath, [path.join(repoRoot, 'scripts', 'start.mjs'), '--seed-only', '--persist-to', persistTo], { cwd: repoRoot });

  const port = opts.port ?? (await freePort());
  const inspectorPort = await freePort();
  const logFile = path.join(tempDir, 'wrangler.log');
  const fd = fs.openSync(logFile, 'a');
  const args = [
    wranglerBin, 'dev', '--local', '--config', path.join(tempDir, 'code', 'wrangler.toml'),
    '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--persist-to', persistTo, '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  // Its own process group (detached), so that stopping it reaches workerd too, and a Ctrl-C in the terminal
  // reaches us first: we stop it in order rather than leave it half-killed.
  const child = spawn(process.execPath, args, {
    cwd: path.join(tempDir, 'code'),
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  fs.closeSync(fd);
  server = { child, pgid: child.pid, logFile };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  log(`started wrangler dev (pid ${child.pid}, its own process group) on http://127.0.0.1:${port}; log: ${logFile}`);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let ready = false;
  while (!ready) {
    if (interrupt.signal.aborted) throw new Error('interrupted while starting wrangler dev');
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}) before answering:\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /health within 120 s:\n${tail(logFile)}`);
    try {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      ready = r.ok;
    } catch {}
    if (!ready) await Promise.race([sleep(300, interrupt.signal), exited]);
  }
  return { base, code, port };
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

/** Sample masters the transforms use: the JPEGs (decoded scaled down) and a small WebP; no AVIF, no big PNG. */
const FLOOD_MASTERS = [
  'samples/photos/dune.jpg', 'samples/photos/flower.jpg', 'samples/photos/storm.jpg',
  'samples/photos/wood.jpg', 'samples/photos/flower-portrait-exif6.jpg', 'samples/webp/rose.webp',
];
/** What the good client reads: a few ordinary variants, warmed before the baseline. */
const GOOD_VARIANTS = [
  'width=320,quality=75,format=jpeg/samples/photos/dune.jpg',
  'width=240,format=webp/samples/webp/rose.webp',
  'width=200,format=jpeg/samples/photos/storm.jpg',
];
const UPLOAD_FIXTURES = [
  ['quadrants-64x48.png', 'image/png'], ['quadrants-64x48.jpg', 'image/jpeg'], ['grey-64x48.jpg', 'image/jpeg'],
  ['stripes-64x64.png', 'image/png'], ['alpha-left-half-32x32.png', 'image/png'], ['quadrants-progressive-64x48.jpg', 'image/jpeg'],
];

class Budget {
  constructor(total) {
    this.total = total;
    this.used = 0;
  }
  take() {
    if (this.used >= this.total) return false;
    this.used++;
    return true;
  }
  get left() {
    return this.total - this.used;
  }
}

/**
 * One request, timed to the end of its body. Returns a record: status (0 on a network error or timeout),
 * milliseconds, the headers the report looks at, and the problem type of an error body.
 */
async function send(ctx, { method = 'GET', path: p, ip, headers = {}, body, signal }) {
  const started = performance.now();
  const rec = { at: started - ctx.t0, method, path: p, ip, status: 0, ms: 0 };
  try {
    const response = await fetch(ctx.base + p, {
      method,
      headers: { 'CF-Connecting-IP': ip, ...headers },
      body,
      signal: AbortSignal.any([signal ?? ctx.stop.signal, AbortSignal.timeout(ctx.timeoutMs)]),
    });
    const type = response.headers.get('Content-Type') ?? '';
    const readText = type.includes('json') || (response.status >= 400 && type.startsWith('text/'));
    const text = readText ? await response.text() : (await response.arrayBuffer(), '');
    rec.ms = performance.now() - started;
    rec.status = response.status;
    const h = (name) => response.headers.get(name) ?? undefined;
    rec.cache = h('X-Cache');
    rec.retryAfter = h('Retry-After');
    rec.rateLimit = h('RateLimit');
    rec.policy = h('RateLimit-Policy');
    if (text && response.status >= 400 && type.includes('json')) {
      try {
        rec.problem = String(JSON.parse(text).type ?? '').replace(/^urn:edge-image-worker:problem:/, '');
      } catch {
        rec.problem = '(not json)';
      }
    } else if (response.status >= 400) {
      rec.problem = `(${response.headers.get('Content-Type') ?? 'no body type'})`;
    }
    if (response.status >= 500 && rec.problem?.startsWith('(')) {
      // Not ours: the runtime's own answer (e.g. workerd cancelling a request it thinks has hung).
      const first = text.split('\n')[0];
      rec.problem = /had hung/.test(first) ? 'runtime: canceled as hung' : `(${type || 'no type'}: ${first.slice(0, 60)})`;
    }
  } catch (error) {
    rec.ms = performance.now() - started;
    rec.error = error?.name === 'TimeoutError' ? 'timeout' : error?.name === 'AbortError' ? 'aborted' : String(error?.cause?.code ?? error?.message ?? error);
  }
  return rec;
}

function transformPath(rng = randomInt) {
  const width = 16 + rng(145); // 16..160 px: each miss is a cheap transform
  const quality = 1 + rng(100);
  const format = rng(2) ? 'webp' : 'jpeg';
  return `/cdn-cgi/image/width=${width},quality=${quality},format=${format}/${FLOOD_MASTERS[rng(FLOOD_MASTERS.length)]}`;
}

function classifyTransform(r) {
  if (r.error) return r.error === 'aborted' ? 'aborted' : 'error';
  if (r.status === 200) return r.cache === 'HIT' ? 'hit' : 'admitted';
  if (r.status === 429) return 'refused';
  if (r.status === 503 && r.problem === 'busy') return 'busy';
  if (r.status === 503 && r.problem === 'shedding-load') return 'shed';
  return 'other';
}
function classifyUpload(r) {
  if (r.error) return r.error === 'aborted' ? 'aborted' : 'error';
  if (r.status === 200 || r.status === 201) return 'admitted';
  if (r.status === 429) return 'refused';
  if (r.status === 503) return 'shed';
  return 'other';
}

// ---------------------------------------------------------------------------------------------------------------
// The run

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const vars = { ...DEFAULT_VARS, ...opts.vars };
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const budget = new Budget(opts.requests);
  const ips = new Set();
  const attackers = Array.from({ length: opts.clients }, (_, i) => ({ name: `attacker ${i + 1}`, ip: randomClientIp(ips), n: 0 }));
  const good = { name: 'good client', ip: randomClientIp(ips) };
  const probes = [randomClientIp(ips), randomClientIp(ips)];
  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;

  let base;
  let code;
  if (opts.target) {
    base = opts.target;
    log(`targeting ${base} (a wrangler dev you started; its own vars apply)`);
  } else {
    ({ base, code } = await startServer(opts, { ...vars, UPLOAD_TOKEN: token }));
  }

  const ctx = { base, t0: performance.now(), stop: new AbortController(), timeoutMs: opts.timeout * 1000 };
  setMaxListeners(1000, ctx.stop.signal);
  interrupt.signal.addEventListener('abort', () => ctx.stop.abort(), { once: true });
  const auth = { Authorization: `Bearer ${token}` };
  const setup = [];
  const need = async (req) => {
    if (!budget.take()) throw new Error(`--requests ${opts.requests} is too small for the setup`);
    if (interrupt.signal.aborted) throw new Error('interrupted during setup');
    const r = await send(ctx, req);
    setup.push(r);
    return r;
  };

  // 1. The worker answers and transforms (one miss from probe A gives the transform policy).
  const health = await need({ path: '/health', ip: probes[0] });
  if (health.status !== 200) throw new Error(`GET /health answered ${health.status || health.error}`);
  const a0 = await need({ path: transformPath(), ip: probes[0] });
  if (a0.status !== 200) {
    const why = a0.problem === 'busy' ? ' (the isolate\'s transform queue is full with no flood running: is its transform gate stuck from an earlier run?)' : '';
    throw new Error(`a probe transform ${a0.path} answered ${a0.status || a0.error} ${a0.problem ?? ''}${why}`);
  }
  const transformPolicy = parseRateLimit(a0.policy).transform;

  // 2. Uploads work with this token, and the worker sees CF-Connecting-IP: two uploads from probe A, then one
  //    from probe B. The upload bucket refills slowly (per hour), so what it says is not blurred by refill the way
  //    the transform bucket's is: with the header seen, B starts a bucket of its own (B's remaining > A's after
  //    A's second upload); with it ignored, every request is the one "unknown" client and B's remaining is lower.
  const fixtures = UPLOAD_FIXTURES.map(([name, type]) => ({ name, type, bytes: fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', name)) }));
  const created = [];
  const probeUploads = [];
  for (const [i, ip] of [probes[0], probes[0], probes[1]].entries()) {
    const f = fixtures[i];
    const key = `flood/${runId}/probe/${i}-${f.name}`;
    const up = await need({ method: 'PUT', path: `/masters/${key}`, ip, headers: { ...auth, 'Content-Type': f.type }, body: f.bytes });
    if (up.status !== 201) {
      const why = up.status === 403 ? ' (wrong --token?)' : up.status === 401 ? ' (no token?)' : up.status === 503 ? ' (UPLOAD_TOKEN not set on the worker, or uploads refused)' : up.status === 429 ? ' (the probe addresses are over their upload quota?)' : '';
      throw new Error(`a probe upload answered ${up.status || up.error} ${up.problem ?? ''}${why}`);
    }
    created.push(key);
    probeUploads.push(up);
  }
  const uploadPolicies = parseRateLimit(probeUploads[0].policy);
  const [rA1, rA2, rB1] = probeUploads.map((r) => parseRateLimit(r.rateLimit).uploads?.r);
  let clientCheck;
  if (rA1 === undefined || rA2 === undefined || rB1 === undefined) clientCheck = 'cannot tell: no RateLimit header on the probe uploads (are the probe addresses in QUOTA_EXEMPT?)';
  else if (rA2 < rA1 && rB1 > rA2) clientCheck = `yes (upload bucket: probe A ${rA1} → ${rA2} left, then probe B ${rB1} left in a bucket of its own)`;
  else if (rA2 >= rA1) clientCheck = `cannot tell: probe A's upload bucket did not go down (${rA1} → ${rA2})`;
  else clientCheck = `NO: upload bucket probe A ${rA1} → ${rA2}, then probe B ${rB1}: the clients share one bucket`;
  log(`worker sees CF-Connecting-IP per client: ${clientCheck}`);

  // 3. Warm the good client's variants: each until it answers X-Cache: HIT.
  for (const variant of GOOD_VARIANTS) {
    let hit = false;
    for (let tries = 0; tries < 6 && !hit; tries++) {
      const r = await need({ path: `/cdn-cgi/image/${variant}`, ip: good.ip });
      if (r.status !== 200) throw new Error(`warming ${variant} answered ${r.status || r.error} ${r.problem ?? ''}`);
      hit = r.cache === 'HIT';
      if (!hit) await sleep(150, interrupt.signal);
    }
    if (!hit) throw new Error(`${variant} never came back as X-Cache: HIT (is the Cache API working?)`);
  }
  log(`set up with ${budget.used} requests; baseline of ${opts.baseline} s at ${opts.goodRps} req/s`);

  // 4. The good client alone, then with the flood. Open loop: requests leave on schedule whatever the
  //    answers' latency (at most 4 in flight; a slot with 4 still out is counted as skipped).
  const goodRecs = [];
  const goodSkipped = { baseline: 0, flood: 0 };
  async function goodClient(phase, seconds, pool, stopSignal, requestSignal = interrupt.signal) {
    const interval = 1000 / opts.goodRps;
    const start = performance.now();
    const inflight = new Set();
    for (let k = 0; ; k++) {
      const due = start + k * interval;
      await sleep(due - performance.now(), stopSignal);
      if (stopSignal.aborted || performance.now() - start >= seconds * 1000) break;
      if (inflight.size >= 4) {
        goodSkipped[phase]++;
        continue;
      }
      if (!pool.take()) break;
      const p = send(ctx, { path: `/cdn-cgi/image/${GOOD_VARIANTS[k % GOOD_VARIANTS.length]}`, ip: good.ip, signal: requestSignal }).then((r) => {
        r.phase = phase;
        goodRecs.push(r);
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await Promise.all(inflight);
  }

  const baselinePool = new Budget(Math.min(budget.left, Math.ceil(opts.baseline * opts.goodRps) + 1));
  await goodClient('baseline', opts.baseline, baselinePool, interrupt.signal);
  budget.used += baselinePool.used;
  if (interrupt.signal.aborted) throw new Error('interrupted during the baseline');

  // 5. The flood.
  const goodPool = new Budget(Math.min(budget.left, Math.ceil(opts.seconds * opts.goodRps) + 1));
  const attackPool = new Budget(budget.left - goodPool.total);
  if (attackPool.total < opts.clients) throw new Error(`--requests ${opts.requests} leaves too few requests for the attackers (${attackPool.total})`);
  const rate = opts.rate ?? attackPool.total / opts.seconds;
  const interval = rate > 0 ? 1000 / rate : 0;
  log(
    `flood: ${opts.clients} attackers × ${opts.concurrency} in flight, ${rate > 0 ? `${rate.toFixed(1)} req/s` : 'unpaced'}, ` +
      `up to ${attackPool.total} requests or ${opts.seconds} s; good client ${goodPool.total} requests at most`,
  );
  const floodStop = new AbortController(); // no new requests
  const drain = new AbortController(); // and, 5 s later, none still waiting
  for (const c of [floodStop, drain]) setMaxListeners(1000, c.signal);
  interrupt.signal.addEventListener('abort', () => (floodStop.abort(), drain.abort()), { once: true });
  let drainTimer;
  let stoppedAt;
  floodStop.signal.addEventListener('abort', () => {
    stoppedAt = performance.now();
    drainTimer = setTimeout(() => drain.abort(), DRAIN_MS);
  }, { once: true });
  const inFlood = drain.signal;
  const load = os.loadavg();
  const floodStart = performance.now();
  const floodT0 = floodStart - ctx.t0;
  const timer = setTimeout(() => floodStop.abort(), opts.seconds * 1000);
  let nextAt = floodStart;
  const attackRecs = [];
  let endedBy = 'time';

  async function pace() {
    if (!interval) return;
    const now = performance.now();
    const at = Math.max(nextAt, now);
    nextAt = at + interval;
    await sleep(at - now, floodStop.signal);
  }
  async function attackerWorker(a) {
    for (;;) {
      await pace();
      if (floodStop.signal.aborted) return;
      if (!attackPool.take()) {
        endedBy = 'requests';
        floodStop.abort();
        return;
      }
      const n = a.n++;
      let r;
      if (opts.uploadEvery > 0 && n % opts.uploadEvery === opts.uploadEvery - 1) {
        const f = fixtures[n % fixtures.length];
        const key = `flood/${runId}/${a.ip}/${n}-${f.name}`;
        r = await send(ctx, { method: 'PUT', path: `/masters/${key}`, ip: a.ip, headers: { ...auth, 'Content-Type': f.type }, body: f.bytes, signal: inFlood });
        r.kind = 'upload';
        if (r.status === 201) created.push(key);
      } else {
        // No Authorization header: a request carrying the upload token is exempt from the transform quota.
        r = await send(ctx, { path: transformPath(), ip: a.ip, signal: inFlood });
        r.kind = 'transform';
      }
      r.client = a.name;
      attackRecs.push(r);
    }
  }

  const progress = setInterval(() => {
    const s = ((performance.now() - floodStart) / 1000).toFixed(0);
    const count = (c) => attackRecs.filter((r) => r.kind === 'transform' && classifyTransform(r) === c).length;
    log(`  t=${s}s sent ${attackPool.used}: admitted ${count('admitted')}, 429 ${count('refused')}, 503 busy ${count('busy')}, 503 shed ${count('shed')}`);
  }, 5000);
  const goodDone = goodClient('flood', opts.seconds, goodPool, floodStop.signal, inFlood);
  await Promise.all(attackers.flatMap((a) => Array.from({ length: opts.concurrency }, () => attackerWorker(a))));
  floodStop.abort();
  await goodDone;
  clearTimeout(timer);
  clearTimeout(drainTimer);
  clearInterval(progress);
  const floodSeconds = (stoppedAt - floodStart) / 1000;
  if (interrupt.signal.aborted) endedBy = `interrupted (${interruptedBy})`;
  budget.used += goodPool.used + attackPool.used;

  // 6. In --target mode, remove what the flood uploaded (bounded by what it created).
  let cleaned = 0;
  if (opts.target && !interrupt.signal.aborted) {
    for (const key of created) {
      const r = await send(ctx, { method: 'DELETE', path: `/masters/${key}`, ip: probes[0], headers: auth, signal: interrupt.signal });
      if (r.status === 204) cleaned++;
    }
  }

  // Reading the worker's log (when we started it) for reloads, fallbacks and unhandled errors.
  let serverLog;
  if (server) {
    const text = fs.readFileSync(server.logFile, 'utf8');
    const count = (re) => (text.match(re) ?? []).length;
    serverLog = {
      reloads: count(/Reloading local server|Local server updated/g),
      quotaFallback: count(/quota store unreachable/g),
      breakerFallback: count(/breaker unreachable/g),
      unhandled: count(/unhandled error/g),
      crossRequest: count(/resolved or rejected from a different request context/g),
      errors: Object.entries(
        text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')
          .filter((l) => /✘|\[ERROR\]|unhandled error|Uncaught/i.test(l))
          .reduce((m, l) => ((m[l.trim()] = (m[l.trim()] ?? 0) + 1), m), {}),
      ).slice(0, 10).map(([l, n]) => `${n}× ${l}`),
    };
  }

  const report = buildReport({
    opts, vars, base, code, startedAt, load, attackers, good, probes, clientCheck, transformPolicy, uploadPolicies,
    setup, goodRecs, goodSkipped, attackRecs, floodT0, floodSeconds, endedBy, rate, budget, created, cleaned, serverLog,
  });
  console.log(report.markdown);
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify({ ...report.json, records: { setup, good: goodRecs, attack: attackRecs } }, null, 1));
    log(`wrote ${opts.json}`);
  }
  return interrupt.signal.aborted ? 130 : report.saw500 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The report

function buildReport(d) {
  const { opts, attackRecs, goodRecs, setup } = d;
  const all = [...setup, ...goodRecs, ...attackRecs];
  const lines = [];
  const table = (head, rows) => {
    lines.push(`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '--:')).join('|')}|`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  };

  // Per client.
  const tCats = ['admitted', 'hit', 'refused', 'busy', 'shed', 'other', 'error', 'aborted'];
  const uCats = ['admitted', 'refused', 'shed', 'other', 'error', 'aborted'];
  const tally = (recs, classify, cats) => {
    const t = Object.fromEntries(cats.map((c) => [c, 0]));
    for (const r of recs) t[classify(r)]++;
    return t;
  };
  const rows = [];
  const totals = { t: tally([], classifyTransform, tCats), u: tally([], classifyUpload, uCats), tn: 0, un: 0 };
  for (const a of d.attackers) {
    const mine = attackRecs.filter((r) => r.client === a.name);
    const tr = mine.filter((r) => r.kind === 'transform');
    const upl = mine.filter((r) => r.kind === 'upload');
    const t = tally(tr, classifyTransform, tCats);
    const u = tally(upl, classifyUpload, uCats);
    for (const c of tCats) totals.t[c] += t[c];
    for (const c of uCats) totals.u[c] += u[c];
    totals.tn += tr.length;
    totals.un += upl.length;
    rows.push([`${a.name} (${a.ip})`, tr.length, t.admitted, t.hit, t.refused, t.busy, t.shed, t.other + t.error + t.aborted, upl.length, u.admitted, u.refused, u.shed, u.other + u.error + u.aborted]);
  }
  rows.push(['**all attackers**', totals.tn, totals.t.admitted, totals.t.hit, totals.t.refused, totals.t.busy, totals.t.shed,
    totals.t.other + totals.t.error + totals.t.aborted, totals.un, totals.u.admitted, totals.u.refused, totals.u.shed, totals.u.other + totals.u.error + totals.u.aborted]);

  const where = opts.target ? `${d.base} (--target)` : `wrangler dev started by the flood on ${d.base}, snapshot of ${d.code.commit}${d.code.changed ? ` + ${d.code.changed} uncommitted change(s) in src/` : ''}`;
  lines.push(`### npm run flood — ${d.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}`, '');
  lines.push(`- worker: ${where}`);
  lines.push(`- machine: ${os.cpus().length} cores, load average ${d.load.map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min) when the flood began`);
  if (!opts.target) lines.push(`- vars: ${Object.entries(d.vars).map(([k, v]) => `\`${k}=${v}\``).join(', ')} (UPLOAD_TOKEN random)`);
  const pol = (p) => (p ? `${p.q} per ${p.w} s` : 'no header');
  lines.push(`- quotas the worker announced (RateLimit-Policy): transform ${pol(d.transformPolicy)}, uploads ${pol(d.uploadPolicies.uploads)}, upload bytes ${pol(d.uploadPolicies['upload-bytes'])}`);
  lines.push(`- flood: ${opts.clients} attackers × ${opts.concurrency} in flight, ${d.rate > 0 ? `paced at ${d.rate.toFixed(1)} req/s` : 'unpaced'}, every ${opts.uploadEvery || '∞'}th request an upload; ran ${d.floodSeconds.toFixed(1)} s, ended by ${d.endedBy}; ${d.budget.used} requests in all (cap ${opts.requests})${opts.target ? `, then ${d.created.length} DELETEs of what it uploaded` : ''}`);
  lines.push(`- transforms: random width 16–160, quality 1–100, jpeg|webp of ${FLOOD_MASTERS.length} sample masters, no Authorization; uploads: ${UPLOAD_FIXTURES.length} tiny fixtures to \`flood/…\` with the token`);
  lines.push(`- worker sees CF-Connecting-IP per client: ${d.clientCheck}`, '');

  lines.push('**Per client, during the flood** (transforms: admitted = 200 MISS, hit = 200 HIT (random collision), 429 = quota, 503 busy = isolate queue full, 503 shed = global breaker; uploads: admitted = 201/200)', '');
  table(['client', 'transforms', 'admitted', 'hit', '429', '503 busy', '503 shed', 'other', 'uploads', 'admitted', '429', '503', 'other'], rows);

  // Good client.
  const goodRows = [];
  const goodStats = {};
  for (const phase of ['baseline', 'flood']) {
    const recs = goodRecs.filter((r) => r.phase === phase);
    const ok = recs.filter((r) => r.status === 200);
    const lat = ok.map((r) => r.ms).sort((x, y) => x - y);
    const notHit = ok.filter((r) => r.cache !== 'HIT').length;
    const bad = recs.filter((r) => r.status !== 200);
    const badText = Object.entries(bad.reduce((m, r) => ((m[r.status || r.error] = (m[r.status || r.error] ?? 0) + 1), m), {})).map(([k, v]) => `${k}×${v}`).join(' ') || '0';
    goodStats[phase] = { n: recs.length, ok: ok.length, p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat.at(-1), notHit, bad: bad.length, skipped: d.goodSkipped[phase] };
    goodRows.push([phase, recs.length, ok.length, ms(goodStats[phase].p50), ms(goodStats[phase].p90), ms(goodStats[phase].p99), ms(lat.at(-1)), notHit, badText, d.goodSkipped[phase]]);
  }
  const ratio = goodStats.flood.p50 / goodStats.baseline.p50;
  lines.push(`**Well-behaved client** (${d.good.ip}, ${opts.goodRps} req/s open loop over ${GOOD_VARIANTS.length} warmed variants; ms to the last body byte)`, '');
  table(['phase', 'requests', '200', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '200 not HIT', 'non-200', 'slots skipped (4 in flight)'], goodRows);
  if (Number.isFinite(ratio)) lines.push(`Good client p50 during the flood is ${ratio.toFixed(1)}× its baseline; p99 ${(goodStats.flood.p99 / goodStats.baseline.p99).toFixed(1)}×.`, '');

  // Timeline.
  const step = d.floodSeconds > 40 ? 10 : 5;
  const buckets = Math.max(1, Math.ceil(d.floodSeconds / step - 0.2));
  const tl = [];
  for (let b = 0; b < buckets; b++) {
    const inB = (r) => {
      const t = (r.at - d.floodT0) / 1000;
      return t >= b * step && (t < (b + 1) * step || b === buckets - 1);
    };
    const tr = attackRecs.filter((r) => r.kind === 'transform' && inB(r));
    const upl = attackRecs.filter((r) => r.kind === 'upload' && inB(r));
    const t = tally(tr, classifyTransform, tCats);
    const u = tally(upl, classifyUpload, uCats);
    const g = goodRecs.filter((r) => r.phase === 'flood' && inB(r) && r.status === 200).map((r) => r.ms).sort((x, y) => x - y);
    tl.push([`${b * step}–${Math.min((b + 1) * step, Math.ceil(d.floodSeconds))} s`, tr.length, t.admitted, t.refused, t.busy, t.shed, t.other + t.error + t.aborted, `${u.admitted}/${u.refused}`, ms(percentile(g, 50)), ms(percentile(g, 99))]);
  }
  lines.push('**Timeline** (by the second a request was sent)', '');
  table(['flood time', 'transforms', 'admitted', '429', '503 busy', '503 shed', 'other', 'uploads ok/429', 'good p50 ms', 'good p99 ms'], tl);
  const firstShed = attackRecs.filter((r) => classifyTransform(r) === 'shed').sort((x, y) => x.at - y.at)[0];
  if (firstShed) {
    const before = attackRecs.filter((r) => r.kind === 'transform' && r.at < firstShed.at);
    const c = tally(before, classifyTransform, tCats);
    lines.push(`First breaker 503 sent at ${((firstShed.at - d.floodT0) / 1000).toFixed(1)} s into the flood (GLOBAL_TRANSFORM_LIMIT ${opts.target ? 'of the target' : d.vars.GLOBAL_TRANSFORM_LIMIT}); attacker transforms sent before it: ${before.length} — ${c.admitted} admitted, ${c.refused} refused 429, ${c.busy} 503 busy.`, '');
  }

  const first500 = attackRecs.filter((r) => r.status === 500).sort((x, y) => x.at - y.at)[0];
  if (first500) {
    const after = attackRecs.filter((r) => r.kind === 'transform' && r.at > first500.at);
    lines.push(`First 500 sent at ${((first500.at - d.floodT0) / 1000).toFixed(1)} s into the flood (${first500.problem ?? first500.status}); attacker transforms sent after it: ${after.length}, of which admitted (200 MISS): ${after.filter((r) => classifyTransform(r) === 'admitted').length}.`, '');
  }

  // Checks.
  const of = (recs, pred) => `${recs.filter(pred).length}/${recs.length}`;
  const r429 = all.filter((r) => r.status === 429);
  const r503 = all.filter((r) => r.status === 503);
  const numeric = (v) => v !== undefined && /^\d+$/.test(v) && Number(v) >= 1;
  const range = (recs) => {
    const v = recs.filter((r) => numeric(r.retryAfter)).map((r) => Number(r.retryAfter));
    return v.length ? `${Math.min(...v)}–${Math.max(...v)} s` : '–';
  };
  const t429 = r429.filter((r) => r.kind === 'transform' || r.path.startsWith('/cdn-cgi/'));
  const u429 = r429.filter((r) => r.method === 'PUT');
  const unexpected5xx = all.filter((r) => r.status >= 500 && r.status !== 503);
  const odd503 = r503.filter((r) => !['busy', 'shedding-load'].includes(r.problem));
  const saw500 = all.some((r) => r.status === 500);
  const byStatus = (recs) => Object.entries(recs.reduce((m, r) => {
    const k = `${r.method} ${r.status || r.error}${r.problem ? ` ${r.problem}` : ''}`;
    m[k] = (m[k] ?? 0) + 1;
    return m;
  }, {})).map(([k, v]) => `${k} ×${v}`).join('; ') || 'none';
  const others = attackRecs.filter((r) => (r.kind === 'transform' ? ['other', 'error', 'aborted'].includes(classifyTransform(r)) : ['other', 'error', 'aborted'].includes(classifyUpload(r))));
  lines.push('**Checks**', '');
  table(['check', 'result'], [
    ['429 with a whole-second `Retry-After` ≥ 1', `${of(r429, (r) => numeric(r.retryAfter))} (transforms ${range(t429)}, uploads ${range(u429)})`],
    ['429 with `RateLimit` and `RateLimit-Policy`', of(r429, (r) => r.rateLimit && r.policy)],
    ['503 with `Retry-After`', of(r503, (r) => numeric(r.retryAfter))],
    ['503 other than busy / shedding-load', odd503.length ? byStatus(odd503) : '0'],
    ['5xx other than 503', unexpected5xx.length ? byStatus(unexpected5xx) : '0'],
    ['**any 500**', saw500 ? `**YES** (${all.filter((r) => r.status === 500).length})` : 'none'],
    ['other answers to attackers', others.length ? byStatus(others) : 'none'],
    ['uploads created / removed after', `${d.created.length}${opts.target ? ` / ${d.cleaned}` : ' (in the temporary bucket, deleted with it)'}`],
    ...(d.serverLog
      ? [['wrangler log', `reloads ${d.serverLog.reloads}, quota fallback ${d.serverLog.quotaFallback}, breaker fallback ${d.serverLog.breakerFallback}, unhandled errors ${d.serverLog.unhandled}, "promise resolved from a different request context" warnings ${d.serverLog.crossRequest}`]]
      : []),
  ]);
  if (d.serverLog?.errors.length) lines.push('Errors in the wrangler log:', '```', ...d.serverLog.errors, '```', '');
  lines.push(saw500 ? '**FAIL: a 500 was seen.**' : 'No 500 seen.');

  return {
    markdown: lines.join('\n'),
    saw500,
    json: { options: opts, vars: d.vars, base: d.base, started: d.startedAt, clientCheck: d.clientCheck, totals, good: goodStats, endedBy: d.endedBy, floodSeconds: d.floodSeconds, requests: d.budget.used },
  };
}

// ---------------------------------------------------------------------------------------------------------------

let exitCode = 0;
try {
  exitCode = await main();
} catch (error) {
  if (interrupt.signal.aborted) {
    log(`interrupted: ${error?.message ?? error}`);
    exitCode = 130;
  } else {
    log(`could not run the flood: ${error?.message ?? error}`);
    if (server) {
      log(`last lines of the wrangler log:\n${tail(server.logFile, 30)}`);
    }
    exitCode = 3;
  }
} finally {
  await stopServer();
  removeTemp();
}
process.exit(exitCode);
