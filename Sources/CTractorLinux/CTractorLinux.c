//===----------------------------------------------------------------------===//
// Tractor for Swift — C shims for the Linux calls Swift cannot import.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
#define _GNU_SOURCE
#include "CTractorLinux.h"
#include <stddef.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int ctractor_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int ctractor_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int ctractor_install_signal_handler(int signal, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(signal, &action, NULL);
}

int ctractor_reset_signal_handler(int signal) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    return sigaction(signal, &action, NULL);
}

int ctractor_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
#else
    (void)actions; (void)lowest;
    return ENOSYS;
#endif
}

const char *const ctractor_spawn_marker_variable = "TRACTOR_SPAWN";
const char *const ctractor_process_name_variable = "TRACTOR_PROCESS_NAME";

#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int inherited_descriptors_closed = 0;

int ctractor_inherited_descriptors_closed(void) { return inherited_descriptors_closed; }

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The parent's pid from the marker (SpawnMarker.encoded: hex fields joined by ':', the version "1" first and the
   parent's pid, as decimal text, third), or 0 when the marker is not of that version. */
static pid_t marker_parent_pid(const char *marker) {
    const char *field = marker;
    for (int index = 0; index < 2; index++) {
        if (index == 0 && strncmp(field, "31:", 3) != 0) return 0;
        field = strchr(field, ':');
        if (field == NULL) return 0;
        field++;
    }
    long pid = 0;
    int digits = 0;
    while (field[0] != '\0' && field[0] != ':') {
        int high = hex_digit(field[0]);
        int low = field[1] == '\0' ? -1 : hex_digit(field[1]);
        if (high < 0 || low < 0) return 0;
        int character = high * 16 + low;
        if (character < '0' || character > '9' || ++digits > 10) return 0;
        pid = pid * 10 + (character - '0');
        field += 2;
    }
    return pid > 0 && pid <= 0x7fffffff ? (pid_t)pid : 0;
}

/* Closes every descriptor above 2 without close-on-exec: what survived the exec, since the libraries loaded before
   this constructor open theirs with O_CLOEXEC. */
static void close_inherited_descriptors(void) {
    int closed;
    do {
        int found[256];
        int count = 0;
        closed = 0;
        DIR *directory = opendir("/proc/self/fd");
        if (directory == NULL) {
            for (int fd = 3; fd < 1024; fd++) {
                int flags = fcntl(fd, F_GETFD);
                if (flags >= 0 && (flags & FD_CLOEXEC) == 0 && close(fd) == 0) inherited_descriptors_closed++;
            }
            return;
        }
        int own = dirfd(directory);
        struct dirent *entry;
        while ((entry = readdir(directory)) != NULL && count < 256) {
            char *end = NULL;
            long fd = strtol(entry->d_name, &end, 10);
            if (end == entry->d_name || *end != '\0' || fd < 3 || fd == own) continue;
            int flags = fcntl((int)fd, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0) found[count++] = (int)fd;
        }
        closedir(directory);
        for (int index = 0; index < count; index++) {
            if (close(found[index]) == 0) closed++;
        }
        inherited_descriptors_closed += closed;
    } while (closed == 256);
}

/* Runs before main in every process: in one started as an actor (the marker is set), before any Swift code. */
__attribute__((constructor)) static void ctractor_spawned_process_init(void) {
    const char *marker = getenv(ctractor_spawn_marker_variable);
    if (marker == NULL) return;
    (void)prctl(PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL);
    pid_t parent = marker_parent_pid(marker);
    /* The parent died before the line above: no signal will come, so go now. */
    if (parent != 0 && getppid() != parent) _exit(70);
    close_inherited_descriptors();
    /* The command name the parent chose (ProcessTitle.name), set on the main thread before any other thread starts
       (the threads it starts inherit it, unless they name themselves); then the variable leaves the environment, so
       that no process this one starts inherits it. */
    const char *name = getenv(ctractor_process_name_variable);
    if (name != NULL) {
        if (name[0] != '\0') (void)prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
        unsetenv(ctractor_process_name_variable);
    }
}

int ctractor_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int ctractor_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

int ctractor_set_child_subreaper(int enable) {
    return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)(enable ? 1 : 0), 0UL, 0UL, 0UL);
}

int ctractor_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}

int ctractor_sched_setaffinity(pid_t tid, size_t size, const unsigned long *mask) {
    return (int)syscall(SYS_sched_setaffinity, tid, size, mask);
}

#include <sched.h>
#include <stdint.h>

/* The first published layout of struct sched_attr (48 bytes), which every kernel with sched_setattr accepts. */
struct ctractor_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int ctractor_request_time_slice(unsigned long long nanoseconds) {
    return ctractor_request_time_slice_of(0, nanoseconds);
}

int ctractor_request_time_slice_of(pid_t tid, unsigned long long nanoseconds) {
    struct ctractor_sched_attr attr;
    memset(&attr, 0, sizeof(attr));
    if (syscall(SYS_sched_getattr, tid, &attr, (unsigned int)sizeof(attr), 0U) != 0) return -1;
    if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH) {
        errno = EPERM;
        return -1;
    }
    attr.size = (uint32_t)sizeof(attr);
    attr.sched_flags &= 0x01; /* SCHED_FLAG_RESET_ON_FORK, the one flag worth keeping */
    attr.sched_runtime = nanoseconds;
    attr.sched_deadline = 0;
    attr.sched_period = 0;
    return (int)syscall(SYS_sched_setattr, tid, &attr, 0U);
}

long long ctractor_time_slice(void) {
    struct ctractor_sched_attr attr;
    memset(&attr, 0, sizeof(attr));
    if (syscall(SYS_sched_getattr, 0, &attr, (unsigned int)sizeof(attr), 0U) != 0) return -1;
    return (long long)attr.sched_runtime;
}

int ctractor_sched_getaffinity(pid_t tid, size_t size, unsigned long *mask) {
    return (int)syscall(SYS_sched_getaffinity, tid, size, mask);
}

int ctractor_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode) {
    return (int)syscall(SYS_set_mempolicy, mode, nodemask, maxnode);
}

int ctractor_get_mempolicy(int *mode, unsigned long *nodemask, unsigned long maxnode) {
    return (int)syscall(SYS_get_mempolicy, mode, nodemask, maxnode, (void *)0, 0UL);
}
#else
int ctractor_inherited_descriptors_closed(void) { return 0; }
int ctractor_pidfd_open(pid_t pid) { (void)pid; errno = ENOSYS; return -1; }
int ctractor_set_parent_death_signal(int signal) { (void)signal; errno = ENOSYS; return -1; }
int ctractor_set_child_subreaper(int enable) { (void)enable; errno = ENOSYS; return -1; }
int ctractor_set_thread_name(const char *name) { (void)name; errno = ENOSYS; return -1; }
int ctractor_sched_setaffinity(pid_t tid, size_t size, const unsigned long *mask) {
    (void)tid; (void)size; (void)mask; errno = ENOSYS; return -1;
}
int ctractor_request_time_slice(unsigned long long nanoseconds) { (void)nanoseconds; errno = ENOSYS; return -1; }
int ctractor_request_time_slice_of(pid_t tid, unsigned long long nanoseconds) {
    (void)tid; (void)nanoseconds; errno = ENOSYS; return -1;
}
long long ctractor_time_slice(void) { errno = ENOSYS; return -1; }
int ctractor_sched_getaffinity(pid_t tid, size_t size, unsigned long *mask) {
    (void)tid; (void)size; (void)mask; errno = ENOSYS; return -1;
}
int ctractor_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode) {
    (void)mode; (void)nodemask; (void)maxnode; errno = ENOSYS; return -1;
}
int ctractor_get_mempolicy(int *mode, unsigned long *nodemask, unsigned long maxnode) {
    (void)mode; (void)nodemask; (void)maxnode; errno = ENOSYS; return -1;
}
#endif

#include <sys/timerfd.h>
#include <time.h>

int ctractor_current_cpu(void) { return sched_getcpu(); }

static _Thread_local int loop_jobs_inline = 0;

int ctractor_loop_jobs_inline(void) { return loop_jobs_inline; }

int ctractor_set_loop_jobs_inline(int value) {
    int previous = loop_jobs_inline;
    loop_jobs_inline = value;
    return previous;
}

int ctractor_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int ctractor_timerfd_arm(int fd, long long nanoseconds) {
    if (nanoseconds < 1) nanoseconds = 1;
    struct itimerspec spec = {
        .it_interval = {0, 0},
        .it_value = {(time_t)(nanoseconds / 1000000000LL), (long)(nanoseconds % 1000000000LL)},
    };
    return timerfd_settime(fd, 0, &spec, NULL);
}

#ifdef __linux__
pid_t ctractor_gettid(void) { return (pid_t)syscall(SYS_gettid); }
#else
pid_t ctractor_gettid(void) { return getpid(); }
#endif
