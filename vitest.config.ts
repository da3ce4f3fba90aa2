import { readFile } from 'node:fs/promises';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * `import bytes from './photo.jpg?bytes'` gives the file's bytes as a Uint8Array. Tests run inside workerd,
 * which cannot read the host's files, so fixtures travel as module source (base64) instead.
 */
function binaryFiles(): Plugin {
  return {
    name: 'binary-files',
    enforce: 'pre',
    async load(id) {
      if (!id.endsWith('?bytes')) return null;
      const data = await readFile(id.slice(0, -'?bytes'.length));
      return [
        `const text = atob(${JSON.stringify(data.toString('base64'))});`,
        'const bytes = new Uint8Array(text.length);',
        'for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);',
        'export default bytes;',
      ].join('\n');
    },
  };
}

// UPLOAD_TOKEN is a secret (never in wrangler.toml); tests get a fixed one. Wrangler reads required secrets from
// process.env, so setting it here also keeps it from warning once per test file.
const uploadToken = 'test-upload-token-0123456789';
process.env.UPLOAD_TOKEN = uploadToken;
process.env.WRANGLER_LOG ??= 'warn';

export default defineConfig({
  plugins: [
    binaryFiles(),
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      // No pre-generation behind every upload of every test: the tests that are about it ask for it.
      // Failed jobs retried at once, so the dead-letter path runs in seconds.
      miniflare: {
        bindings: { UPLOAD_TOKEN: uploadToken, PREGENERATE_WIDTHS: '', JOB_RETRY_SECONDS: '0' },
        // A second local Worker plays a site's own image server: every outbound fetch goes to it.
        outboundService: 'origin',
        workers: [{ name: 'origin', modules: true, scriptPath: './test/origin/origin-worker.js', compatibilityDate: '2026-11-17' }],
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // One workerd for all files: with a runtime per file, the 6 MB codec module crossed the module fallback as a JSON
    // array of numbers into every one of them (~5 s a file). Storage is still fresh per file (fresh-storage.ts).
    isolate: false,
    setupFiles: ['test/helpers/fresh-storage.ts'],
    testTimeout: 60_000,
  },
});
