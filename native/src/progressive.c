/*
 * Compact coefficient storage for progressive (and other multi-scan) JPEGs decoded at a reduced DCT scale.
 *
 * libjpeg keeps every DCT coefficient of a multi-scan image until its last scan has arrived: a JBLOCK of 64
 * 16-bit coefficients per 8x8 block, ~3 bytes per pixel at 4:2:0, whatever the output scale. At scale 1/2, 1/4
 * or 1/8 a component is inverse-transformed to 4x4, 2x2 or 1x1 pixels per block (its DCT_scaled_size, K), and a
 * K-point IDCT of the top-left K x K coefficients is all that output needs. So this coefficient controller keeps,
 * per block, only
 *
 *   - the top-left K x K coefficients, as libjpeg's entropy decoders leave them (DC and AC, every refinement), and
 *   - one bit per other coefficient: whether it is nonzero. A progressive file's refinement scans are parsed by
 *     that history (an AC refinement reads a correction bit for every already-nonzero coefficient of its band, and
 *     the arithmetic decoder looks for the last nonzero one), so it must be kept, but never the values,
 *
 * that is K*K + 4 JCOEFs: 10 bytes a block at K = 1, 16 at 2, 40 at 4, against 128. K is the component's IDCT
 * size, at most 4: at 1/2, libjpeg inverse-transforms 4:2:0 chroma at 8x8 (upsampling it inside its IDCT); it keeps
 * its top-left 4x4 here, zero-padded for that IDCT, so chroma detail above half the output's resolution is dropped,
 * as a 4:2:0 output drops it anyway (at 1/4 and 1/8 chroma keeps all its IDCT reads). Before each MCU is decoded its blocks are expanded into a scratch MCU (kept values, and 1 for a discarded
 * coefficient known to be nonzero: only nonzero-ness is ever read there), and compacted after (the kept values,
 * and a SIMD compare of the whole block for the nonzero bits). Output runs the component's IDCT: for 4x4 and 2x2
 * our top-left ones (the kernels of IJG libjpeg 7+, which libjpeg-turbo carries for 3x3, 5x5 … but replaces at 4x4
 * and 2x2 by libjpeg 6b's, which read coefficients beyond K x K), libjpeg's jpeg_idct_1x1 and jpeg_idct_islow for
 * 1x1 and 8x8.
 *
 * It replaces libjpeg's jinit_d_coef_controller through the linker (--wrap): single-scan files and full-scale
 * decodes go to the original (__real_jinit_d_coef_controller) unchanged. Block smoothing (libjpeg's guess at
 * missing AC coefficients of an incomplete progressive file) is not done here: a truncated file is an error in
 * strict mode anyway, and a complete one has nothing to smooth. The arrays are libjpeg virtual arrays sized in
 * JBLOCKs, so max_memory_to_use still bounds them (JERR_NO_BACKING_STORE, FAIL_TOO_LARGE in scaled.c).
 *
 * Licence: consume_data/decompress_data follow libjpeg-turbo 2.1.5's jdcoefct.c, and idct_4x4/idct_2x2 are the
 * kernels of IJG libjpeg 7+'s jidctint.c; this file is therefore under the IJG licence and libjpeg-turbo's Modified
 * BSD licence, as the library is (native/LICENSES/libjpeg-turbo-*). This software is based in part on the work of
 * the Independent JPEG Group.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasm_simd128.h>

#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdct.h" /* jpegint.h comes through jpeglib.h with JPEG_INTERNALS */
#include "jpegcomp.h"

void __real_jinit_d_coef_controller(j_decompress_ptr cinfo, boolean need_full_buffer);
void __wrap_jinit_d_coef_controller(j_decompress_ptr cinfo, boolean need_full_buffer);

/* Coefficients kept per block: K*K values, then 64 bits of "nonzero" for the others. */
#define MASK_COEFS 4

typedef struct {
  struct jpeg_d_coef_controller pub;
  JDIMENSION MCU_ctr;
  int MCU_vert_offset;
  int MCU_rows_per_iMCU_row;
  jvirt_barray_ptr whole_image[MAX_COMPONENTS];
  /* Per component: K stored (1, 2, 4), the size of its IDCT (K or more), and JCOEFs per stored block. */
  int k[MAX_COMPONENTS];
  int k_idct[MAX_COMPONENTS];
  int stride[MAX_COMPONENTS];
  JBLOCK scratch[D_MAX_BLOCKS_IN_MCU];
  JCOEF *stored[D_MAX_BLOCKS_IN_MCU];
  int stored_k[D_MAX_BLOCKS_IN_MCU];
  JBLOCKROW MCU_buffer[D_MAX_BLOCKS_IN_MCU];
  JBLOCK output_block;
  uint64_t kept[DCTSIZE + 1]; /* kept_mask(K), for K = 1, 2, 4 */
} compact_coef_controller;

typedef compact_coef_controller *compact_ptr;

static void start_iMCU_row(j_decompress_ptr cinfo) {
  compact_ptr coef = (compact_ptr)cinfo->coef;
  if (cinfo->comps_in_scan > 1) {
    coef->MCU_rows_per_iMCU_row = 1;
  } else if (cinfo->input_iMCU_row < (cinfo->total_iMCU_rows - 1)) {
    coef->MCU_rows_per_iMCU_row = cinfo->cur_comp_info[0]->v_samp_factor;
  } else {
    coef->MCU_rows_per_iMCU_row = cinfo->cur_comp_info[0]->last_row_height;
  }
  coef->MCU_ctr = 0;
  coef->MCU_vert_offset = 0;
}

static void start_input_pass(j_decompress_ptr cinfo) {
  cinfo->input_iMCU_row = 0;
  start_iMCU_row(cinfo);
}

/* Bit p set: coefficient p (natural order) is among the top-left K x K a component with this K keeps. */
static uint64_t kept_mask(int k) {
  uint64_t m = 0;
  for (int r = 0; r < k; r++)
    for (int c = 0; c < k; c++) m |= (uint64_t)1 << (r * DCTSIZE + c);
  return m;
}

/* Stored block -> whole JBLOCK: kept values, 1 where a discarded coefficient is nonzero, 0 elsewhere. */
static void expand(const JCOEF *stored, int k, JCOEF *block) {
  memset(block, 0, sizeof(JBLOCK));
  uint64_t bits;
  memcpy(&bits, stored + k * k, sizeof bits);
  while (bits) {
    block[__builtin_ctzll(bits)] = 1;
    bits &= bits - 1;
  }
  for (int r = 0; r < k; r++)
    for (int c = 0; c < k; c++) block[r * DCTSIZE + c] = stored[r * k + c];
}

/* Whole JBLOCK -> stored block: the kept values, and which of the others are nonzero (8 coefficients a SIMD step). */
static void compact(const JCOEF *block, int k, uint64_t kept, JCOEF *stored) {
  uint64_t nonzero = 0;
  for (int i = 0; i < DCTSIZE; i++) {
    v128_t v = wasm_v128_load(block + i * DCTSIZE);
    nonzero |= (uint64_t)wasm_i16x8_bitmask(wasm_i16x8_ne(v, wasm_i16x8_splat(0))) << (i * DCTSIZE);
  }
  nonzero &= ~kept;
  memcpy(stored + k * k, &nonzero, sizeof nonzero);
  for (int r = 0; r < k; r++)
    for (int c = 0; c < k; c++) stored[r * k + c] = block[r * DCTSIZE + c];
}

/* Reads one iMCU row of the current scan into the compact arrays (libjpeg's consume_data, plus expand/compact). */
static int consume_data(j_decompress_ptr cinfo) {
  compact_ptr coef = (compact_ptr)cinfo->coef;
  JBLOCKARRAY buffer[MAX_COMPS_IN_SCAN];

  for (int ci = 0; ci < cinfo->comps_in_scan; ci++) {
    jpeg_component_info *compptr = cinfo->cur_comp_info[ci];
    buffer[ci] = (*cinfo->mem->access_virt_barray)((j_common_ptr)cinfo, coef->whole_image[compptr->component_index],
                                                  cinfo->input_iMCU_row * compptr->v_samp_factor,
                                                  (JDIMENSION)compptr->v_samp_factor, TRUE);
  }
  for (int yoffset = coef->MCU_vert_offset; yoffset < coef->MCU_rows_per_iMCU_row; yoffset++) {
    for (JDIMENSION MCU_col_num = coef->MCU_ctr; MCU_col_num < cinfo->MCUs_per_row; MCU_col_num++) {
      int blkn = 0;
      for (int ci = 0; ci < cinfo->comps_in_scan; ci++) {
        jpeg_component_info *compptr = cinfo->cur_comp_info[ci];
        int index = compptr->component_index;
        int k = coef->k[index], stride = coef->stride[index];
        JDIMENSION start_col = MCU_col_num * compptr->MCU_width;
        for (int yindex = 0; yindex < compptr->MCU_height; yindex++) {
          JCOEF *row = (JCOEF *)buffer[ci][yindex + yoffset];
          for (int xindex = 0; xindex < compptr->MCU_width; xindex++, blkn++) {
            JCOEF *stored = row + (size_t)(start_col + xindex) * stride;
            coef->stored[blkn] = stored;
            coef->stored_k[blkn] = k;
            if (k == DCTSIZE) {
              coef->MCU_buffer[blkn] = (JBLOCKROW)stored;
            } else {
              expand(stored, k, coef->scratch[blkn]);
              coef->MCU_buffer[blkn] = &coef->scratch[blkn];
            }
          }
        }
      }
      if (!cinfo->entropy->insufficient_data) cinfo->master->last_good_iMCU_row = cinfo->input_iMCU_row;
      if (!(*cinfo->entropy->decode_mcu)(cinfo, coef->MCU_buffer)) {
        /* Suspension (not with our source manager, which never suspends): nothing was compacted, so the blocks
           are as they were and the MCU is decoded again from its start, as libjpeg's own controller does. */
        coef->MCU_vert_offset = yoffset;
        coef->MCU_ctr = MCU_col_num;
        return JPEG_SUSPENDED;
      }
      for (int b = 0; b < blkn; b++) {
        int k = coef->stored_k[b];
        if (k != DCTSIZE) compact(coef->scratch[b], k, coef->kept[k], coef->stored[b]);
      }
    }
    coef->MCU_ctr = 0;
  }
  if (++(cinfo->input_iMCU_row) < cinfo->total_iMCU_rows) {
    start_iMCU_row(cinfo);
    return JPEG_ROW_COMPLETED;
  }
  (*cinfo->inputctl->finish_input_pass)(cinfo);
  return JPEG_SCAN_COMPLETED;
}

#define CONST_BITS 13
#define PASS1_BITS 2
#define ONE ((JLONG)1)
#define FIX_0_541196100 ((JLONG)4433)
#define FIX_0_765366865 ((JLONG)6270)
#define FIX_1_847759065 ((JLONG)15137)
#define MULTIPLY(var, const) ((var) * (const))
#define DEQUANTIZE(coef, quantval) (((ISLOW_MULT_TYPE)(coef)) * (quantval))

/* 4x4 output from the top-left 4x4 coefficients (IJG libjpeg 7+'s jpeg_idct_4x4, in libjpeg-turbo's conventions). */
static void idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf,
                     JDIMENSION output_col) {
  JLONG tmp0, tmp2, tmp10, tmp12, z1, z2, z3;
  SHIFT_TEMPS
  ISLOW_MULT_TYPE *quantptr = (ISLOW_MULT_TYPE *)compptr->dct_table;
  JSAMPLE *range_limit = IDCT_range_limit(cinfo);
  int workspace[4 * 4];
  JCOEFPTR inptr = coef_block;
  int *wsptr = workspace;
  for (int ctr = 0; ctr < 4; ctr++, inptr++, quantptr++, wsptr++) {
    tmp0 = DEQUANTIZE(inptr[DCTSIZE * 0], quantptr[DCTSIZE * 0]);
    tmp2 = DEQUANTIZE(inptr[DCTSIZE * 2], quantptr[DCTSIZE * 2]);
    tmp10 = LEFT_SHIFT(tmp0 + tmp2, PASS1_BITS);
    tmp12 = LEFT_SHIFT(tmp0 - tmp2, PASS1_BITS);
    z2 = DEQUANTIZE(inptr[DCTSIZE * 1], quantptr[DCTSIZE * 1]);
    z3 = DEQUANTIZE(inptr[DCTSIZE * 3], quantptr[DCTSIZE * 3]);
    z1 = MULTIPLY(z2 + z3, FIX_0_541196100);
    z1 += ONE << (CONST_BITS - PASS1_BITS - 1);
    tmp0 = RIGHT_SHIFT(z1 + MULTIPLY(z2, FIX_0_765366865), CONST_BITS - PASS1_BITS);
    tmp2 = RIGHT_SHIFT(z1 - MULTIPLY(z3, FIX_1_847759065), CONST_BITS - PASS1_BITS);
    wsptr[4 * 0] = (int)(tmp10 + tmp0);
    wsptr[4 * 3] = (int)(tmp10 - tmp0);
    wsptr[4 * 1] = (int)(tmp12 + tmp2);
    wsptr[4 * 2] = (int)(tmp12 - tmp2);
  }
  wsptr = workspace;
  for (int ctr = 0; ctr < 4; ctr++, wsptr += 4) {
    JSAMPROW outptr = output_buf[ctr] + output_col;
    tmp0 = (JLONG)wsptr[0] + (ONE << (PASS1_BITS + 2));
    tmp2 = (JLONG)wsptr[2];
    tmp10 = LEFT_SHIFT(tmp0 + tmp2, CONST_BITS);
    tmp12 = LEFT_SHIFT(tmp0 - tmp2, CONST_BITS);
    z2 = (JLONG)wsptr[1];
    z3 = (JLONG)wsptr[3];
    z1 = MULTIPLY(z2 + z3, FIX_0_541196100);
    tmp0 = z1 + MULTIPLY(z2, FIX_0_765366865);
    tmp2 = z1 - MULTIPLY(z3, FIX_1_847759065);
    outptr[0] = range_limit[(int)RIGHT_SHIFT(tmp10 + tmp0, CONST_BITS + PASS1_BITS + 3) & RANGE_MASK];
    outptr[3] = range_limit[(int)RIGHT_SHIFT(tmp10 - tmp0, CONST_BITS + PASS1_BITS + 3) & RANGE_MASK];
    outptr[1] = range_limit[(int)RIGHT_SHIFT(tmp12 + tmp2, CONST_BITS + PASS1_BITS + 3) & RANGE_MASK];
    outptr[2] = range_limit[(int)RIGHT_SHIFT(tmp12 - tmp2, CONST_BITS + PASS1_BITS + 3) & RANGE_MASK];
  }
}

/* 2x2 output from the top-left 2x2 coefficients (IJG libjpeg 7+'s jpeg_idct_2x2). */
static void idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf,
                     JDIMENSION output_col) {
  ISLOW_MULT_TYPE *quantptr = (ISLOW_MULT_TYPE *)compptr->dct_table;
  JSAMPLE *range_limit = IDCT_range_limit(cinfo);
  JLONG tmp0, tmp1, tmp2, tmp3, tmp4, tmp5;
  SHIFT_TEMPS
  tmp4 = DEQUANTIZE(coef_block[DCTSIZE * 0], quantptr[DCTSIZE * 0]);
  tmp5 = DEQUANTIZE(coef_block[DCTSIZE * 1], quantptr[DCTSIZE * 1]);
  tmp4 += ONE << 2;
  tmp0 = tmp4 + tmp5;
  tmp2 = tmp4 - tmp5;
  tmp4 = DEQUANTIZE(coef_block[DCTSIZE * 0 + 1], quantptr[DCTSIZE * 0 + 1]);
  tmp5 = DEQUANTIZE(coef_block[DCTSIZE * 1 + 1], quantptr[DCTSIZE * 1 + 1]);
  tmp1 = tmp4 + tmp5;
  tmp3 = tmp4 - tmp5;
  JSAMPROW out0 = output_buf[0] + output_col, out1 = output_buf[1] + output_col;
  out0[0] = range_limit[(int)RIGHT_SHIFT(tmp0 + tmp1, 3) & RANGE_MASK];
  out0[1] = range_limit[(int)RIGHT_SHIFT(tmp0 - tmp1, 3) & RANGE_MASK];
  out1[0] = range_limit[(int)RIGHT_SHIFT(tmp2 + tmp3, 3) & RANGE_MASK];
  out1[1] = range_limit[(int)RIGHT_SHIFT(tmp2 - tmp3, 3) & RANGE_MASK];
}

/* One iMCU row of output from the compact arrays (libjpeg's decompress_data, with our IDCTs for K < 8). */
static int decompress_data(j_decompress_ptr cinfo, JSAMPIMAGE output_buf) {
  compact_ptr coef = (compact_ptr)cinfo->coef;
  JDIMENSION last_iMCU_row = cinfo->total_iMCU_rows - 1;
  while (cinfo->input_scan_number < cinfo->output_scan_number ||
         (cinfo->input_scan_number == cinfo->output_scan_number && cinfo->input_iMCU_row <= cinfo->output_iMCU_row)) {
    if ((*cinfo->inputctl->consume_input)(cinfo) == JPEG_SUSPENDED) return JPEG_SUSPENDED;
  }
  jpeg_component_info *compptr = cinfo->comp_info;
  for (int ci = 0; ci < cinfo->num_components; ci++, compptr++) {
    if (!compptr->component_needed) continue;
    JBLOCKARRAY buffer = (*cinfo->mem->access_virt_barray)((j_common_ptr)cinfo, coef->whole_image[ci],
                                                          cinfo->output_iMCU_row * compptr->v_samp_factor,
                                                          (JDIMENSION)compptr->v_samp_factor, FALSE);
    int block_rows;
    if (cinfo->output_iMCU_row < last_iMCU_row) {
      block_rows = compptr->v_samp_factor;
    } else {
      block_rows = (int)(compptr->height_in_blocks % compptr->v_samp_factor);
      if (block_rows == 0) block_rows = compptr->v_samp_factor;
    }
    int k = coef->k[ci], stride = coef->stride[ci], k_idct = coef->k_idct[ci];
    inverse_DCT_method_ptr inverse_DCT = k_idct == 4   ? idct_4x4
                                         : k_idct == 2 ? idct_2x2
                                         : k_idct == 1 ? jpeg_idct_1x1
                                                       : cinfo->idct->inverse_DCT[ci];
    JSAMPARRAY output_ptr = output_buf[ci];
    /* A zero-padded IDCT reads past K: clear what another component's larger K may have left there. */
    if (k < k_idct) memset(coef->output_block, 0, sizeof(JBLOCK));
    for (int block_row = 0; block_row < block_rows; block_row++) {
      JCOEF *row = (JCOEF *)buffer[block_row];
      JDIMENSION output_col = 0;
      for (JDIMENSION block_num = cinfo->master->first_MCU_col[ci]; block_num <= cinfo->master->last_MCU_col[ci];
           block_num++) {
        JCOEF *stored = row + (size_t)block_num * stride;
        JCOEFPTR block = stored;
        if (k != DCTSIZE) {
          /* The IDCT reads its top-left k_idct x k_idct: K x K from here, zeros past them (cleared above). */
          for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++) coef->output_block[r * DCTSIZE + c] = stored[r * k + c];
          block = coef->output_block;
        }
        (*inverse_DCT)(cinfo, compptr, block, output_ptr, output_col);
        output_col += compptr->_DCT_scaled_size;
      }
      output_ptr += compptr->_DCT_scaled_size;
    }
  }
  if (++(cinfo->output_iMCU_row) < cinfo->total_iMCU_rows) return JPEG_ROW_COMPLETED;
  return JPEG_SCAN_COMPLETED;
}

static void start_output_pass(j_decompress_ptr cinfo) { cinfo->output_iMCU_row = 0; }

/* A component's IDCT size, if this controller can work with it (1, 2, 4 or 8), else 0. */
static int idct_size(jpeg_component_info *compptr) {
  int k = compptr->_DCT_scaled_size;
  return k == 1 || k == 2 || k == 4 || k == DCTSIZE ? k : 0;
}

void __wrap_jinit_d_coef_controller(j_decompress_ptr cinfo, boolean need_full_buffer) {
  int ci;
  jpeg_component_info *compptr;
  /* Each component keeps the top-left K x K its IDCT reads, at most 4 x 4: a component libjpeg inverse-transforms
     at 8 x 8 at a reduced scale (4:2:0 chroma at 1/2, upsampled inside its IDCT) keeps 4 x 4, zero-padded. */
  int usable = need_full_buffer && !cinfo->buffered_image && cinfo->dct_method == JDCT_ISLOW &&
               cinfo->data_precision == 8 && cinfo->_min_DCT_scaled_size < DCTSIZE;
  for (ci = 0, compptr = cinfo->comp_info; usable && ci < cinfo->num_components; ci++, compptr++) {
    if (idct_size(compptr) == 0) usable = 0;
  }
  if (!usable) {
    __real_jinit_d_coef_controller(cinfo, need_full_buffer);
    return;
  }

  compact_ptr coef = (compact_ptr)(*cinfo->mem->alloc_small)((j_common_ptr)cinfo, JPOOL_IMAGE, sizeof(compact_coef_controller));
  memset(coef, 0, sizeof *coef);
  cinfo->coef = (struct jpeg_d_coef_controller *)coef;
  coef->pub.start_input_pass = start_input_pass;
  coef->pub.start_output_pass = start_output_pass;
  coef->pub.consume_data = consume_data;
  coef->pub.decompress_data = decompress_data;
  /* Non-NULL tells libjpeg the image is buffered; nothing here reads these arrays as JBLOCKs (no transcoding). */
  coef->pub.coef_arrays = coef->whole_image;
  for (int n = 1; n < DCTSIZE; n *= 2) coef->kept[n] = kept_mask(n);
  for (ci = 0, compptr = cinfo->comp_info; ci < cinfo->num_components; ci++, compptr++) {
    int k = idct_size(compptr) < 4 ? idct_size(compptr) : 4;
    coef->k[ci] = k;
    coef->k_idct[ci] = idct_size(compptr);
    coef->stride[ci] = k * k + MASK_COEFS;
    long blocks = jround_up((long)compptr->width_in_blocks, (long)compptr->h_samp_factor);
    /* A row of `blocks` stored blocks, in whole JBLOCKs of the virtual array (pre-zeroed by libjpeg). */
    long row_jblocks = (blocks * coef->stride[ci] + DCTSIZE2 - 1) / DCTSIZE2;
    coef->whole_image[ci] = (*cinfo->mem->request_virt_barray)(
        (j_common_ptr)cinfo, JPOOL_IMAGE, TRUE, (JDIMENSION)row_jblocks,
        (JDIMENSION)jround_up((long)compptr->height_in_blocks, (long)compptr->v_samp_factor),
        (JDIMENSION)compptr->v_samp_factor);
  }
}
