/**
 * A WebP that claims `size` bytes: a VP8X header for a 100×100 canvas and a VP8L chunk filling the rest with zeros.
 * Enough for the header readers (format, size, dimensions), and refused on its byte size before any decode.
 */
export function oversizedWebp(size: number): Uint8Array {
  const webp = new Uint8Array(size);
  const text = (at: number, s: string) => [...s].forEach((c, i) => (webp[at + i] = c.charCodeAt(0)));
  const le32 = (at: number, v: number) => new DataView(webp.buffer).setUint32(at, v, true);
  text(0, 'RIFF');
  le32(4, size - 8);
  text(8, 'WEBPVP8X');
  le32(16, 10);
  webp[24] = 99; // canvas width − 1 (24-bit)
  webp[27] = 99; // canvas height − 1
  text(30, 'VP8L');
  le32(34, size - 38);
  return webp;
}
