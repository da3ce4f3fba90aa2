// @ts-check
/** Our side of the transform bench: the production pipeline, `transform()`, run by the bench worker in workerd. */

/**
 * @typedef {'webp' | 'avif' | 'jpeg'} OutputFormat
 * @typedef {object} TransformCase
 * @property {import('./masters.mjs').Master} master
 * @property {number} width          requested width; height follows the aspect ratio
 * @property {OutputFormat} format
 * @property {number} quality
 * @property {number} speed          AVIF encoder speed (ignored by the other formats)
 * @property {boolean} [fullDecode]  decode the master at full size (the baseline without shrink-on-load)
 * @property {string} [options]      the whole option segment instead of `width=<width>`
 * @property {boolean} [held]      read the master whole into a buffer the bench worker kept from an earlier request of its
 *   size (its memory already touched, as sharp's side has its master in memory), not a fresh one
 * @property {boolean | 'replay'} [stream]  stream the master into the pipeline (as the image route does from R2) instead of
 *   reading it whole first; 'replay': receive it first (as its chunks), then stream those, to time the path without the upload
 * @typedef {object} TransformOutput
 * @property {number} ms             time spent in transform() (or in sharp), without any transfer
 * @property {Uint8Array} bytes
 * @property {number} width
 * @property {number} height
 * @property {Record<string, number>} [phases]  our pipeline's own timings per phase
 * @property {number} [sessionBytes]  our codec session's linear memory at the end of the transform
 * @property {number} [prepassMs]     the pre-pass's share of `ms` (gravity=auto/face, trim=border)
 */

/**
 * Runs one transform in the bench worker at `base` (its runtime's own socket).
 * @param {URL} base
 * @param {TransformCase} c
 * @returns {Promise<TransformOutput>}
 */
export async function oursTransform(base, c) {
  const { master } = c;
  const query = new URLSearchParams({
    options: c.options ?? `width=${c.width}`,
    format: c.format,
    quality: String(c.quality),
    speed: String(c.speed),
    w: String(master.width),
    h: String(master.height),
    in: master.format,
    alpha: master.alpha ? '1' : '0',
    orientation: String(master.orientation),
    ...(c.fullDecode ? { full: '1' } : {}),
    ...(c.held && !c.stream ? { held: '1' } : {}),
    ...(c.stream ? { stream: c.stream === 'replay' ? 'replay' : '1' } : {}),
  });
  const url = new URL(`/transform?${query}`, base);
  let response;
  // Once more on a fresh connection when a kept-alive one turns out to have been closed by workerd while idle.
  for (let attempt = 1; ; attempt++) {
    try {
      response = await fetch(url, { method: 'POST', body: master.bytes, headers: attempt > 1 ? { Connection: 'close' } : {} });
      break;
    } catch (error) {
      const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (error).cause;
      if (attempt < 2 && ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(cause?.code ?? '')) continue;
      throw new Error(`the bench worker did not answer (${cause?.code ?? cause?.message ?? String(error)})`);
    }
  }
  const body = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) throw new Error(`bench worker answered ${response.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
  return {
    ms: Number(response.headers.get('X-Transform-Ms')),
    bytes: body,
    width: Number(response.headers.get('X-Width')),
    height: Number(response.headers.get('X-Height')),
    phases: JSON.parse(response.headers.get('X-Timings') ?? '{}'),
    sessionBytes: Number(response.headers.get('X-Session-Bytes') ?? 0),
    prepassMs: Number(response.headers.get('X-Prepass-Ms') ?? 0),
  };
}
