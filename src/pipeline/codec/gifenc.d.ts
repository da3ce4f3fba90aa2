/** The part of gifenc 1.0.3 (no types of its own) that gif-encode.ts uses. */
declare module 'gifenc' {
  export type GifencFormat = 'rgb565' | 'rgb444' | 'rgba4444';
  export type GifencPalette = number[][];
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: { format?: GifencFormat; oneBitAlpha?: boolean | number; clearAlpha?: boolean }): GifencPalette;
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: GifencPalette, format?: GifencFormat): Uint8Array;
  export interface GifencEncoder {
    writeFrame(
      index: Uint8Array,
      width: number,
      height: number,
      options: { palette: GifencPalette; delay?: number; repeat?: number; transparent?: boolean; transparentIndex?: number; dispose?: number },
    ): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
  }
  export function GIFEncoder(options?: { initialCapacity?: number; auto?: boolean }): GifencEncoder;
}
