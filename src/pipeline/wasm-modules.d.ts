export declare const wasm: {
  avifDecode: WebAssembly.Module;
  jpegEncode: WebAssembly.Module;
  png: WebAssembly.Module;
};
