/*
 * pthread.h for dav1d in the wasm32-wasi build of the codec module (on dav1d's include path only; see
 * native/build/dav1d.sh). wasi-libc as built here has no threads, and dav1d is opened with n_threads = 1 and
 * max_frame_delay = 1 (libavif's codec_dav1d.c, decoder->maxThreads = 1), so it never starts a thread and never
 * waits on a condition: its locks only guard state no other thread can touch. So:
 *   - mutexes and condition signals do nothing and succeed;
 *   - pthread_once runs its function the first time (dav1d_open's table initialisation needs that);
 *   - pthread_create fails (EAGAIN), so a build that asked for threads would get an error from dav1d_open, not a
 *     hang; pthread_cond_wait, which only a worker thread or a frame-threaded caller reaches, traps rather than
 *     wait for a signal nobody can send (a trap is a failed, discarded instance, like any other).
 * The types are wasi-libc's own (sys/types.h), so this header and wasi-libc's headers agree.
 */
#ifndef EDGE_IMAGE_WASI_PTHREAD_H
#define EDGE_IMAGE_WASI_PTHREAD_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

#define PTHREAD_ONCE_INIT 0

static inline int pthread_attr_init(pthread_attr_t *attr) { (void)attr; return 0; }
static inline int pthread_attr_destroy(pthread_attr_t *attr) { (void)attr; return 0; }
static inline int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size) { (void)attr; (void)size; return 0; }

static inline int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
  (void)thread; (void)attr; (void)start; (void)arg;
  return EAGAIN;
}
static inline int pthread_join(pthread_t thread, void **result) { (void)thread; (void)result; return ESRCH; }

static inline int pthread_once(pthread_once_t *once, void (*init)(void)) {
  if (!*once) {
    *once = 1;
    init();
  }
  return 0;
}

static inline int pthread_mutex_init(pthread_mutex_t *mutex, const void *attr) { (void)mutex; (void)attr; return 0; }
static inline int pthread_mutex_destroy(pthread_mutex_t *mutex) { (void)mutex; return 0; }
static inline int pthread_mutex_lock(pthread_mutex_t *mutex) { (void)mutex; return 0; }
static inline int pthread_mutex_unlock(pthread_mutex_t *mutex) { (void)mutex; return 0; }

static inline int pthread_cond_init(pthread_cond_t *cond, const void *attr) { (void)cond; (void)attr; return 0; }
static inline int pthread_cond_destroy(pthread_cond_t *cond) { (void)cond; return 0; }
static inline int pthread_cond_signal(pthread_cond_t *cond) { (void)cond; return 0; }
static inline int pthread_cond_broadcast(pthread_cond_t *cond) { (void)cond; return 0; }
static inline int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex) {
  (void)cond; (void)mutex;
  __builtin_trap();
}

#endif
