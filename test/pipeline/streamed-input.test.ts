/**
 * Masters streamed into the decoders (codec/byte-feed.ts, JSPI in session.ts): whatever the chunking of the stream,
 * the transform's output is byte for byte the one decoded from the whole buffer; only a bounded head of the file is
 * kept; a stream that fails is storage's 503, a short one the decoder's 422, and a master replaced since its lookup
 * MasterChanged. Sources are in-memory streams here; test/routes/master-stream.test.ts reads real R2 objects.
 */
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/http/problem.js';
import { ByteFeed, HEAD_BYTES } from '../../src/pipeline/codec/byte-feed.js';
import { releaseBuffer } from '../../src/pipeline/codec/release.js';
import { JSPI } from '../../src/pipeline/codec/session.js';
import { transform } from '../../src/pipeline/run.js';
import { bytesSource, MasterChanged, type MasterSource } from '../../src/storage/master-source.js';
import adobeJpeg from '../fixtures/adobergb-quadrants-64x48.jpg?bytes';
import exifJpeg from '../fixtures/exif-gps-48x32.jpg?bytes';
import alphaPng from '../fixtures/alpha-left-half-32x32.png?bytes';
import p3Png from '../fixtures/p3-quadrants-64x48.png?bytes';
import paletteTrns from '../fixtures/palette-trns-32x32.png?bytes';
import progressive from '../fixtures/quadrants-progressive-64x48.jpg?bytes';
import webp from '../fixtures/lossy-40x30.webp?bytes';
import interlaced from '../fixtures/quadrants-interlaced-64x48.png?bytes';
import { inputFor } from '../helpers/pipeline.js';

/** The transform of `master` from a stream in chunks of `chunks` (cycled), instead of from its bytes. */
function streamed(master: Uint8Array, options: string, format: 'webp' | 'png' | 'jpeg', chunks: number[], extra: Partial<MasterSource> = {}) {
  const input = inputFor(master, options, format);
  const source: MasterSource = {
    key: 'test',
    size: master.length,
    async open() {
      let offset = 0;
      let turn = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= master.length) return controller.close();
          const size = chunks[turn++ % chunks.length]!;
          controller.enqueue(master.slice(offset, offset + size));
          offset += size;
        },
      });
    },
    ...extra,
  };
  return transform({ ...input, bytes: undefined, source });
}

const cases: Array<[string, Uint8Array, string, 'webp' | 'png' | 'jpeg']> = [
  ['baseline JPEG with an Adobe RGB profile, scaled', adobeJpeg, 'width=20', 'png'],
  ['JPEG with EXIF kept, cropped without scaling', exifJpeg, 'width=48,height=20,fit=crop,metadata=keep', 'jpeg'],
  ['progressive JPEG', progressive, 'width=30', 'webp'],
  ['PNG with alpha', alphaPng, 'width=16', 'png'],
  ['PNG with a Display P3 profile, unscaled', p3Png, 'format=png', 'png'],
  ['palette PNG with tRNS', paletteTrns, 'width=20', 'webp'],
  ['lossy WebP (read whole)', webp, 'width=20', 'png'],
  ['interlaced PNG (read whole)', interlaced, 'width=20', 'png'],
];

describe('masters streamed into the decoders', () => {
  it('runs where JSPI is (workerd): WebAssembly.Suspending and WebAssembly.promising', () => {
    expect(JSPI).toBe(true);
  });

  for (const [name, master, options, format] of cases) {
    it(`${name}: the same bytes out from 1-byte, odd-sized and whole chunks as from the buffer`, async () => {
      const whole = new Uint8Array((await transform(inputFor(master, options, format))).bytes);
      for (const chunks of [[1], [7, 1, 4093, 3], [master.length]]) {
        const out = new Uint8Array((await streamed(master, options, format, chunks)).bytes);
        expect(out.length, `chunks ${chunks}`).toBe(whole.length);
        expect(out.every((byte, i) => byte === whole[i]), `chunks ${chunks}`).toBe(true);
      }
    });
  }

  it('a stream that fails mid-file is storage failing: 503, not the file', async () => {
    const source = bytesSource('x', adobeJpeg, 500);
    const failing: MasterSource = {
      ...source,
      async open() {
        let sent = false;
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) return controller.error(new Error('connection reset'));
            sent = true;
            controller.enqueue(adobeJpeg.slice(0, Math.floor(adobeJpeg.length / 2)));
          },
        });
      },
    };
    const input = inputFor(adobeJpeg, 'width=20', 'png');
    const error = await transform({ ...input, bytes: undefined, source: failing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).status).toBe(503);
  });

  it('a stream shorter than its size is a truncated file: 422', async () => {
    const short: MasterSource = { ...bytesSource('x', adobeJpeg.subarray(0, adobeJpeg.length - 200), 333), size: adobeJpeg.length };
    const input = inputFor(adobeJpeg, 'width=20', 'png');
    const error = await transform({ ...input, bytes: undefined, source: short }).catch((e: unknown) => e);
    expect((error as ImageError).status).toBe(422);
  });

  it('a stream longer than the size its object said fails as storage (503): never read past it', async () => {
    const long: MasterSource = { ...bytesSource('x', progressive, 256), size: progressive.length - 100 };
    const input = inputFor(progressive, 'width=20', 'png');
    const error = await transform({ ...input, bytes: undefined, source: long }).catch((e: unknown) => e);
    expect((error as ImageError).status).toBe(503);
  });

  it('a master replaced since its lookup is MasterChanged, thrown as it is', async () => {
    const gone: MasterSource = { key: 'x', size: 10, open: () => Promise.reject(new MasterChanged()) };
    const input = inputFor(adobeJpeg, 'width=20', 'png');
    await expect(transform({ ...input, bytes: undefined, source: gone })).rejects.toBeInstanceOf(MasterChanged);
  });

  it('a WebP over its own byte limit is 413 before it is read whole', async () => {
    const input = inputFor(webp, 'width=20', 'png');
    const error = await transform({ ...input, bytes: undefined, source: bytesSource('x', webp), maxWholeBytes: webp.length - 1 }).catch((e: unknown) => e);
    expect((error as ImageError).status).toBe(413);
    expect((error as ImageError).detail).toMatch(/MAX_BUFFERED_INPUT_BYTES/);
  });
});

describe('ByteFeed', () => {
  const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);

  it('hands bytes in the pieces asked for, skips lazily, and ends with 0', async () => {
    const feed = ByteFeed.of(bytes, 777);
    const out: number[] = [];
    const take = async (cap: number) => feed.read(cap, (piece) => out.push(...piece));
    expect(await take(10)).toBe(10);
    feed.skip(2000);
    let n;
    while ((n = await take(333)) > 0) expect(n).toBeLessThanOrEqual(333);
    expect(out).toEqual([...bytes.subarray(0, 10), ...bytes.subarray(2010)]);
  });

  it('keeps only a bounded head, filled as the stream passes', async () => {
    const big = new Uint8Array(HEAD_BYTES + 100_000).fill(7);
    const feed = ByteFeed.of(big, 65_536);
    expect((await feed.peek(100)).length).toBeGreaterThanOrEqual(100);
    while ((await feed.read(1 << 20, () => {})) > 0);
    expect(feed.head.length).toBe(HEAD_BYTES);
    expect(feed.received).toBe(big.length);
  });

  it('peek does not consume: readAll after peek is the whole file', async () => {
    const feed = ByteFeed.of(bytes, 1000);
    await feed.peek(2500);
    expect(await feed.readAll()).toEqual(bytes);
  });

  it('reads a byte stream into a few reused buffers, every byte in order whatever the sizes it arrives in', async () => {
    const file = Uint8Array.from({ length: 1_000_003 }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
    let offset = 0;
    let turn = 0;
    const sizes = [1, 4096, 70_000, 65_536, 333, 200_000];
    const stream = new ReadableStream({
      type: 'bytes',
      pull(controller) {
        if (offset >= file.length) return controller.close();
        const request = controller.byobRequest!;
        const view = request.view as Uint8Array;
        const n = Math.min(view.byteLength, sizes[turn++ % sizes.length]!, file.length - offset);
        view.set(file.subarray(offset, offset + n));
        offset += n;
        request.respond(n);
      },
    });
    const feed = new ByteFeed(stream, file.length);
    const out = new Uint8Array(file.length);
    let length = 0;
    let skipped = 0;
    for (let round = 0; ; round++) {
      const n = await feed.read([1, 8192, 65_536, 100_000][round % 4]!, (piece, at) => out.set(piece, length + at));
      if (n === 0) break;
      length += n;
      if (round % 7 === 3 && length + 5000 < file.length) {
        feed.skip(5000);
        out.set(file.subarray(length, length + 5000), length);
        length += 5000;
        skipped++;
      }
    }
    expect(skipped).toBeGreaterThan(3);
    expect(length).toBe(file.length);
    expect(out.findIndex((byte, i) => byte !== file[i])).toBe(-1); // toEqual on a megabyte takes seconds
    // A new 64 KiB buffer per read would be 16 of them for this megabyte: they are reused.
    expect(feed.buffersMade).toBeGreaterThan(0);
    expect(feed.buffersMade).toBeLessThanOrEqual(4);
  });

  it('dispose gives the head and the read buffers back at once: views of them read as empty', async () => {
    const file = Uint8Array.from({ length: 300_000 }, (_, i) => i & 0xff);
    let offset = 0;
    const stream = new ReadableStream({
      type: 'bytes',
      pull(controller) {
        if (offset >= file.length) return controller.close();
        const view = controller.byobRequest!.view as Uint8Array;
        const n = Math.min(view.byteLength, 50_000, file.length - offset);
        view.set(file.subarray(offset, offset + n));
        offset += n;
        controller.byobRequest!.respond(n);
      },
    });
    const feed = new ByteFeed(stream, file.length);
    const pieces: Uint8Array[] = [];
    expect(await feed.read(100, (piece) => pieces.push(piece))).toBe(100);
    const head = feed.head;
    expect(head.length).toBeGreaterThanOrEqual(100);
    expect(pieces[0]!.length).toBe(100);
    feed.dispose();
    // Detached: the memory is gone now, not when V8 next collects.
    expect(head.length).toBe(0);
    expect(head.buffer.byteLength).toBe(0);
    expect(pieces[0]!.length).toBe(0);
    expect(feed.head.length).toBe(0);
    expect(await feed.read(100, () => {})).toBe(0);
  });
});

describe('releaseBuffer', () => {
  it('detaches a buffer (its views read as empty), and leaves alone what cannot be detached', () => {
    const bytes = new Uint8Array(1 << 20).fill(9);
    releaseBuffer(bytes.buffer);
    expect(bytes.length).toBe(0);
    expect(bytes.buffer.byteLength).toBe(0);
    releaseBuffer(bytes.buffer); // twice is harmless
    releaseBuffer(undefined);
    const memory = new WebAssembly.Memory({ initial: 1 });
    releaseBuffer(memory.buffer);
    expect(memory.buffer.byteLength).toBe(65536);
  });
});
