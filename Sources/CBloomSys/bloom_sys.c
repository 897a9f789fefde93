#define _GNU_SOURCE
#include "bloom_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct bloom_parent_watch {
    int sig;
    int result;
    int error;
    sem_t armed;
};

/* The kernel keeps the parent-death signal per thread and forgets it when that thread exits. A Swift async main
   runs on libdispatch workers, which exit after a few idle seconds: armed there, the signal was lost, and a
   service outlived a kill -9 of its supervisor until its heartbeat watch noticed (found by Scripts/chaos). So a
   thread of its own arms it and then sleeps, every signal blocked, for the life of the process. */
static void *bloom_parent_watch_thread(void *raw) {
    struct bloom_parent_watch *watch = raw;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    watch->result = prctl(PR_SET_PDEATHSIG, (unsigned long)watch->sig, 0, 0, 0);
    watch->error = errno;
    sem_post(&watch->armed);
    for (;;) pause();
    return NULL;
}

int bloom_set_parent_death_signal(int sig) {
    /* Never freed: the thread uses it for as long as the process lives. */
    struct bloom_parent_watch *watch = calloc(1, sizeof *watch);
    pthread_t thread;
    pthread_attr_t attr;
    int rc;
    if (watch == NULL) return -1;
    watch->sig = sig;
    if (sem_init(&watch->armed, 0, 0) != 0) return -1;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    rc = pthread_create(&thread, &attr, bloom_parent_watch_thread, watch);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    while (sem_wait(&watch->armed) != 0 && errno == EINTR) {}
    errno = watch->error;
    return watch->result;
}

int bloom_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int bloom_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
}

pid_t bloom_spawn(const char *path, char *const argv[], char *const envp[], int output_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none, all;
    pid_t pid = 0;
    int rc;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* Nothing else is inherited: descriptors opened without O_CLOEXEC by libraries in the supervisor (SwiftNIO's
       listening and accepted sockets of the HTTP server) must not stay open in every service. */
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    /* Its own process group: a Ctrl-C at the supervisor's terminal reaches the supervisor only, which then
       stops the services in order instead of every process dying at once. */
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    rc = posix_spawn(&pid, path, &actions, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc == 0 ? pid : -rc;
}

int bloom_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
