// @ts-check
/**
 * SSIM (Wang, Bovik, Sheikh & Simoncelli 2004) on luma: an 11×11 Gaussian window with σ = 1.5, K1 = 0.01,
 * K2 = 0.03, L = 255, filtered over the 'valid' region only (no padding), as the authors' ssim.m does.
 * Luma is BT.601 (0.299 R + 0.587 G + 0.114 B) of 8-bit sRGB, without linearisation.
 */

const RADIUS = 5;
const SIGMA = 1.5;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

const kernel = (() => {
  const k = new Float64Array(2 * RADIUS + 1);
  let sum = 0;
  for (let i = -RADIUS; i <= RADIUS; i++) sum += k[i + RADIUS] = Math.exp(-(i * i) / (2 * SIGMA * SIGMA));
  return k.map((v) => v / sum);
})();

/**
 * BT.601 luma of packed 8-bit pixels with `channels` channels (3 or 4; alpha is ignored).
 * @param {Uint8Array} data
 * @param {number} channels
 */
export function luma(data, channels) {
  const n = data.length / channels;
  const out = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i] = 0.299 * data[j] + 0.587 * data[j + 1] + 0.114 * data[j + 2];
  }
  return out;
}

/**
 * Mean SSIM of two luma planes of the same size (each side must exceed the 11-px window). One horizontal pass
 * gathers the five Gaussian-weighted sums (μa, μb, E[a²], E[b²], E[ab]) per pixel; one vertical pass finishes
 * them and scores each window without keeping the maps.
 * @param {Float32Array} a
 * @param {Float32Array} b
 * @param {number} width
 * @param {number} height
 */
export function ssimLuma(a, b, width, height) {
  if (a.length !== width * height || b.length !== width * height) throw new Error('ssim: planes differ in size');
  if (width <= 2 * RADIUS || height <= 2 * RADIUS) throw new Error('ssim: image smaller than the window');
  const taps = 2 * RADIUS + 1;
  const ow = width - 2 * RADIUS;
  const oh = height - 2 * RADIUS;
  const rows = [0, 1, 2, 3, 4].map(() => new Float64Array(ow * height));
  const [ra, rb, raa, rbb, rab] = /** @type {[Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]} */ (rows);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let x = 0; x < ow; x++) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let k = 0; k < taps; k++) {
        const w = kernel[k];
        const va = a[base + x + k];
        const vb = b[base + x + k];
        sa += w * va;
        sb += w * vb;
        saa += w * va * va;
        sbb += w * vb * vb;
        sab += w * va * vb;
      }
      const at = y * ow + x;
      ra[at] = sa;
      rb[at] = sb;
      raa[at] = saa;
      rbb[at] = sbb;
      rab[at] = sab;
    }
  }
  let sum = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let ma = 0, mb = 0, eaa = 0, ebb = 0, eab = 0;
      for (let k = 0; k < taps; k++) {
        const w = kernel[k];
        const at = (y + k) * ow + x;
        ma += w * ra[at];
        mb += w * rb[at];
        eaa += w * raa[at];
        ebb += w * rbb[at];
        eab += w * rab[at];
      }
      const va = eaa - ma * ma;
      const vb = ebb - mb * mb;
      const cov = eab - ma * mb;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
    }
  }
  return sum / (ow * oh);
}
