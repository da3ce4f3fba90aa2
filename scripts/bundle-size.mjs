// Bundles the Worker as `wrangler deploy` would (without deploying) and prints its size, raw and gzipped.
// Fails when the gzipped bundle passes Workers' 3 MiB free-plan limit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const outdir = mkdtempSync(join(tmpdir(), 'bundle-'));
const LIMIT = 3 * 1024 * 1024;
try {
  execFileSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', outdir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'error' },
  });
  let raw = 0;
  let gzipped = 0;
  const rows = [];
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (!statSync(path).isFile() || name.endsWith('.map')) continue;
    const bytes = readFileSync(path);
    const gz = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzipped += gz;
    rows.push(`  ${name.padEnd(66)} ${(bytes.length / 1024).toFixed(0).padStart(6)} KiB  ${(gz / 1024).toFixed(0).padStart(6)} KiB gz`);
  }
  console.log(rows.sort().join('\n'));
  console.log(`bundle: ${(raw / 1048576).toFixed(2)} MiB raw, ${(gzipped / 1048576).toFixed(2)} MiB gzipped (limit ${LIMIT / 1048576} MiB gzipped)`);
  if (gzipped > LIMIT) {
    console.error('bundle is over the limit');
    process.exit(1);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
