import { readFile } from 'node:fs/promises';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
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

export default defineConfig({
  plugins: [
    binaryFiles(),
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      // UPLOAD_TOKEN is a secret (never in wrangler.toml); tests get a fixed one here.
      miniflare: { bindings: { UPLOAD_TOKEN: 'test-upload-token-0123456789' } },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
