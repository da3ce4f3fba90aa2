/**
 * A worker that runs single codec operations of the module in workerd, for bench/native/workerd-ab.mjs: A/B of
 * two builds of the module where production runs it (workerd checks every linear-memory access explicitly, Node
 * does not, so a kernel's gain in Node can vanish there). Never deployed. Each POST stores an input; each GET runs an
 * operation `n` times on it in one codec session and answers a checksum of the last output.
 *
 *   POST /rgba?w=&h=            RGBA pixels (held in the session)
 *   POST /jpeg                   a JPEG master
 *   GET  /resample?dw=&dh=&n=    the held pixels resampled whole to dw × dh (linear light, opaque)
 *   GET  /decode-resample?denom=&dw=&n=   the JPEG streamed at 1/denom straight into the resampler, to dw wide
 *   GET  /encode-jpeg?q=&n=      the held pixels copied in and encoded as progressive JPEG
 */
import { CodecSession, type SessionPixels } from '../src/pipeline/codec/session.js';
import { streamJpegScaled } from '../src/pipeline/codec/jpeg.js';
import type { JpegScale } from '../src/options/decode-plan.js';

let session: CodecSession | undefined;
let held: SessionPixels | undefined;
let rgba: { data: Uint8ClampedArray; width: number; height: number } | undefined;
let jpeg: Uint8Array | undefined;

function checksum(data: Uint8ClampedArray | Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 61) sum = (Math.imul(sum, 31) + (data[i] ?? 0)) | 0;
  return sum;
}

function count(url: URL, name: string, max: number): number {
  const value = Number(url.searchParams.get(name));
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer in 1..${max}`);
  return value;
}

// As the resize step asks for an opaque master (a module without the three-channel path ignores `opaque`).
const opaqueLinear = { linear: true, premultiply: false, opaque: true };

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  session ??= CodecSession.open();
  switch (url.pathname) {
    case '/rgba': {
      const data = new Uint8ClampedArray(await request.arrayBuffer());
      const width = count(url, 'w', 20_000), height = count(url, 'h', 20_000);
      if (data.length !== width * height * 4) throw new RangeError('the body is not w × h RGBA');
      rgba = { data, width, height };
      if (held) session.release(held);
      held = session.hold(rgba);
      return new Response('held');
    }
    case '/jpeg':
      jpeg = new Uint8Array(await request.arrayBuffer());
      return new Response('held');
    case '/resample': {
      if (!held) throw new Error('POST /rgba first');
      const target = session.allocate(count(url, 'dw', 20_000), count(url, 'dh', 20_000));
      const crop = { x: 0, y: 0, width: held.width, height: held.height };
      for (let i = count(url, 'n', 100); i > 0; i--) session.resample(held, crop, target, opaqueLinear);
      const sum = checksum(target.data);
      session.release(target);
      return new Response(String(sum));
    }
    case '/decode-resample': {
      if (!jpeg) throw new Error('POST /jpeg first');
      let sum = 0;
      for (let i = count(url, 'n', 100); i > 0; i--) {
        const rows = streamJpegScaled(session, jpeg, count(url, 'denom', 8) as JpegScale);
        const width = count(url, 'dw', 20_000);
        const target = session.allocate(width, Math.max(1, Math.round((rows.height * width) / rows.width)));
        session.resample('jpeg-stream', { x: 0, y: 0, width: rows.width, height: rows.height }, target, opaqueLinear);
        rows.finish();
        sum = checksum(target.data);
        session.release(target);
      }
      return new Response(String(sum));
    }
    case '/encode-jpeg': {
      if (!rgba) throw new Error('POST /rgba first');
      let sum = 0;
      for (let i = count(url, 'n', 100); i > 0; i--) {
        sum = checksum(session.encodeJpeg(session.hold(rgba), { quality: count(url, 'q', 100), progressive: true }));
      }
      return new Response(String(sum));
    }
    default:
      return new Response('not found', { status: 404 });
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
  },
} satisfies ExportedHandler;
