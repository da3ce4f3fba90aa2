export declare const wasm: {
  png: WebAssembly.Module;
};
