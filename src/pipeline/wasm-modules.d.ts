export declare const wasm: {
  avifDecode: WebAssembly.Module;
  avifEncode: WebAssembly.Module;
  jpegEncode: WebAssembly.Module;
  png: WebAssembly.Module;
};
