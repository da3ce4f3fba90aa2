#!/usr/bin/env node
// `npm start`: seeds the images in samples/ into the local R2 bucket that `wrangler dev` uses, then runs
// `wrangler dev` fully locally and prints a few example URLs once it answers. No network, no Cloudflare account.
//
//   node scripts/start.mjs [--seed-only] [--force] [--port N] [--persist-to DIR] [-- <more wrangler dev args>]
//
// Seeding opens the persisted local R2 storage with wrangler's getPlatformProxy (the same storage `wrangler r2 object
// put --local` writes), so no worker has to be running. Objects go under `masters/samples/<path in samples/>` with their
// Content-Type taken from the file's magic bytes; an object already there with the same size and type is skipped.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const samplesDir = path.join(repoRoot, 'samples');
const configPath = path.join(repoRoot, 'wrangler.toml');
const KEY_PREFIX = 'masters/samples/';
const MASTERS_BINDING = 'MASTERS';

// Resolve miniflare through wrangler so the storage format is exactly the one `wrangler dev` uses.
const require = createRequire(import.meta.url);
const wranglerDir = path.dirname(require.resolve('wrangler/package.json'));
const wranglerBin = path.join(wranglerDir, 'bin', 'wrangler.js');

function parseArgs(argv) {
  const opts = { seedOnly: false, force: false, port: 8787, persistTo: undefined, wranglerArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      opts.wranglerArgs = argv.slice(i + 1);
      break;
    } else if (arg === '--seed-only') opts.seedOnly = true;
    else if (arg === '--force') opts.force = true;
    else if (arg === '--port') opts.port = Number(argv[++i]);
    else if (arg.startsWith('--port=')) opts.port = Number(arg.slice('--port='.length));
    else if (arg === '--persist-to') opts.persistTo = argv[++i];
    else if (arg.startsWith('--persist-to=')) opts.persistTo = arg.slice('--persist-to='.length);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/start.mjs [--seed-only] [--force] [--port N] [--persist-to DIR] [-- wrangler dev args]');
      process.exit(0);
    } else {
      console.error(`start: unknown argument ${arg} (put wrangler dev arguments after --)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) {
    console.error('start: --port needs a port number');
    process.exit(2);
  }
  return opts;
}

/** The bucket_name of the [[r2_buckets]] entry bound as `binding` (wrangler dev keys local storage by it). */
export function readBucketName(binding) {
  const toml = fs.readFileSync(configPath, 'utf8');
  // Each [[r2_buckets]] table runs until the next table header; only top-level (non-[env.*]) entries are read.
  for (const table of toml.split(/^\s*\[/m).filter((t) => t.startsWith('[r2_buckets]]'))) {
    const value = (name) => table.match(new RegExp(`^\\s*${name}\\s*=\\s*["']([^"']+)["']`, 'm'))?.[1];
    if (value('binding') === binding && value('bucket_name')) return value('bucket_name');
  }
  throw new Error(`no [[r2_buckets]] entry with binding = "${binding}" and a bucket_name in ${configPath}`);
}

/** Content-Type from the first bytes of the file, or null for anything that is not an image we know. */
export function sniffContentType(head) {
  const ascii = (from, to) => head.subarray(from, to).toString('latin1');
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (ascii(4, 8) === 'ftyp') {
    const boxSize = Math.min(head.readUInt32BE(0), head.length);
    const brands = [ascii(8, 12)];
    for (let i = 16; i + 4 <= boxSize; i += 4) brands.push(ascii(i, i + 4));
    if (brands.includes('avif') || brands.includes('avis')) return 'image/avif';
    if (brands.some((b) => ['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1'].includes(b))) return 'image/heic';
  }
  if ((head[0] === 0xff && head[1] === 0x0a) || ascii(4, 8) === 'JXL ') return 'image/jxl';
  if (ascii(0, 2) === 'BM') return 'image/bmp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'image/tiff';
  if (/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(ascii(0, 256))) return 'image/svg+xml';
  return null;
}

function listFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? listFiles(full) : entry.isFile() ? [full] : [];
    })
    .sort();
}

function readHead(file, bytes = 256) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** Where `wrangler dev [--persist-to DIR]` keeps its state: DIR/v3, or .wrangler/state/v3 beside wrangler.toml. */
function persistRoot(persistTo) {
  return persistTo ? path.join(path.resolve(process.cwd(), persistTo), 'v3') : path.join(repoRoot, '.wrangler', 'state', 'v3');
}

export async function seed({ persistTo, force = false }) {
  const bucketName = readBucketName(MASTERS_BINDING);
  const root = persistRoot(persistTo);
  const files = listFiles(samplesDir)
    .map((file) => ({ file, type: sniffContentType(readHead(file)) }))
    .filter(({ type }) => type !== null);

  // Wrangler's own local-bindings API, on the same storage `wrangler dev` uses. Given a config with only the bucket,
  // so it does not warn about the Durable Objects, the secrets and the classes it has no worker for.
  Object.assign(process.env, quietEnv());
  const { getPlatformProxy } = await import('wrangler');
  const seedConfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'edge-image-seed-')), 'wrangler.json');
  fs.writeFileSync(seedConfig, JSON.stringify({ name: 'seed', compatibility_date: '2026-11-17', r2_buckets: [{ binding: MASTERS_BINDING, bucket_name: bucketName }] }));
  const proxy = await getPlatformProxy({ configPath: seedConfig, persist: { path: root }, remoteBindings: false });
  let put = 0;
  try {
    const bucket = proxy.env[MASTERS_BINDING];
    for (const { file, type } of files) {
      const key = KEY_PREFIX + path.relative(samplesDir, file).split(path.sep).join('/');
      const size = fs.statSync(file).size;
      const existing = await bucket.head(key);
      if (!force && existing && existing.size === size && existing.httpMetadata?.contentType === type) {
        console.log(`  = ${key}  (already there)`);
        continue;
      }
      const bytes = fs.readFileSync(file);
      // A plain ArrayBuffer: Miniflare's proxy cannot serialise a Node Buffer that views a shared pool slab.
      const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      await bucket.put(key, body, { httpMetadata: { contentType: type } });
      put++;
      console.log(`  + ${key}  ${type}, ${(size / 1024).toFixed(1)} KiB`);
    }
  } finally {
    await proxy.dispose();
    fs.rmSync(path.dirname(seedConfig), { recursive: true, force: true });
  }
  console.log(
    `seeded local R2 bucket "${bucketName}" (binding ${MASTERS_BINDING}) in ${path.relative(process.cwd(), root) || '.'}: ` +
      `${put} written, ${files.length - put} unchanged`,
  );
}

/** IMAGE_PREFIX from wrangler.toml's [vars] (default /img). */
export function readImagePrefix() {
  const toml = fs.readFileSync(configPath, 'utf8');
  return toml.match(/^\s*IMAGE_PREFIX\s*=\s*["']([^"']+)["']/m)?.[1] ?? '/img';
}

// Under IMAGE_PREFIX, not /cdn-cgi/image/: wrangler dev answers `403 Invalid Origin header` to any /cdn-cgi/ request
// whose Origin is not localhost (a page from a file or a LAN address), and does not log /cdn-cgi/ requests.
function exampleUrls(port) {
  const base = `http://localhost:${port}`;
  const img = base + readImagePrefix();
  return [
    ['the playground', `${base}/`],
    ['resize, best format for the browser', `${img}/width=800,format=auto/samples/photos/dune.jpg`],
    ['AVIF', `${img}/width=600,format=avif/samples/photos/flower.jpg`],
    ['square crop, gravity', `${img}/width=400,height=400,fit=cover,gravity=bottom/samples/photos/dune.jpg`],
    ['pad with a background', `${img}/width=600,height=600,fit=pad,background=%23ffd700/samples/alpha/rose.png`],
    ['EXIF orientation 6', `${img}/width=500/samples/photos/flower-portrait-exif6.jpg`],
    ['largest master (2560×1920)', `${img}/width=1600,quality=70/samples/photos/wood.jpg`],
    ['metadata as JSON', `${img}/format=json/samples/photos/wood.jpg`],
    ['Cloudflare\'s own path (same origin only here)', `${base}/cdn-cgi/image/width=320,format=webp/samples/avif/flower.avif`],
  ];
}

/** Whether something accepts TCP connections on localhost:port, over IPv4 or IPv6. */
async function isListening(port) {
  const tryHost = (host) =>
    new Promise((resolve) => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  return (await tryHost('127.0.0.1')) || (await tryHost('::1'));
}

function waitForPort(port, signal) {
  return new Promise((resolve, reject) => {
    const attempt = async () => {
      if (signal.aborted) return reject(new Error('aborted'));
      if (await isListening(port)) return resolve();
      setTimeout(attempt, 250);
    };
    attempt();
  });
}

/** Resolves once the worker answers an HTTP request (any status): wrangler holds requests until it is ready. */
async function waitForWorker(port, signal) {
  await waitForPort(port, signal);
  for (;;) {
    if (signal.aborted) throw new Error('aborted');
    try {
      await fetch(`http://localhost:${port}/health`, { signal });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * A local upload token, so `PUT /masters/<key>` can be tried at once: made on first start into the git-ignored
 * .dev.vars (never overwritten), as `.dev.vars.example` describes.
 */
function localUploadToken() {
  const file = path.join(repoRoot, '.dev.vars');
  if (!fs.existsSync(file)) {
    const token = crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(file, `# Made by npm start for local development only (git-ignored). See .dev.vars.example.\nUPLOAD_TOKEN=${token}\n`, { mode: 0o600 });
    console.log('start: wrote .dev.vars with a random local UPLOAD_TOKEN');
  }
  return /^UPLOAD_TOKEN=(.*)$/m.exec(fs.readFileSync(file, 'utf8'))?.[1]?.trim() || null;
}

/**
 * The environment for wrangler, minus network chatter it cannot act on: Miniflare fetches the `Request.cf` object
 * from workers.cloudflare.com on every start (offline: a warning and a stack trace, twice). This worker never reads
 * `request.cf`, so the placeholder is fine. Set CLOUDFLARE_CF_FETCH_ENABLED=true to fetch it anyway.
 */
function quietEnv() {
  return { CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...process.env };
}

function runWranglerDev({ port, persistTo, wranglerArgs }) {
  const token = localUploadToken();
  const args = [wranglerBin, 'dev', '--local', '--port', String(port)];
  if (persistTo) args.push('--persist-to', persistTo);
  // wrangler dev reads from .dev.vars only the secrets `[secrets] required` names; SIGNING_KEYS is optional,
  // so it is passed on as a var when .dev.vars has it (local only: it shows in this machine's process list).
  const signingKeys = /^SIGNING_KEYS=(.*)$/m.exec(fs.readFileSync(path.join(repoRoot, '.dev.vars'), 'utf8'))?.[1]?.trim();
  if (signingKeys) args.push('--var', `SIGNING_KEYS:${signingKeys}`);
  args.push(...wranglerArgs);
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...quietEnv(), WRANGLER_SEND_METRICS: 'false' },
  });

  // Ctrl-C in a terminal reaches the whole process group; a signal sent to this process alone (a supervisor, `kill`)
  // is passed on. Either way we wait for wrangler to shut workerd down and leave with its exit code.
  const forward = (sig) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward(sig));

  const stopped = new AbortController();
  child.on('exit', (code, signal) => {
    stopped.abort();
    process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0));
  });
  child.on('error', (err) => {
    console.error(`start: could not run wrangler: ${err.message}`);
    process.exit(1);
  });

  waitForWorker(port, stopped.signal).then(
    () => {
      const urls = exampleUrls(port);
      const width = Math.max(...urls.map(([label]) => label.length));
      console.log(`\nedge-image-worker is running locally. Masters seeded from samples/ (see samples/LICENSES.md); try:`);
      for (const [label, url] of urls) console.log(`  ${label.padEnd(width)}  ${url}`);
      if (token) {
        console.log(`\nUpload your own (the token is in .dev.vars):`);
        // -H 'Expect:': no `Expect: 100-continue`, so curl never waits (up to 1 s) for an interim answer.
        console.log(`  curl -T photo.jpg -H 'Expect:' -H 'Authorization: Bearer ${token}' http://localhost:${port}/masters/mine/photo.jpg`);
      }
      console.log('(press Ctrl-C to stop)\n');
    },
    () => {},
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const opts = parseArgs(process.argv.slice(2));
  try {
    await seed(opts);
  } catch (err) {
    console.error(`start: seeding the local R2 bucket failed: ${err?.stack ?? err}`);
    process.exit(1);
  }
  if (!opts.seedOnly) {
    if (await isListening(opts.port)) {
      console.error(`start: something is already listening on port ${opts.port}; stop it or pass --port N`);
      process.exit(1);
    }
    runWranglerDev(opts);
  }
}
