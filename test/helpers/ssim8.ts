/**
 * Mean SSIM of BT.601 luma over 8×8 windows (no overlap) of two RGBA images of the same size: a quick agreement
 * check, not the bench's reference SSIM (bench/lib/ssim.mjs). Shared by aom-simd-exact.test.ts and the scripts that
 * write and compare its table (scripts/aom-simd-reference.mjs, bench/native/aom-simd-exact.mjs load it through esbuild).
 */
export function ssimY8(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  const luma = (d: ArrayLike<number>, i: number) => 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
  const [c1, c2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
  let [sum, n] = [0, 0];
  for (let y = 0; y + 8 <= height; y += 8) {
    for (let x = 0; x + 8 <= width; x += 8) {
      let [ma, mb, va, vb, cov] = [0, 0, 0, 0, 0];
      for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) {
        const k = ((y + j) * width + x + i) * 4;
        ma += luma(a, k);
        mb += luma(b, k);
      }
      [ma, mb] = [ma / 64, mb / 64];
      for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) {
        const k = ((y + j) * width + x + i) * 4;
        const [da, db] = [luma(a, k) - ma, luma(b, k) - mb];
        va += da * da;
        vb += db * db;
        cov += da * db;
      }
      sum += ((2 * ma * mb + c1) * ((2 * cov) / 63 + c2)) / ((ma * ma + mb * mb + c1) * (va / 63 + vb / 63 + c2));
      n++;
    }
  }
  return sum / n;
}
