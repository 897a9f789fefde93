#ifndef BLOOM_CZEROMQ_SHIM_H
#define BLOOM_CZEROMQ_SHIM_H
#include <zmq.h>

#ifdef __linux__
#include <pthread.h>
/// Names the calling thread (Linux keeps 15 bytes): shown by top -H, perf and debuggers. Declared here because
/// glibc exposes pthread_setname_np only under _GNU_SOURCE, which Swift's Glibc module is not built with.
static inline int bloom_set_current_thread_name(const char *name) {
    extern int pthread_setname_np(pthread_t thread, const char *name);
    return pthread_setname_np(pthread_self(), name);
}
#else
static inline int bloom_set_current_thread_name(const char *name) {
    (void)name;
    return 0;
}
#endif

#endif
