/** gateUpload: R2 gets a chunk only after the validator took it, the last only after release(); fail() errors R2's side. */
import { describe, expect, it } from 'vitest';
import { gateUpload, openUpload } from '../../src/limits/upload-stream.js';

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

/** Reads R2's side in the background, counting bytes; `done` settles with the total or the error. */
function drain(stream: ReadableStream<Uint8Array>) {
  const seen = { bytes: 0 };
  const reader = stream.getReader();
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return seen.bytes;
      seen.bytes += value.length;
    }
  })();
  done.catch(() => {});
  return { seen, done };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('gateUpload', () => {
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i & 0xff);

  it('opens with the head, and forwards each chunk once the validator asks for the next; the last after release()', async () => {
    const opened = await openUpload(chunked(bytes, 1000), bytes.length, 2500);
    expect(opened.complete).toBe(false);
    expect(opened.head).toEqual(bytes.subarray(0, 2500));
    const gate = gateUpload(opened);
    const r2 = drain(gate.forR2);
    const validator = gate.forValidator.getReader();
    const got: Uint8Array[] = [];
    for (let r = await validator.read(); !r.done; r = await validator.read()) {
      got.push(r.value);
      await settle();
      // Everything before the chunk the validator holds has been forwarded, not that chunk.
      expect(r2.seen.bytes).toBe(got.slice(0, -1).reduce((n, c) => n + c.length, 0));
    }
    const all = new Uint8Array(got.reduce((n, c) => n + c.length, 0));
    got.reduce((at, c) => (all.set(c, at), at + c.length), 0);
    expect(all).toEqual(bytes);
    await settle();
    expect(r2.seen.bytes).toBe(bytes.length - got.at(-1)!.length);
    await gate.release();
    expect(await r2.done).toBe(bytes.length);
  });

  it('release() forwards what the validator did not read (it stopped early)', async () => {
    const gate = gateUpload(await openUpload(chunked(bytes, 1000), bytes.length, 2500));
    const r2 = drain(gate.forR2);
    const validator = gate.forValidator.getReader();
    await validator.read();
    await validator.read();
    await validator.cancel();
    await gate.release();
    expect(await r2.done).toBe(bytes.length);
  });

  it('fail() errors R2`s stream and stops reading the body', async () => {
    const gate = gateUpload(await openUpload(chunked(bytes, 1000), bytes.length, 2500));
    const r2 = drain(gate.forR2);
    const validator = gate.forValidator.getReader();
    await validator.read();
    await validator.read();
    gate.fail(new Error('corrupt'));
    await expect(r2.done).rejects.toThrow();
    expect(r2.seen.bytes).toBeLessThan(bytes.length);
  });

  it('a body shorter than its length is complete in the head; a longer one is refused', async () => {
    const whole = await openUpload(chunked(bytes, 3000), bytes.length, 20_000);
    expect(whole.complete).toBe(true);
    expect(whole.head).toEqual(bytes);
    await expect(openUpload(chunked(bytes, 3000), 5000, 20_000)).rejects.toMatchObject({ status: 400 });
  });
});
