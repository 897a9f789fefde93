#ifndef BLOOM_SYS_H
#define BLOOM_SYS_H
#include <sys/types.h>
#include <signal.h>

/// prctl(PR_SET_PDEATHSIG, sig) from a thread started for it that lives as long as the process (the kernel forgets
/// the setting when the thread that made it exits; prctl is also variadic, which Swift cannot call). Waits until it
/// is armed. Returns 0 or -1 (errno set).
int bloom_set_parent_death_signal(int sig);

/// Blocks `count` signals in the calling thread (and threads it creates later) and returns a signalfd
/// that reads them, close-on-exec and non-blocking; -1 on error (errno set).
int bloom_signalfd(const int *signals, int count);

/// Reads one signal number from a signalfd made by bloom_signalfd; 0 when none is pending, -1 on error.
int bloom_signalfd_read(int fd);

/// Spawns `path` with `argv`/`envp` (NULL-terminated) in a new process group, with every signal unblocked and
/// set to its default, stdin from /dev/null and stdout/stderr to `output_fd`. Returns the pid, or -errno.
pid_t bloom_spawn(const char *path, char *const argv[], char *const envp[], int output_fd);
/// pipe2(fds, O_CLOEXEC): a pipe whose ends no other spawned child inherits. 0 or -1 (errno set).
int bloom_pipe_cloexec(int fds[2]);
/// The git revision this binary was built from ("3c0cd31", "3c0cd31-dirty"), or "" when the build did not
/// record one (see bloom_revision.c).
const char *bloom_git_revision(void);
#endif
