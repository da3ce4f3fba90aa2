/*
 * dav1d's allocations, for the module's error model. dav1d answers a failed malloc with DAV1D_ERR(ENOMEM), which
 * libavif 0.11.1's codec_dav1d.c reports as AVIF_RESULT_DECODE_COLOR_FAILED / _ALPHA_FAILED: indistinguishable from a
 * corrupt file. So dav1d's sources are compiled with malloc/calloc/realloc/posix_memalign renamed to these
 * (native/build/dav1d.sh), which fail the decode with FAIL_NO_MEMORY (the 96 MiB cap was reached: a 413, as libavif's
 * own allocator does in avif.c) instead of returning NULL. The instance is then discarded, like after any failure.
 */
#include <stddef.h>
#include <stdlib.h>

#include "scaled.h"

static __attribute__((noreturn)) void out_of_memory(void) { fail(FAIL_NO_MEMORY, "out of memory in the AV1 decoder (dav1d)"); }

void *dav1d_wasm_malloc(size_t size) {
  void *p = malloc(size);
  if (!p && size) out_of_memory();
  return p;
}

void *dav1d_wasm_calloc(size_t count, size_t size) {
  void *p = calloc(count, size);
  if (!p && count && size) out_of_memory();
  return p;
}

void *dav1d_wasm_realloc(void *old, size_t size) {
  void *p = realloc(old, size);
  if (!p && size) out_of_memory();
  return p;
}

int dav1d_wasm_posix_memalign(void **out, size_t align, size_t size) {
  int result = posix_memalign(out, align, size);
  if (result && size) out_of_memory();
  return result;
}
