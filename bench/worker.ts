/**
 * A bench-only Worker (never deployed): runs the production pipeline, `transform()` from src/pipeline/run.ts,
 * on a master POSTed to it, and serves a static body of any size — the runtime's own ceiling for the hit path.
 *
 *   POST /transform?options=width=800&format=webp&quality=80&speed=8&w=…&h=…&in=jpeg&alpha=0&orientation=1[&full=1][&animated=1]
 *        body: the master's bytes → the encoded variant; X-Transform-Ms is the time spent in transform() alone.
 *        Limits come from the real worker's [vars], which the bench passes in as this worker's vars. full=1 decodes
 *        JPEG/WebP at full size (no shrink-on-load), the baseline that shrink-on-load is measured against. stream=1
 *        streams the body into the pipeline as a master source (what the image route does with an R2 object: JPEG
 *        and PNG are decoded as their bytes arrive, never held whole); without it the body is read whole first.
 *        stream=replay receives the body first, as the chunks it arrives in, and then streams those into the
 *        pipeline: the streamed path's time without the upload's (for comparing time with the read-whole path).
 *        held=1 (without stream) reads the body whole into a buffer kept from an earlier request of the same size, so
 *        the CPU measured around the request does not count first touches of fresh memory (see receiveHeld).
 *        The pre-pass (gravity=auto/face, trim=border: src/pipeline/prepass.ts) runs as the image route runs it, inside
 *        X-Transform-Ms; X-Prepass-Ms is its own share.
 *   POST /drain?out=N   body: a master → N zero bytes; the body is read through a ByteFeed and nothing else is done
 *        (the memory bench's no-op pipeline)
 *   GET  /gc → a full V8 collection, where workerd runs with --expose-gc (404 otherwise)
 *   GET  /static?bytes=N&type=image/avif → N bytes, made once per isolate and size
 *   GET  /cache-floor?bytes=N&type=image/avif[&lookups=1] → the same bytes, but looked up as a hit is: a small JSON entry
 *        and then the body, both from the Cache API (stored on first use) — the hit path without our code
 */
import { inputLimits, readConfig, type Vars } from '../src/config.js';
import { planDecode } from '../src/options/decode-plan.js';
import { parseOptions } from '../src/options/parse.js';
import { planTransform } from '../src/options/plan.js';
import type { InputFormat, MasterInfo, OutputFormat } from '../src/options/types.js';
import { ByteFeed } from '../src/pipeline/codec/byte-feed.js';
import { refinePlan } from '../src/pipeline/prepass.js';
import { transform } from '../src/pipeline/run.js';

const inputFormats: readonly InputFormat[] = ['jpeg', 'png', 'webp', 'avif', 'gif'];
const outputFormats: readonly OutputFormat[] = ['avif', 'webp', 'jpeg', 'baseline-jpeg', 'png'];
const statics = new Map<number, Uint8Array>();
/** held=1: buffers that received a master, kept by size for the next request of that size (a few masters at most). */
const held = new Map<number, ArrayBuffer>();
const MAX_HELD = 8;

function number(params: URLSearchParams, name: string, fallback?: number): number {
  const raw = params.get(name);
  const value = raw === null ? fallback : Number(raw);
  if (value === undefined || !Number.isFinite(value)) throw new Error(`query parameter ${name} is missing or not a number`);
  return value;
}

/** Bytes that do not compress, so no layer can make the ceiling cheaper than a real image. */
function staticBody(bytes: number): Uint8Array {
  let body = statics.get(bytes);
  if (!body) {
    body = new Uint8Array(bytes);
    let x = 2463534242;
    for (let i = 0; i < bytes; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      body[i] = x & 0xff;
    }
    statics.set(bytes, body);
  }
  return body;
}

/**
 * The Cache API lookups a hit makes, and nothing else: `lookups=2` (default) the metadata entry then the variant,
 * as a hit does without the memo; `lookups=1` the variant alone, as a warm hit does with it.
 */
async function cacheFloor(url: URL): Promise<Response> {
  const cache = caches.default;
  const bytes = number(url.searchParams, 'bytes');
  const metaUrl = `${url.origin}/__bench/meta`;
  const bodyUrl = `${url.origin}/__bench/body?bytes=${bytes}`;
  if (url.searchParams.get('lookups') !== '1') {
    const meta = await cache.match(metaUrl);
    if (!meta) {
      const entry = { meta: { key: 'bench', etag: 'bench', bytes, info: { format: 'jpeg', width: 1, height: 1 } } };
      await cache.put(metaUrl, Response.json(entry, { headers: { 'Cache-Control': 'max-age=86400' } }));
    } else {
      await meta.json();
    }
  }
  let hit = await cache.match(bodyUrl);
  if (!hit) {
    const type = url.searchParams.get('type') ?? 'application/octet-stream';
    await cache.put(bodyUrl, new Response(staticBody(bytes), { headers: { 'Content-Type': type, 'Cache-Control': 'max-age=86400' } }));
    hit = await cache.match(bodyUrl);
    if (!hit) throw new Error('the Cache API did not keep the body');
  }
  return new Response(hit.body, hit);
}

type AtLeastReader = ReadableStreamBYOBReader & { readAtLeast(min: number, view: Uint8Array): Promise<ReadableStreamReadResult<Uint8Array>> };

/**
 * The body, read whole into a buffer an earlier request of the same size filled and gave back (a fresh one the first
 * time): memory the isolate has already touched, as sharp's side has the master in a Buffer read before it is timed.
 * A fresh 3.4 MB ArrayBuffer costs about 9 ms of CPU on the bench machine, almost all of it page faults (about 11 µs
 * each there; a tenth of a microsecond or so on ordinary hardware), which is the machine's cost, not the transform's.
 * Not through a ByteFeed: it keeps a fresh copy of the file's first 2 MiB (its head), which would bring the cost back.
 */
async function receiveHeld(body: ReadableStream<Uint8Array>, size: number): Promise<ArrayBuffer> {
  let buffer = held.get(size) ?? new ArrayBuffer(size);
  held.delete(size);
  const reader = body.getReader({ mode: 'byob' }) as AtLeastReader;
  let read = 0;
  while (read < size) {
    const next = await reader.readAtLeast(size - read, new Uint8Array(buffer, read));
    if (!next.value) break;
    buffer = next.value.buffer as ArrayBuffer;
    read += next.value.byteLength;
    if (next.done) break;
  }
  if (read !== size || !(await reader.read(new Uint8Array(1))).done) throw new Error('the body is not as long as its Content-Length');
  return buffer;
}

/** As `produce()` in src/routes/image.ts builds it, from the real worker's [vars] (the bench passes them in). */
async function runTransform(request: Request, params: URLSearchParams, vars: Vars): Promise<Response> {
  const config = readConfig(vars);
  const format = params.get('format') as OutputFormat;
  const input = params.get('in') as InputFormat;
  if (!outputFormats.includes(format) || !inputFormats.includes(input)) throw new Error('format or in is missing or unknown');
  const info: MasterInfo = {
    format: input,
    width: number(params, 'w'),
    height: number(params, 'h'),
    hasAlpha: params.get('alpha') === '1',
    // animated=1: an animated GIF/WebP master kept animated (the output must be webp), as the route asks for it.
    animated: params.get('animated') === '1',
    orientation: number(params, 'orientation', 1),
  };
  const mode = params.get('stream');
  const hold = params.get('held') === '1' && mode === null;
  const streamed = (mode === '1' || mode === 'replay') && request.body !== null;
  const size = Number(request.headers.get('Content-Length'));
  if ((streamed || hold) && !Number.isSafeInteger(size)) throw new Error('stream=1 and held=1 need a Content-Length');
  let body = request.body as ReadableStream<Uint8Array>;
  if (streamed && mode === 'replay') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    let next = 0;
    body = new ReadableStream<Uint8Array>({ pull: (controller) => (next < chunks.length ? controller.enqueue(chunks[next++]!) : controller.close()) });
  }
  const master = streamed
    ? { source: { key: 'bench', size, open: async () => body }, maxWholeBytes: config.maxBufferedInputBytes }
    : { bytes: hold ? await receiveHeld(body, size) : await request.arrayBuffer() };
  const options = parseOptions(params.get('options') ?? '', config);
  // Locally workerd's clock runs during CPU work (in production it would only move on I/O). Planning is timed too,
  // as it was when the pipeline planned for itself.
  const started = performance.now();
  const planned = planTransform(info, options, config);
  const prepassStarted = performance.now();
  const plan = await refinePlan(() => master, { info, options, plan: planned, limits: { ...config, ...inputLimits(config) } });
  const prepassMs = performance.now() - prepassStarted;
  // The baseline for shrink-on-load: the same transform with the master decoded at its full size.
  const whole = { x: 0, y: 0, width: info.width, height: info.height };
  const decode = params.get('full') === '1'
    ? planDecode(info, whole, { width: info.width, height: info.height }, inputLimits(config))
    : planDecode(info, plan.storedCrop, plan.storedResize, inputLimits(config));
  const result = await transform({
    ...master,
    info,
    options,
    plan,
    decode,
    format,
    quality: number(params, 'quality'),
    avifSpeed: number(params, 'speed', config.avifSpeed),
    animation: params.get('animated') === '1' ? { maxPixels: config.animationMaxPixels } : undefined,
  });
  const ms = performance.now() - started;
  if (hold && master.bytes && held.size < MAX_HELD) held.set(size, master.bytes);
  return new Response(result.bytes, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'X-Transform-Ms': ms.toFixed(2),
      'X-Prepass-Ms': prepassMs.toFixed(2),
      'X-Timings': JSON.stringify(result.timings),
      'X-Width': String(result.width),
      'X-Height': String(result.height),
      'X-Session-Bytes': String(result.sessionBytes),
    },
  });
}

/**
 * The memory bench's no-op pipeline: the master's body read to its end through a ByteFeed as a transform streams it
 * (same buffers), or with `reader=plain` by the stream's own reader (none of our code), no codec, and `out` bytes
 * answered (the size of a typical output). What the runtime itself keeps for the same traffic, without our image work.
 */
async function drain(request: Request, params: URLSearchParams): Promise<Response> {
  const size = Number(request.headers.get('Content-Length'));
  if (!request.body || !Number.isSafeInteger(size)) throw new Error('drain needs a body with a Content-Length');
  let read = 0;
  if (params.get('reader') === 'plain') {
    const reader = request.body.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) read += next.value.byteLength;
  } else {
    const feed = new ByteFeed(request.body, size);
    for (let n; (n = await feed.read(64 * 1024, () => {})) > 0; ) read += n;
    feed.dispose();
  }
  return new Response(new Uint8Array(number(params, 'out', 0)), { headers: { 'X-Read-Bytes': String(read), 'X-Session-Bytes': '0' } });
}

export default {
  async fetch(request: Request, env: Vars): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/static') {
        const body = staticBody(number(url.searchParams, 'bytes'));
        return new Response(body, { headers: { 'Content-Type': url.searchParams.get('type') ?? 'application/octet-stream' } });
      }
      if (url.pathname === '/cache-floor') return await cacheFloor(url);
      if (url.pathname === '/transform' && request.method === 'POST') return await runTransform(request, url.searchParams, env);
      if (url.pathname === '/drain' && request.method === 'POST') return await drain(request, url.searchParams);
      if (url.pathname === '/gc') {
        // A full collection, where workerd runs with V8's --expose-gc (the memory bench's control runs): 404 otherwise.
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) return new Response('gc is not exposed (MINIFLARE_WORKERD_V8_FLAGS=--expose-gc)', { status: 404 });
        gc();
        return new Response('collected');
      }
      if (url.pathname === '/health') return new Response('bench worker');
      return new Response('not found', { status: 404 });
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return new Response(detail, { status: 500, headers: { 'X-Bench-Error': '1' } });
    }
  },
} satisfies ExportedHandler<Vars>;
