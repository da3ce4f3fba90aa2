// CI check for the committed native module (plain Node, no dependencies): src/pipeline/codec/scaled.wasm matches
// native/build/scaled.wasm.sha256, compiles, has exactly the imports and exports the loader expects, instantiates, decodes
// a sample JPEG at 1/8 and encodes those pixels as WebP, as AVIF, as JPEG and as a two-frame animated WebP. Exit code 1 on any mismatch.
// Usage: node native/build/check.mjs
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const failures = [];
const check = (ok, message) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
  if (!ok) failures.push(message);
};

const [expected, path] = readFileSync(`${root}native/build/scaled.wasm.sha256`, 'utf8').trim().split(/\s+/);
const bytes = readFileSync(`${root}${path}`);
const actual = createHash('sha256').update(bytes).digest('hex');
check(actual === expected, `${path} (${bytes.length} bytes) sha256 ${actual}${actual === expected ? '' : `, expected ${expected}`}`);

const module = await WebAssembly.compile(bytes);
check(true, 'WebAssembly.compile');

const names = (list) => list.map((d) => `${d.module ? `${d.module}.` : ''}${d.name}:${d.kind}`).sort();
const imports = names(WebAssembly.Module.imports(module));
const wantImports = ['env.scaled_fail:function', 'env.scaled_read:function', 'env.scaled_skip:function',
  'wasi_snapshot_preview1.fd_close:function', 'wasi_snapshot_preview1.fd_seek:function',
  'wasi_snapshot_preview1.fd_write:function', 'wasi_snapshot_preview1.proc_exit:function'].sort();
check(JSON.stringify(imports) === JSON.stringify(wantImports), `imports: ${imports.join(', ')}`);
const exports = names(WebAssembly.Module.exports(module));
const wantExports = ['memory:memory', '_initialize:function', 'decode_jpeg:function', 'jpeg_begin:function', 'jpeg_read_strip:function',
  'jpeg_end:function', 'png_begin:function', 'png_read_strip:function', 'png_end:function', 'avif_begin:function', 'avif_read_strip:function', 'avif_end:function', 'decode_webp:function', 'encode_webp:function', 'encode_avif:function', 'encode_jpeg:function', 'alloc:function',
  'release:function',
  'resample:function', 'resample_i16:function', 'icc_transform:function', 'icc_forget:function', 'icc_bytes_in_use:function', 'debug_trap:function',
  'anim_encoder_new:function', 'anim_encoder_add:function', 'anim_encoder_finish:function',
  'anim_reader_new:function', 'anim_reader_next:function', 'anim_reader_end:function'];
for (const name of wantExports) {
  check(exports.includes(name), `exports ${name}`);
}
const unexpected = exports.filter((name) => !wantExports.includes(name));
check(unexpected.length === 0, `no other exports${unexpected.length ? `: ${unexpected.join(', ')}` : ''}`);

// Instantiate as src/pipeline/codec/session.ts does and decode a sample at 1/8.
const sample = `${root}samples/photos/dune.jpg`;
if (existsSync(sample)) {
  const input = readFileSync(sample);
  let offset = 0;
  let memory;
  const instance = await WebAssembly.instantiate(module, {
    env: {
      scaled_fail: (code, message, length) => {
        throw new Error(`decode failed (${code}): ${new TextDecoder().decode(new Uint8Array(memory.buffer, message, length))}`);
      },
      scaled_read: (buffer, capacity) => {
        const chunk = input.subarray(offset, offset + capacity);
        new Uint8Array(memory.buffer).set(chunk, buffer);
        offset += chunk.length;
        return chunk.length;
      },
      scaled_skip: (count) => void (offset += count),
    },
    wasi_snapshot_preview1: { fd_close: () => 8, fd_seek: () => 8, fd_write: () => 8, proc_exit: () => { throw new Error('exit'); } },
  });
  memory = instance.exports.memory;
  instance.exports._initialize();
  const result = instance.exports.decode_jpeg(8, 1 << 26, 1 << 26, 1);
  const [width, height] = new Uint32Array(memory.buffer, result, 2);
  check(width === 210 && height === 132, `dune.jpg (1680×1050) at 1/8 decodes to ${width}×${height} (want 210×132)`);
  // And encodes those pixels back as WebP (the pointer is the third word of the result), which frees them
  // (take_input), so keep a copy for the AVIF encode below.
  const pixels = new Uint32Array(memory.buffer, result, 3)[2];
  const rgba = new Uint8Array(memory.buffer, pixels, width * height * 4).slice();
  const encoded = instance.exports.encode_webp(pixels, width, height, 80, 4, 100, 1);
  const [size, data] = new Uint32Array(memory.buffer, encoded, 2);
  const head = new TextDecoder('latin1').decode(new Uint8Array(memory.buffer, data, 16));
  check(head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP' && size > 100, `encodes it as WebP (${size} bytes, ${JSON.stringify(head.slice(0, 4))}…${JSON.stringify(head.slice(8, 12))})`);
  instance.exports.release(data);
  // And as AVIF: the same pixels copied into memory from alloc(), quality 60, speed 8, opaque, input taken.
  const avifInput = instance.exports.alloc(rgba.length);
  new Uint8Array(memory.buffer, avifInput, rgba.length).set(rgba);
  const avif = instance.exports.encode_avif(avifInput, width, height, 60, 8, 0, 1);
  const [avifSize, avifData] = new Uint32Array(memory.buffer, avif, 2);
  const avifHead = new Uint8Array(memory.buffer, avifData, Math.min(avifSize, 64));
  const boxSize = new DataView(avifHead.buffer, avifHead.byteOffset, 4).getUint32(0);
  const text = (from, to) => new TextDecoder('latin1').decode(avifHead.subarray(from, to));
  // ftyp box: size, 'ftyp', major brand 'avif'; the whole file well under the RGBA size but more than headers.
  check(text(4, 8) === 'ftyp' && text(8, 12) === 'avif' && boxSize >= 16 && boxSize <= 64 && avifSize > 300 && avifSize < rgba.length / 4,
    `encodes it as AVIF (${avifSize} bytes, ftyp box of ${boxSize} bytes, major brand ${JSON.stringify(text(8, 12))})`);
  instance.exports.release(avifData);
  // And as JPEG (libjpeg-turbo): quality 82, progressive, input taken; SOI then a marker, EOI at the end.
  const jpegInput = instance.exports.alloc(rgba.length);
  new Uint8Array(memory.buffer, jpegInput, rgba.length).set(rgba);
  const jpeg = instance.exports.encode_jpeg(jpegInput, width, height, 82, 1, 1);
  const [jpegSize, jpegData] = new Uint32Array(memory.buffer, jpeg, 2);
  const jpegBytes = new Uint8Array(memory.buffer, jpegData, jpegSize);
  const hex = (list) => [...list].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  check(jpegBytes[0] === 0xff && jpegBytes[1] === 0xd8 && jpegBytes[2] === 0xff && jpegBytes[jpegSize - 2] === 0xff &&
    jpegBytes[jpegSize - 1] === 0xd9 && jpegSize > 500 && jpegSize < rgba.length / 4,
    `encodes it as JPEG (${jpegSize} bytes, starts ${hex(jpegBytes.subarray(0, 3))}, ends ${hex(jpegBytes.subarray(jpegSize - 2))})`);
  instance.exports.release(jpegData);
  // And an animated WebP (anim.c): those pixels and their negative as two frames of 100 and 250 ms, looping twice,
  // read back by the animation reader: two frames, their end times, the loop count, the first frame's centre.
  const frameInput = instance.exports.alloc(rgba.length);
  instance.exports.anim_encoder_new(width, height, 80, 4, 100, 2);
  new Uint8Array(memory.buffer, frameInput, rgba.length).set(rgba);
  instance.exports.anim_encoder_add(frameInput, 0);
  new Uint8Array(memory.buffer, frameInput, rgba.length).set(rgba.map((v, i) => (i % 4 === 3 ? v : 255 - v)));
  instance.exports.anim_encoder_add(frameInput, 100);
  const anim = instance.exports.anim_encoder_finish(350);
  const [animSize, animData] = new Uint32Array(memory.buffer, anim, 2);
  const animHead = new TextDecoder('latin1').decode(new Uint8Array(memory.buffer, animData, 48));
  const info = new Uint32Array(memory.buffer, instance.exports.anim_reader_new(animData, animSize), 4).slice();
  const ends = [instance.exports.anim_reader_next(frameInput), instance.exports.anim_reader_next(frameInput)];
  instance.exports.anim_reader_end();
  check(animHead.startsWith('RIFF') && animHead.includes('ANIM') && info[0] === width && info[1] === height && info[2] === 2 && info[3] === 2 && ends[0] === 100 && ends[1] === 350,
    `encodes an animated WebP (${animSize} bytes; read back ${info[0]}×${info[1]}, loop ${info[2]}, ${info[3]} frames ending at ${ends.join(', ')} ms)`);
  instance.exports.release(animData);
  instance.exports.release(frameInput);
  // The module's maximum memory (96 MiB = 1536 pages) holds: one page more cannot be had.
  const pages = memory.buffer.byteLength / 65536;
  let capped = false;
  try {
    memory.grow(1536 - pages + 1);
  } catch (error) {
    capped = error instanceof RangeError;
  }
  check(capped, 'linear memory cannot grow past 96 MiB');
}

if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('scaled.wasm: all checks passed');
