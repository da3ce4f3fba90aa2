// The worker as a browser meets it: `wrangler dev` on a free loopback port, on a temporary local R2 bucket seeded
// from samples/ as `npm start` seeds it. Stopped (its whole process group) and removed by stop().
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seed } from '../../scripts/start.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const wranglerBin = path.join(path.dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');

const TEST_UPLOAD_TOKEN = 'browser-test-upload-token-0123456789';

/** The token the worker will check: wrangler dev prefers a developer's .dev.vars to the environment. */
function effectiveUploadToken() {
  const file = path.join(repoRoot, '.dev.vars');
  const fromFile = fs.existsSync(file) ? /^UPLOAD_TOKEN=(.*)$/m.exec(fs.readFileSync(file, 'utf8'))?.[1]?.trim() : undefined;
  return fromFile || TEST_UPLOAD_TOKEN;
}

/** A port nothing listens on now, on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startWorker() {
  const persistTo = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-image-browser-'));
  const log = [];
  const print = console.log;
  console.log = (...args) => log.push(args.join(' ') + '\n');
  try {
    await seed({ persistTo });
  } finally {
    console.log = print;
  }
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [wranglerBin, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo, '--show-interactive-dev-session=false',
      // No pre-generation behind the upload test: the queue would transform in the background while pages load.
      '--var', 'PREGENERATE_WIDTHS:'],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, UPLOAD_TOKEN: TEST_UPLOAD_TOKEN, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  child.stdout.on('data', (chunk) => log.push(String(chunk)));
  child.stderr.on('data', (chunk) => log.push(String(chunk)));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    fs.rmSync(persistTo, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited (${child.exitCode}):\n${log.join('')}`);
    }
    try {
      const response = await fetch(`${origin}/health`);
      if (response.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within 120 s:\n${log.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { origin, stop, log, uploadToken: effectiveUploadToken() };
}
