// Loads the codec session's adapters (src/pipeline/codec/: session, JPEG, WebP) in plain Node for the benchmark and checks: esbuild (already in node_modules,
// via vite and wrangler) bundles it, and the .wasm import becomes a WebAssembly.Module compiled from the file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The codec session with its JPEG and WebP adapters, plus anything `extra` re-exports (TypeScript, relative to the
 * repository root). `wasmPath`, when given, is the module every .wasm import loads instead (another build of it).
 */
export async function loadScaled(extra = '', wasmPath = undefined) {
  const wasmFile = {
    name: 'wasm-file',
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (args) => ({ path: new URL(args.path, `file://${args.resolveDir}/`).pathname, namespace: 'wasm-file' }));
      b.onLoad({ filter: /.*/, namespace: 'wasm-file' }, (args) => ({
        contents: `import { readFileSync } from 'node:fs'; export default new WebAssembly.Module(readFileSync(${JSON.stringify(wasmPath ?? args.path)}));`,
        loader: 'js',
      }));
    },
  };
  const out = await build({
    stdin: { contents: `export * from './src/pipeline/codec/session.ts'; export * from './src/pipeline/codec/jpeg.ts'; export * from './src/pipeline/codec/webp.ts'; ${extra}`, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'error',
    plugins: [wasmFile],
  });
  const code = out.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

/** An AVIF of `image` from module `m` (a loadScaled() result) in a fresh session, copied out before it is recycled. */
export function encodeAvifFresh(m, image, options) {
  const session = m.CodecSession.open();
  try {
    return session.encodeAvif(session.hold(image), options).slice();
  } finally {
    session.recycle();
  }
}

export { root, readFileSync };
