#!/usr/bin/env node
// `npm run backfill [-- --url URL] [-- --token TOKEN]`: queues pre-generation of the configured widths and formats
// for every master already in R2, one page at a time (POST /jobs/pregenerate). The worker's queue consumer then
// renders them into the R2 variant tier in the background.
//
// Defaults: the local `npm start` worker (http://localhost:8787) and the UPLOAD_TOKEN of .dev.vars or the
// environment. Against production: --url https://images.example.com --token "$UPLOAD_TOKEN".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
};

function localToken() {
  try {
    const vars = fs.readFileSync(path.join(repoRoot, '.dev.vars'), 'utf8');
    return /^UPLOAD_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(vars)?.[1];
  } catch {
    return undefined;
  }
}

const base = option('url') ?? 'http://localhost:8787';
const token = option('token') ?? process.env.UPLOAD_TOKEN ?? localToken();
if (!token) {
  console.error('backfill: no upload token (--token, $UPLOAD_TOKEN, or .dev.vars)');
  process.exit(2);
}

let cursor = null;
let pages = 0;
let masters = 0;
let queued = 0;
// Bounded: at most 100 000 pages of 50 masters.
do {
  const url = new URL('/jobs/pregenerate', base);
  if (cursor) url.searchParams.set('cursor', cursor);
  const response = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    console.error(`backfill: ${url.origin} answered ${response.status}: ${await response.text()}`);
    process.exit(1);
  }
  const page = await response.json();
  pages++;
  masters += page.masters;
  queued += page.queued;
  cursor = page.cursor;
  process.stdout.write(`\rbackfill: ${masters} masters, ${queued} variants queued`);
} while (cursor && pages < 100_000);
console.log(`\nbackfill: done (${pages} page${pages === 1 ? '' : 's'})`);
