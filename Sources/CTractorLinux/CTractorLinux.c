//===----------------------------------------------------------------------===//
// Tractor for Swift — C shims for the Linux calls Swift cannot import.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
#define _GNU_SOURCE
#include "CTractorLinux.h"
#include <stddef.h>
#include <sys/socket.h>

int ctractor_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
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

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>

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
    struct ctractor_sched_attr attr;
    memset(&attr, 0, sizeof(attr));
    if (syscall(SYS_sched_getattr, 0, &attr, (unsigned int)sizeof(attr), 0U) != 0) return -1;
    if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH) {
        errno = EPERM;
        return -1;
    }
    attr.size = (uint32_t)sizeof(attr);
    attr.sched_flags &= 0x01; /* SCHED_FLAG_RESET_ON_FORK, the one flag worth keeping */
    attr.sched_runtime = nanoseconds;
    attr.sched_deadline = 0;
    attr.sched_period = 0;
    return (int)syscall(SYS_sched_setattr, 0, &attr, 0U);
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
int ctractor_pidfd_open(pid_t pid) { (void)pid; errno = ENOSYS; return -1; }
int ctractor_set_parent_death_signal(int signal) { (void)signal; errno = ENOSYS; return -1; }
int ctractor_set_child_subreaper(int enable) { (void)enable; errno = ENOSYS; return -1; }
int ctractor_set_thread_name(const char *name) { (void)name; errno = ENOSYS; return -1; }
int ctractor_sched_setaffinity(pid_t tid, size_t size, const unsigned long *mask) {
    (void)tid; (void)size; (void)mask; errno = ENOSYS; return -1;
}
int ctractor_request_time_slice(unsigned long long nanoseconds) { (void)nanoseconds; errno = ENOSYS; return -1; }
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
