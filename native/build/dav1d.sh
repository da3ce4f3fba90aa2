# dav1d, the AV1 decoder of the AVIF decoder (sourced by build.sh, not run on its own): Debian bookworm's dav1d 1.0.0
# source package, its C sources compiled directly with the module's flags (no meson): the bit-depth templates
# (*_tmpl.c) twice, with -DBITDEPTH=8 and -DBITDEPTH=16, as its src/meson.build does; no assembly (none exists for
# WebAssembly), no logging, no threads. config.h, vcs_version.h and dav1d/version.h are ours (native/src/dav1d/, what
# meson would generate for this target); native/src/wasi-shim/pthread.h stands in for the pthreads wasi-libc lacks
# (libavif opens dav1d with one thread and a frame delay of 1, so none is ever started); native/src/dav1d-alloc.c
# turns its failed allocations into the module's out-of-memory failure. libavif's codec_dav1d.c
# (native/build/avif.sh) is the caller; native/src/avif-dav1d-release.c wraps it.
#
# Uses build.sh's BUILD_DIR and HERE.

DAV1D_PKG="dav1d" DAV1D_VERSION="${DAV1D_VERSION:-1.0.0-2+deb12u1}" DAV1D_DIR="dav1d-1.0.0"

# src/meson.build's libdav1d_sources and libdav1d_entrypoints_sources (lib.c, thread_task.c), all of them.
DAV1D_SOURCES=(cdf cpu data decode dequant_tables getbits intra_edge itx_1d lf_mask log mem msac obu picture qm ref
  refmvs scan tables warpmv wedge lib thread_task)
# src/meson.build's libdav1d_tmpl_sources, compiled once per bit depth.
DAV1D_TMPL_SOURCES=(cdef_apply_tmpl cdef_tmpl fg_apply_tmpl filmgrain_tmpl ipred_prepare_tmpl ipred_tmpl itx_tmpl
  lf_apply_tmpl loopfilter_tmpl looprestoration_tmpl lr_apply_tmpl mc_tmpl recon_tmpl)

# The include path of dav1d's headers, for its callers (libavif's codec_dav1d.c, avif-dav1d-release.c).
dav1d_includes() {
  echo "-I$BUILD_DIR/src/$DAV1D_DIR/include|-I$HERE/../src/dav1d/dav1d"
}

# Appends dav1d's compile jobs (build.sh's "object|source|flags..." lines) to the array named $1.
dav1d_jobs() {
  local -n out=$1
  local src="$BUILD_DIR/src/$DAV1D_DIR" obj="$BUILD_DIR/obj/dav1d" f bits
  mkdir -p "$obj"
  # Our config.h and the pthread shim first; dav1d's own include/ and its root (its "src/..." includes).
  local inc="-I$HERE/../src/dav1d|-I$HERE/../src/dav1d/dav1d|-I$HERE/../src/wasi-shim|-I$src/include|-I$src"
  # Its allocations go through native/src/dav1d-alloc.c, which fails the decode as out of memory (not as corrupt).
  inc+="|-Dmalloc=dav1d_wasm_malloc|-Dcalloc=dav1d_wasm_calloc|-Drealloc=dav1d_wasm_realloc|-Dposix_memalign=dav1d_wasm_posix_memalign"
  for f in "${DAV1D_SOURCES[@]}"; do
    out+=("$obj/$f.o|$src/src/$f.c|$inc|-std=c99|-D_POSIX_C_SOURCE=200112L")
  done
  for bits in 8 16; do
    for f in "${DAV1D_TMPL_SOURCES[@]}"; do
      out+=("$obj/${f}_$bits.o|$src/src/$f.c|$inc|-std=c99|-D_POSIX_C_SOURCE=200112L|-DBITDEPTH=$bits")
    done
  done
  out+=("$obj/dav1d-alloc.o|$HERE/../src/dav1d-alloc.c|-I$HERE/../src|-Wall|-Wextra|-Werror")
}

dav1d_licences() {
  cp "$BUILD_DIR/src/$DAV1D_DIR/COPYING" "$1/dav1d-COPYING"
}
