/** The compiled shrink-on-load decoder (scaled.wasm); instantiate it per decode. */
declare const scaledWasm: WebAssembly.Module;
export default scaledWasm;
