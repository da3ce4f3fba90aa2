// Our codec module's compiled WebAssembly (built by native/build/build.sh), imported statically so wrangler and
// the vitest pool hand it over as a WebAssembly.Module. A plain .js re-export with a hand-written .d.ts, like
// wasm-modules.js, because tsc has no type for a .wasm import.
import scaledWasm from './scaled.wasm';

export default scaledWasm;
