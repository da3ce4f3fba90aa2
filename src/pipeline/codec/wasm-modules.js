// The codecs' compiled WebAssembly, imported statically so wrangler bundles each as a WebAssembly.Module.
// A plain .js file: @jsquash/png and @jsquash/resize ship *.wasm.d.ts files that tsc rejects as default
// imports (TS1192), and the `?module` suffix that fixes tsc breaks the vitest pool. Types: wasm-modules.d.ts.
import png from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';

export const wasm = { png };
