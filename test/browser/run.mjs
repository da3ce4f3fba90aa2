// `npm test`'s last step: the browser tests (test/browser/*.test.mjs, node --test) when a Chromium is installed,
// else one line saying they were skipped. CHROMIUM_PATH names the binary; otherwise the usual system paths.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((candidate) => candidate && fs.existsSync(candidate));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const chromium = findChromium();
  if (!chromium) {
    console.log('browser tests: SKIPPED, no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
    process.exit(0);
  }
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(dir, f));
  console.log(`browser tests: ${chromium}`);
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: chromium } });
  process.exit(result.status ?? 1);
}
