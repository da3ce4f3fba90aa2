/** Files imported with `?bytes` (see vitest.config.ts) arrive as their bytes. */
declare module '*?bytes' {
  const bytes: Uint8Array;
  export default bytes;
}
