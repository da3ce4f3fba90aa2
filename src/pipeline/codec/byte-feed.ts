/**
 * A master's bytes as they arrive from R2 (or any ReadableStream), handed to a decoder in the pieces it asks for and
 * dropped once read: the file never exists whole in memory, only the chunks not yet read and a bounded copy of its
 * start (`head`, for the header check and the ICC/EXIF steps, which read only what comes before the image data).
 *
 * `read` answers synchronously while a chunk is buffered and with a promise when the next one must be awaited, which
 * is what a `WebAssembly.Suspending` import may return (session.ts); `skip` is always synchronous (it is settled on
 * the next read). The stream may not deliver more bytes than `size` says: a longer one fails the read.
 *
 * @example
 * const feed = new ByteFeed(object.body, object.size);
 * await feed.peek(1024); // feed.head holds the first KiB (or the whole file when smaller)
 */
import { releaseBuffer } from './release.js';

/**
 * When the decoder must wait, the feed waits for at least this much (or the end) before it answers: each wait
 * suspends the decoder's stack (JSPI), which costs far more than a chunk, and streams often come in chunks of a few
 * KiB. So a decoder is suspended about once per 64 KiB, not once per chunk.
 */
const REFILL_BYTES = 64 * 1024;

/** How many read buffers a byte stream's feed keeps for reuse (each REFILL_BYTES). */
const MAX_SPARE_BUFFERS = 2;

/** How much of a file's start is kept: its header (up to 256 KiB of EXIF before a JPEG's SOF) and the largest ICC profile we read. */
export const HEAD_BYTES = 2 * 1024 * 1024;

/** The stream itself failed (R2 went away mid-read, or sent more than its size): storage's fault, not the file's. */
export class FeedError extends Error {
  override readonly name = 'FeedError';
}

export class ByteFeed {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader;
  /** A byte stream (R2's body, a request's) is read REFILL_BYTES at a time (workerd's readAtLeast), not chunk by chunk. */
  readonly #byob: boolean;
  /** Chunks received and not yet read; the first is read from `#position`. */
  readonly #queue: Uint8Array[] = [];
  /**
   * A byte stream's buffers, once read to their end: the next `readAtLeast` fills one of them again instead of a new
   * one. A new 64 KiB buffer per read left the whole file behind as garbage that V8 does not hurry to collect (its
   * backing stores are outside the JavaScript heap); a few reused buffers are all a feed needs.
   */
  readonly #spare: ArrayBuffer[] = [];
  #buffersMade = 0;
  #position = 0;
  /** Bytes in the queue not yet read. */
  #queued = 0;
  /** Bytes to drop before the next read (a skip past what is buffered). */
  #skip = 0;
  #received = 0;
  #done = false;
  readonly #head: Uint8Array;
  #headLength = 0;
  #consumed = false;

  constructor(
    stream: ReadableStream<Uint8Array>,
    readonly size: number,
    headBytes = HEAD_BYTES,
  ) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`a byte feed's size must be a whole number, not ${size}`);
    let reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader | undefined;
    try {
      const byob: ReadableStreamBYOBReader = stream.getReader({ mode: 'byob' });
      // A BYOB reader without workerd's readAtLeast: read chunk by chunk instead.
      if (typeof (byob as { readAtLeast?: unknown }).readAtLeast === 'function') reader = byob;
      else byob.releaseLock();
    } catch {
      reader = undefined; // not a byte stream
    }
    this.#reader = reader ?? stream.getReader();
    this.#byob = reader !== undefined;
    this.#head = new Uint8Array(Math.min(size, headBytes));
  }

  /** A feed over bytes already in memory, delivered in chunks of `chunkBytes` (tests use odd sizes). */
  static of(bytes: Uint8Array, chunkBytes = 64 * 1024): ByteFeed {
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + chunkBytes));
        offset += chunkBytes;
      },
    });
    return new ByteFeed(stream, bytes.length);
  }

  /** The file's first bytes received so far (at most HEAD_BYTES): all of them once the decoder has read past them. */
  get head(): Uint8Array {
    if (this.#headLength === 0) return new Uint8Array(0);
    return this.#head.subarray(0, this.#headLength);
  }

  /** How many bytes the stream has delivered so far. */
  get received(): number {
    return this.#received;
  }

  /** How many read buffers this feed has made (a byte stream's; the others arrive in the stream's own chunks). */
  get buffersMade(): number {
    return this.#buffersMade;
  }

  /** Waits until `head` holds the first `count` bytes (fewer if the file is shorter), without consuming them. */
  async peek(count: number): Promise<Uint8Array> {
    const want = Math.min(count, this.#head.length);
    while (this.#headLength < want && (await this.#pull()));
    return this.head;
  }

  /**
   * Hands the next bytes, at most `capacity`, to `write` (each piece with its offset in the whole read), and says how
   * many: 0 at the end of the file. Synchronous while bytes are buffered; a promise when the next chunks must be
   * awaited (then it waits for REFILL_BYTES, or the end). A piece is valid only inside `write`: copy it there (its
   * buffer is refilled by a later read).
   */
  read(capacity: number, write: (bytes: Uint8Array, offset: number) => void): number | Promise<number> {
    this.#consumed = true;
    this.#dropSkipped();
    if (this.#queued > 0) return this.#take(capacity, write);
    if (this.#done) return 0;
    return this.#readSlow(capacity, write);
  }

  /** Skips `count` bytes (past the end is the end). */
  skip(count: number): void {
    this.#consumed = true;
    this.#skip += count;
    this.#dropSkipped();
  }

  /**
   * The whole file, for decoders that need it at once (WebP, AVIF, GIF, interlaced PNG): only before anything was
   * read. The caller has checked `size` against its limit.
   */
  async readAll(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#consumed) throw new Error('readAll: the feed was already read from');
    this.#consumed = true;
    const bytes = new Uint8Array(this.size);
    let length = 0;
    for (;;) {
      this.#queued = 0;
      for (const chunk of this.#queue.splice(0)) {
        const piece = length === 0 ? chunk.subarray(this.#position) : chunk;
        bytes.set(piece, length);
        length += piece.length;
      }
      this.#position = 0;
      if (!(await this.#pull())) break;
    }
    return length === this.size ? bytes : bytes.slice(0, length);
  }

  /**
   * Cancels what is left of the stream and gives the feed's own memory back at once (its head, its read buffers and
   * the chunks not read): for the end of a transform, when nothing holds `head` or a piece any more.
   */
  dispose(): void {
    // A byte stream's chunks are buffers this feed handed to the reader; another stream's may be shared: left alone.
    if (this.#byob) for (const chunk of this.#queue) releaseBuffer(chunk.buffer);
    this.#queue.length = 0;
    this.#queued = 0;
    this.cancel();
    releaseBuffer(this.#head.buffer);
    this.#headLength = 0;
    for (const buffer of this.#spare.splice(0)) releaseBuffer(buffer);
  }

  /** Stops reading: the rest of the stream is cancelled (a decoder that finished early, or a failure). */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue.length = 0;
    this.#queued = 0;
    this.#reader.cancel().catch(() => {});
  }

  async #readSlow(capacity: number, write: (bytes: Uint8Array, offset: number) => void): Promise<number> {
    const enough = Math.min(capacity, REFILL_BYTES);
    while (this.#queued < enough && (await this.#pull())) this.#dropSkipped();
    return this.#queued > 0 ? this.#take(capacity, write) : 0;
  }

  #take(capacity: number, write: (bytes: Uint8Array, offset: number) => void): number {
    let taken = 0;
    while (taken < capacity && this.#queue.length > 0) {
      const chunk = this.#queue[0]!;
      const piece = chunk.subarray(this.#position, this.#position + capacity - taken);
      write(piece, taken);
      taken += piece.length;
      this.#position += piece.length;
      if (this.#position >= chunk.length) this.#shift();
    }
    this.#queued -= taken;
    return taken;
  }

  #newBuffer(): ArrayBuffer {
    this.#buffersMade++;
    return new ArrayBuffer(REFILL_BYTES);
  }

  /** Drops the first chunk, read to its end, keeping a byte stream's buffer for the next read. */
  #shift(): void {
    const chunk = this.#queue.shift();
    this.#position = 0;
    if (this.#byob && chunk && chunk.buffer.byteLength === REFILL_BYTES && this.#spare.length < MAX_SPARE_BUFFERS) this.#spare.push(chunk.buffer as ArrayBuffer);
  }

  #dropSkipped(): void {
    while (this.#skip > 0 && this.#queue.length > 0) {
      const chunk = this.#queue[0]!;
      const dropped = Math.min(this.#skip, chunk.length - this.#position);
      this.#skip -= dropped;
      this.#queued -= dropped;
      this.#position += dropped;
      if (this.#position >= chunk.length) this.#shift();
    }
    if (this.#done) this.#skip = 0;
  }

  /** Awaits the next chunk into the queue; false at the end of the stream. */
  async #pull(): Promise<boolean> {
    if (this.#done) return false;
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = this.#byob
          ? await (this.#reader as ReadableStreamBYOBReader).readAtLeast(REFILL_BYTES, new Uint8Array(this.#spare.pop() ?? this.#newBuffer()))
          : await (this.#reader as ReadableStreamDefaultReader<Uint8Array>).read();
      } catch (error) {
        this.#done = true;
        throw new FeedError(`reading the master from storage failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      const { done, value } = next;
      if (done) {
        this.#done = true;
        return false;
      }
      if (value.length === 0) continue;
      this.#received += value.length;
      if (this.#received > this.size) {
        this.cancel();
        throw new FeedError(`the stream holds more than the ${this.size} bytes its object's size says`);
      }
      if (this.#headLength < this.#head.length) {
        const piece = value.subarray(0, this.#head.length - this.#headLength);
        this.#head.set(piece, this.#headLength);
        this.#headLength += piece.length;
      }
      this.#queue.push(value);
      this.#queued += value.length;
      return true;
    }
  }
}
