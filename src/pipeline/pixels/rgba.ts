/** The pixels every step passes along. */

/** 8-bit RGBA pixels, row-major, no padding (straight alpha). */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}
