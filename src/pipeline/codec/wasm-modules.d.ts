export declare const wasm: {
  avifDecode: WebAssembly.Module;
  png: WebAssembly.Module;
};
