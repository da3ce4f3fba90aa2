/*
 * PNG decoded as a stream of row strips (png_begin / png_read_strip / png_end), like the JPEG stream: the file is read
 * from JS in 64 KiB pieces (scaled_read), IDAT is inflated by zlib (Debian's zlib, built into the module) one row at a
 * time, unfiltered against the row above, and converted to 8-bit RGBA into a strip of rows that the resampler
 * (resample.c, through open_stream_row) or the loader reads. Memory is two filtered rows and the strip, whatever the
 * image's size.
 *
 * Every colour type and depth: grey 1/2/4/8/16, RGB 8/16, palette 1/2/4/8 (PLTE, tRNS alpha; an index past the
 * palette is opaque black, as png-rs gives it), grey+alpha 8/16, RGBA 8/16; tRNS for grey and RGB (compared at the
 * file's depth). 16-bit samples become their high byte, as png-rs's strip-16 does. Low depths are scaled to 8 bits
 * (v * 255 / (2^d - 1)). Straight alpha.
 *
 * Checks: signature; IHDR (length 13, allowed colour type / depth pairs, compression and filter method 0); interlaced
 * files are FAIL_UNSUPPORTED (the loader decodes those whole, under its own limit); the CRC of every critical chunk
 * (IHDR, PLTE, IDAT, IEND) -- a mismatch is FAIL_CORRUPT, ancillary chunks are skipped unread; an unknown critical
 * chunk is FAIL_PNG; filter types 0..4; zlib errors (including its Adler-32) and image data that ends before the last
 * row are FAIL_CORRUPT; png_end() drains the zlib stream to its end and walks the chunks to IEND.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zlib.h"

#include "scaled.h"

IMPORT(scaled_read) size_t scaled_read(uint8_t *buf, size_t cap);
IMPORT(scaled_skip) void scaled_skip(size_t n);

#define INPUT_CHUNK 65536
#define FAIL_PNG 9

/* What png_begin returns, read by the loader: the same eight uint32s as scaled.c's decode report. */
static struct {
  uint32_t width, height, data, source_width, source_height, color_space, flags, input_bytes_in_heap;
} report;

static struct {
  int open;
  uint32_t width, height, depth, colour, channels, bpp, stride;
  uint8_t palette[256 * 4];
  int palette_size;
  int has_trns;
  uint16_t trns[3];
  /* Raw input from JS (malloc'd by png_begin: no static memory in instances that never decode a PNG). */
  uint8_t *in;
  size_t in_len, in_pos;
  /* IDAT: bytes left in the current chunk, its running CRC, and whether the image data has ended. */
  uint32_t idat_left, idat_crc;
  int idat_done;
  uint8_t *zin;
  z_stream z;
  int z_open, z_end;
  uint8_t *cur, *prev;
  uint8_t *strip;
  uint32_t strip_rows, strip_first, strip_count, rows_done;
  /* The chunk header png_end() starts from when IDAT ended at a new chunk. */
  int pending;
  uint32_t pending_length;
  char pending_type[5];
} png;

static void corrupt(const char *what) {
  char message[200];
  snprintf(message, sizeof message, "the PNG is corrupt: %s", what);
  fail(FAIL_CORRUPT, message);
}

static void read_exact(uint8_t *dst, size_t n, const char *what) {
  while (n) {
    if (png.in_pos == png.in_len) {
      png.in_len = scaled_read(png.in, INPUT_CHUNK);
      png.in_pos = 0;
      if (png.in_len == 0) {
        char message[160];
        snprintf(message, sizeof message, "the file ends inside %s", what);
        corrupt(message);
      }
    }
    size_t take = png.in_len - png.in_pos < n ? png.in_len - png.in_pos : n;
    memcpy(dst, png.in + png.in_pos, take);
    png.in_pos += take;
    dst += take;
    n -= take;
  }
}

static void skip(size_t n) {
  size_t buffered = png.in_len - png.in_pos;
  if (n <= buffered) {
    png.in_pos += n;
    return;
  }
  png.in_pos = png.in_len;
  scaled_skip(n - buffered);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void chunk_header(uint32_t *length, char type[5]) {
  uint8_t h[8];
  read_exact(h, 8, "a chunk header");
  *length = be32(h);
  memcpy(type, h + 4, 4);
  type[4] = 0;
  if (*length > 0x7fffffffu) corrupt("a chunk length over 2^31");
}

static int is_critical(const char type[5]) { return (type[0] & 0x20) == 0; }

/* Reads a whole small chunk's data (at most cap bytes) and checks its CRC. */
static void small_chunk(const char type[5], uint32_t length, uint8_t *data, uint32_t cap) {
  char what[64];
  snprintf(what, sizeof what, "its %s chunk", type);
  if (length > cap) {
    snprintf(what, sizeof what, "a %s chunk of %u bytes", type, length);
    corrupt(what);
  }
  read_exact(data, length, what);
  uint8_t c[4];
  read_exact(c, 4, what);
  uint32_t crc = crc32(crc32(0L, (const Bytef *)type, 4), data, length);
  if (crc != be32(c)) {
    snprintf(what, sizeof what, "the CRC of its %s chunk does not match", type);
    corrupt(what);
  }
}

static void skip_chunk(const char type[5], uint32_t length) {
  if (is_critical(type)) {
    char message[80];
    snprintf(message, sizeof message, "the PNG has an unknown critical chunk '%s'", type);
    fail(FAIL_PNG, message);
  }
  skip((size_t)length + 4);
}

/* Feeds zlib the next piece of image data; 0 when the IDAT chunks have ended. */
static int fill_idat(void) {
  while (png.idat_left == 0) {
    if (png.idat_done) return 0;
    uint8_t c[4];
    read_exact(c, 4, "an IDAT chunk's CRC");
    if (png.idat_crc != be32(c)) corrupt("the CRC of an IDAT chunk does not match");
    uint32_t length;
    char type[5];
    chunk_header(&length, type);
    if (memcmp(type, "IDAT", 4) != 0) {
      png.idat_done = 1;
      png.pending = 1;
      png.pending_length = length;
      memcpy(png.pending_type, type, 5);
      return 0;
    }
    png.idat_left = length;
    png.idat_crc = crc32(0L, (const Bytef *)"IDAT", 4);
  }
  uInt n = png.idat_left < INPUT_CHUNK ? png.idat_left : (uInt)INPUT_CHUNK;
  read_exact(png.zin, n, "an IDAT chunk");
  png.idat_crc = crc32(png.idat_crc, png.zin, n);
  png.idat_left -= n;
  png.z.next_in = png.zin;
  png.z.avail_in = n;
  return 1;
}

/* Inflates exactly n bytes into out; fails if the image data or the zlib stream ends first. */
static void inflate_exact(uint8_t *out, size_t n) {
  png.z.next_out = out;
  png.z.avail_out = (uInt)n;
  while (png.z.avail_out) {
    if (png.z.avail_in == 0 && !fill_idat()) {
      char message[120];
      snprintf(message, sizeof message, "its image data ends at row %u of %u", png.rows_done, png.height);
      corrupt(message);
    }
    int ret = inflate(&png.z, Z_NO_FLUSH);
    if (ret == Z_STREAM_END) {
      png.z_end = 1;
      if (png.z.avail_out) {
        char message[120];
        snprintf(message, sizeof message, "its zlib stream ends at row %u of %u", png.rows_done, png.height);
        corrupt(message);
      }
    } else if (ret == Z_MEM_ERROR) {
      fail(FAIL_NO_MEMORY, "out of memory in zlib");
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
      char message[160];
      snprintf(message, sizeof message, "zlib: %s", png.z.msg ? png.z.msg : "data error");
      corrupt(message);
    }
  }
}

static uint8_t paeth(int a, int b, int c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

static void unfilter(uint8_t *row, const uint8_t *prev, uint32_t stride, uint32_t bpp) {
  uint8_t type = row[0];
  uint8_t *x = row + 1;
  const uint8_t *up = prev + 1;
  switch (type) {
    case 0: break;
    case 1: for (uint32_t i = bpp; i < stride; i++) x[i] = (uint8_t)(x[i] + x[i - bpp]); break;
    case 2: for (uint32_t i = 0; i < stride; i++) x[i] = (uint8_t)(x[i] + up[i]); break;
    case 3:
      for (uint32_t i = 0; i < stride; i++) x[i] = (uint8_t)(x[i] + (((i >= bpp ? x[i - bpp] : 0) + up[i]) >> 1));
      break;
    case 4:
      for (uint32_t i = 0; i < stride; i++)
        x[i] = (uint8_t)(x[i] + paeth(i >= bpp ? x[i - bpp] : 0, up[i], i >= bpp ? up[i - bpp] : 0));
      break;
    default: {
      char message[80];
      snprintf(message, sizeof message, "row %u has filter type %u", png.rows_done, type);
      corrupt(message);
    }
  }
}

/* Sample i of a row at the file's depth (1, 2, 4, 8, 16; 16-bit as its full value). */
static inline uint32_t sample(const uint8_t *x, uint32_t i, uint32_t depth) {
  switch (depth) {
    case 16: return (uint32_t)x[2 * i] << 8 | x[2 * i + 1];
    case 8: return x[i];
    default: {
      uint32_t per = 8 / depth, shift = 8 - depth * (i % per + 1);
      return (x[i / per] >> shift) & ((1u << depth) - 1);
    }
  }
}

/* A sample at the file's depth as 8 bits: the high byte of 16, low depths scaled (v * 255 / (2^d - 1)). */
static inline uint8_t to8(uint32_t v, uint32_t depth) {
  switch (depth) {
    case 16: return (uint8_t)(v >> 8);
    case 8: return (uint8_t)v;
    case 4: return (uint8_t)(v * 17);
    case 2: return (uint8_t)(v * 85);
    default: return (uint8_t)(v * 255);
  }
}

static void to_rgba(const uint8_t *x, uint8_t *out) {
  uint32_t w = png.width, d = png.depth;
  switch (png.colour) {
    case 0:
      for (uint32_t i = 0; i < w; i++, out += 4) {
        uint32_t v = sample(x, i, d);
        out[0] = out[1] = out[2] = to8(v, d);
        out[3] = png.has_trns && v == png.trns[0] ? 0 : 255;
      }
      break;
    case 2:
      for (uint32_t i = 0; i < w; i++, out += 4) {
        uint32_t r = sample(x, 3 * i, d), g = sample(x, 3 * i + 1, d), b = sample(x, 3 * i + 2, d);
        out[0] = to8(r, d);
        out[1] = to8(g, d);
        out[2] = to8(b, d);
        out[3] = png.has_trns && r == png.trns[0] && g == png.trns[1] && b == png.trns[2] ? 0 : 255;
      }
      break;
    case 3:
      for (uint32_t i = 0; i < w; i++, out += 4) {
        uint32_t v = sample(x, i, d);
        if ((int)v < png.palette_size) {
          memcpy(out, png.palette + 4 * v, 4);
        } else {
          out[0] = out[1] = out[2] = 0;
          out[3] = 255;
        }
      }
      break;
    case 4:
      for (uint32_t i = 0; i < w; i++, out += 4) {
        out[0] = out[1] = out[2] = to8(sample(x, 2 * i, d), d);
        out[3] = to8(sample(x, 2 * i + 1, d), d);
      }
      break;
    default:
      for (uint32_t i = 0; i < w; i++, out += 4) {
        for (int c = 0; c < 4; c++) out[c] = to8(sample(x, 4 * i + (uint32_t)c, d), d);
      }
  }
}

static void next_row(uint8_t *out) {
  inflate_exact(png.cur, (size_t)png.stride + 1);
  unfilter(png.cur, png.prev, png.stride, png.bpp);
  to_rgba(png.cur + 1, out);
  uint8_t *t = png.prev;
  png.prev = png.cur;
  png.cur = t;
  png.rows_done++;
}

static void close_png(void) {
  if (png.z_open) inflateEnd(&png.z);
  free(png.cur);
  free(png.prev);
  free(png.strip);
  free(png.in);
  free(png.zin);
  memset(&png, 0, sizeof png);
}

/*
 * Starts a streamed decode of the PNG that scaled_read() delivers: the report says its size and `data` is a strip of
 * `rows` RGBA rows that png_read_strip() refills. max_strip_bytes bounds the strip.
 */
EXPORT(png_begin) void *png_begin(uint32_t rows, uint32_t max_strip_bytes) {
  uint32_t w, h;
  if (png.open || jpeg_stream_size(&w, &h) || avif_stream_size(&w, &h)) fail(FAIL_STATE, "a stream is already open in this instance");
  if (rows == 0) fail(FAIL_STATE, "a strip needs at least one row");
  memset(&png, 0, sizeof png);
  png.open = 1;
  png.in = malloc(INPUT_CHUNK);
  png.zin = malloc(INPUT_CHUNK);
  if (!png.in || !png.zin) fail(FAIL_NO_MEMORY, "out of memory for PNG input");
  uint8_t sig[8];
  read_exact(sig, 8, "its signature");
  static const uint8_t want[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (memcmp(sig, want, 8) != 0) fail(FAIL_PNG, "not a PNG (signature)");
  uint32_t length;
  char type[5];
  chunk_header(&length, type);
  if (memcmp(type, "IHDR", 4) != 0 || length != 13) fail(FAIL_PNG, "the PNG does not start with a 13-byte IHDR");
  uint8_t ihdr[13];
  small_chunk(type, length, ihdr, 13);
  png.width = be32(ihdr);
  png.height = be32(ihdr + 4);
  png.depth = ihdr[8];
  png.colour = ihdr[9];
  if (png.width == 0 || png.height == 0 || png.width > 0x7fffffu || png.height > 0x7fffffu) fail(FAIL_PNG, "the PNG's size is 0 or over 2^23");
  static const uint8_t channels[7] = {1, 0, 3, 1, 2, 0, 4};
  int depth_ok = png.colour == 0   ? (png.depth == 1 || png.depth == 2 || png.depth == 4 || png.depth == 8 || png.depth == 16)
                 : png.colour == 3 ? (png.depth == 1 || png.depth == 2 || png.depth == 4 || png.depth == 8)
                 : (png.colour == 2 || png.colour == 4 || png.colour == 6) ? (png.depth == 8 || png.depth == 16)
                                                                            : 0;
  if (!depth_ok) fail(FAIL_PNG, "the PNG's colour type and bit depth are not a valid pair");
  if (ihdr[10] != 0 || ihdr[11] != 0) fail(FAIL_PNG, "the PNG has an unknown compression or filter method");
  if (ihdr[12] == 1) fail(FAIL_UNSUPPORTED, "an interlaced (Adam7) PNG cannot be streamed");
  if (ihdr[12] != 0) fail(FAIL_PNG, "the PNG has an unknown interlace method");
  png.channels = channels[png.colour];
  uint32_t bits = png.width * png.channels * png.depth; /* < 2^23 * 4 * 16 = 2^29 */
  png.stride = (bits + 7) / 8;
  png.bpp = png.channels * png.depth >= 8 ? png.channels * png.depth / 8 : 1;

  /* Chunks before the image data: PLTE, tRNS; other ancillary ones skipped unread. */
  uint8_t data[768];
  for (;;) {
    chunk_header(&length, type);
    if (memcmp(type, "IDAT", 4) == 0) break;
    if (memcmp(type, "IEND", 4) == 0) corrupt("IEND before any image data");
    if (memcmp(type, "PLTE", 4) == 0) {
      small_chunk(type, length, data, 768);
      if (length % 3 != 0 || length == 0) corrupt("a PLTE whose length is not a multiple of 3");
      png.palette_size = (int)(length / 3);
      for (int i = 0; i < png.palette_size; i++) {
        memcpy(png.palette + 4 * i, data + 3 * i, 3);
        png.palette[4 * i + 3] = 255;
      }
    } else if (memcmp(type, "tRNS", 4) == 0) {
      if (length > 256) {
        skip_chunk(type, length);
        continue;
      }
      read_exact(data, length, "its tRNS chunk");
      skip(4);
      if (png.colour == 3) {
        for (uint32_t i = 0; i < length && (int)i < 256; i++) png.palette[4 * i + 3] = data[i];
      } else if (png.colour == 0 && length >= 2) {
        png.has_trns = 1;
        png.trns[0] = (uint16_t)(data[0] << 8 | data[1]);
      } else if (png.colour == 2 && length >= 6) {
        png.has_trns = 1;
        for (int c = 0; c < 3; c++) png.trns[c] = (uint16_t)(data[2 * c] << 8 | data[2 * c + 1]);
      }
    } else {
      skip_chunk(type, length);
    }
  }
  if (png.colour == 3 && png.palette_size == 0) corrupt("a palette image without a PLTE chunk");

  uint64_t strip_bytes = (uint64_t)png.width * rows * 4;
  if (strip_bytes > max_strip_bytes) fail(FAIL_TOO_LARGE, "a strip of rows is over the limit");
  png.cur = calloc(png.stride + 1, 1);
  png.prev = calloc(png.stride + 1, 1);
  png.strip = malloc((size_t)strip_bytes);
  if (!png.cur || !png.prev || !png.strip) fail(FAIL_NO_MEMORY, "out of memory for PNG rows");
  if (inflateInit(&png.z) != Z_OK) fail(FAIL_NO_MEMORY, "out of memory in zlib");
  png.z_open = 1;
  png.idat_left = length;
  png.idat_crc = crc32(0L, (const Bytef *)"IDAT", 4);
  png.strip_rows = rows;

  report.width = report.source_width = png.width;
  report.height = report.source_height = png.height;
  report.data = (uint32_t)(uintptr_t)png.strip;
  report.color_space = png.colour;
  report.flags = (png.colour == 4 || png.colour == 6 || png.has_trns || png.colour == 3) ? 4u : 0u;
  report.input_bytes_in_heap = 2 * INPUT_CHUNK;
  return &report;
}

/* Decodes the next rows into the strip; returns how many (0 once every row has been read). */
EXPORT(png_read_strip) uint32_t png_read_strip(void) {
  if (!png.open) fail(FAIL_STATE, "no PNG decode is open");
  uint32_t left = png.height - png.rows_done;
  uint32_t n = left < png.strip_rows ? left : png.strip_rows;
  for (uint32_t i = 0; i < n; i++) next_row(png.strip + (size_t)i * png.width * 4);
  png.strip_first += png.strip_count;
  png.strip_count = n;
  return n;
}

/* For resample.c: row y of the open PNG stream, reading strips up to it. */
static const uint8_t *png_row(uint32_t y) {
  if (y < png.strip_first) fail(FAIL_STATE, "a PNG stream row was asked for after the strip moved past it");
  while (y >= png.strip_first + png.strip_count) {
    if (!png_read_strip()) fail(FAIL_STATE, "the PNG stream ended before the row asked for");
  }
  return png.strip + (size_t)(y - png.strip_first) * png.width * 4;
}

/* Reads the rows left, the rest of the zlib stream (so its Adler-32 is checked) and the chunks to IEND; frees. */
EXPORT(png_end) void png_end(void) {
  if (!png.open) fail(FAIL_STATE, "no PNG decode is open");
  while (png_read_strip()) {
  }
  /* A valid stream has nothing after the last row but its end and Adler-32; extra rows' worth is tolerated, more
     is refused, so a small file cannot make us inflate gigabytes here (a zlib bomb past the image). */
  uint8_t scratch[1024];
  size_t extra = 0;
  while (!png.z_end) {
    if (png.z.avail_in == 0 && !fill_idat()) corrupt("its zlib stream is cut short after the last row");
    png.z.next_out = scratch;
    png.z.avail_out = sizeof scratch;
    int ret = inflate(&png.z, Z_NO_FLUSH);
    extra += sizeof scratch - png.z.avail_out;
    if (extra > 65536) corrupt("more than 64 KiB of image data after its last row");
    if (ret == Z_STREAM_END) png.z_end = 1;
    else if (ret != Z_OK && ret != Z_BUF_ERROR) corrupt(png.z.msg ? png.z.msg : "zlib data error after the last row");
  }
  /* Whatever is left of the IDAT chunks (nothing, or trailing bytes), then the chunks after them, to IEND. */
  while (fill_idat()) png.z.avail_in = 0;
  uint32_t length = png.pending_length;
  char type[5];
  memcpy(type, png.pending_type, 5);
  for (;;) {
    if (memcmp(type, "IEND", 4) == 0) {
      uint8_t none[1];
      small_chunk(type, length, none, 0);
      break;
    }
    if (memcmp(type, "IDAT", 4) == 0) skip((size_t)length + 4); /* image data after the zlib stream's end */
    else skip_chunk(type, length);
    chunk_header(&length, type);
  }
  close_png();
}

/* For resample.c: the open stream (JPEG or PNG), its size and its rows. */
int open_stream_size(uint32_t *width, uint32_t *height) {
  if (jpeg_stream_size(width, height)) return 1;
  if (avif_stream_size(width, height)) return 1;
  if (!png.open) return 0;
  *width = png.width;
  *height = png.height;
  return 1;
}

const uint8_t *open_stream_row(uint32_t y) {
  uint32_t w, h;
  return png.open ? png_row(y) : avif_stream_size(&w, &h) ? avif_row(y) : jpeg_row(y);
}
