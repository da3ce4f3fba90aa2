/**
 * An upload's body streamed into R2 while it is validated. The route first reads the body's start (`openUpload`,
 * up to HEAD_BYTES: the header check and format sniffing happen on it before anything is streamed). Then
 * `gateUpload` feeds the chunks to the validator and to R2's put (a FixedLengthStream of the declared length): a
 * chunk is forwarded to R2 only once the validator has taken it and asked for the next, and the last chunk is held
 * back until `release()` (validation passed). `fail()` errors the put's stream, so the put rejects and nothing is
 * stored, whatever R2 had already received.
 *
 * @example
 * const opened = await openUpload(request, length);
 * const gate = gateUpload(opened);
 * const put = bucket.put(key, gate.forR2, options);
 * try { await validate(gate.forValidator); } catch (e) { gate.fail(e); throw e; }
 * await gate.release(); await put;
 */
import { ImageError } from '../http/problem.js';

/** The start of a body, and the reader for the rest. */
export interface OpenedUpload {
  /** The declared Content-Length. */
  readonly length: number;
  /** The first bytes (up to the `headBytes` asked for, or the whole body when shorter). */
  readonly head: Uint8Array;
  /** True when `head` is the whole body. */
  readonly complete: boolean;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
}

function aborted(received: number): ImageError {
  return new ImageError(400, 'upload-aborted', `the body broke off after ${received} bytes; nothing was stored`);
}

function longer(length: number): ImageError {
  return new ImageError(400, 'bad-content-length', `the body is longer than its Content-Length (${length} bytes); nothing was stored`);
}

/** Reads a body with a declared `length` until `headBytes` of it (or all of it) are in memory. */
export async function openUpload(body: ReadableStream<Uint8Array> | null, length: number, headBytes: number): Promise<OpenedUpload> {
  const reader = (body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() })).getReader();
  const want = Math.min(length, headBytes);
  const head = new Uint8Array(want);
  let size = 0;
  let complete = false;
  const spill: Uint8Array[] = [];
  while (size < want) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      throw aborted(size);
    }
    if (next.done) {
      complete = true;
      break;
    }
    const piece = next.value.subarray(0, want - size);
    head.set(piece, size);
    size += piece.length;
    if (piece.length < next.value.length) spill.push(next.value.subarray(piece.length));
  }
  if (complete || length <= headBytes) {
    // Everything there is should be in `head`: one more read confirms the end (and catches a body longer than said).
    if (!complete) {
      const next = await reader.read().catch(() => {
        throw aborted(size);
      });
      if (!next.done && next.value.length > 0) {
        await reader.cancel().catch(() => {});
        throw longer(length);
      }
    }
    if (spill.length > 0) throw longer(length);
    return { length, head: head.subarray(0, size), complete: true, reader };
  }
  // A chunk that straddled the head's end: the head keeps a copy, the rest goes back in front of the reader.
  return { length, head, complete: false, reader: spill.length > 0 ? prepend(reader, spill) : reader };
}

/** A reader that answers `first` before the rest of `reader`. */
function prepend(reader: ReadableStreamDefaultReader<Uint8Array>, first: Uint8Array[]): ReadableStreamDefaultReader<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = first.shift();
      if (chunk) return controller.enqueue(chunk);
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 }).getReader();
}

/** The rest of an opened body after its head, read whole (a format whose decoder needs the whole file). */
export async function readRest(opened: OpenedUpload): Promise<Uint8Array> {
  if (opened.complete) return opened.head;
  const bytes = new Uint8Array(opened.length);
  bytes.set(opened.head);
  let size = opened.head.length;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await opened.reader.read();
    } catch {
      throw aborted(size);
    }
    if (next.done) break;
    if (size + next.value.length > opened.length) {
      await opened.reader.cancel().catch(() => {});
      throw longer(opened.length);
    }
    bytes.set(next.value, size);
    size += next.value.length;
  }
  return bytes.subarray(0, size);
}

export interface UploadGate {
  /** The body from its first byte, for the validator (a chunk is handed over only when asked for). */
  readonly forValidator: ReadableStream<Uint8Array>;
  /** The body for R2's put: exactly `length` bytes, the last of them only after `release()`. */
  readonly forR2: ReadableStream<Uint8Array>;
  /** Validation passed: forwards what was held back and the rest of the body (if the validator stopped early), and closes. */
  release(): Promise<void>;
  /** Validation failed (or the put did): errors R2's stream and stops reading the body. */
  fail(reason: unknown): void;
  /** The body's own failure (it broke off, or was longer than declared), if there was one. */
  readonly bodyError: ImageError | undefined;
  /** Bytes read from the body so far. */
  readonly received: number;
}

export function gateUpload(opened: OpenedUpload): UploadGate {
  const fixed = new FixedLengthStream(opened.length);
  const writer = fixed.writable.getWriter();
  const pending: Uint8Array[] = [opened.head];
  let held: Uint8Array | undefined;
  let received = 0;
  let bodyError: ImageError | undefined;
  let failed = false;
  // One step at a time: a pull and release() never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const run = queue.then(step);
    queue = run.catch(() => {});
    return run;
  };

  const next = async (): Promise<Uint8Array | undefined> => {
    const first = pending.shift();
    if (first) {
      received += first.length;
      return first;
    }
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await opened.reader.read();
    } catch {
      throw (bodyError = aborted(received));
    }
    if (result.done) return undefined;
    received += result.value.length;
    if (received > opened.length) throw (bodyError = longer(opened.length));
    return result.value;
  };

  const forValidator = new ReadableStream<Uint8Array>(
    {
      pull: (controller) =>
        serial(async () => {
          const chunk = await next();
          if (!chunk) return controller.close(); // the last chunk stays held until release()
          // The validator took the previous chunk and asks for more: R2 may have it now.
          if (held) await writer.write(held);
          held = chunk;
          controller.enqueue(chunk);
        }),
      // The validator stopped reading (it finished before the end, or failed): release() forwards the rest.
      cancel: () => {},
    },
    { highWaterMark: 0 },
  );

  return {
    forValidator,
    forR2: fixed.readable,
    get bodyError() {
      return bodyError;
    },
    get received() {
      return received;
    },
    release: () =>
      serial(async () => {
        if (failed) throw new Error('release: the upload already failed');
        if (held) await writer.write(held);
        held = undefined;
        for (let chunk = await next(); chunk; chunk = await next()) await writer.write(chunk);
        if (received !== opened.length) throw (bodyError = aborted(received));
        await writer.close();
      }).catch((error) => {
        fail(error);
        throw error;
      }),
    fail,
  };

  function fail(reason: unknown): void {
    if (failed) return;
    failed = true;
    held = undefined;
    pending.length = 0;
    writer.abort(reason).catch(() => {});
    opened.reader.cancel().catch(() => {});
  }
}
