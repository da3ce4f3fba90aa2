/** Our compiled codec module (scaled.wasm); session.ts instantiates it (one instance per transform, recycled). */
declare const scaledWasm: WebAssembly.Module;
export default scaledWasm;
