//===----------------------------------------------------------------------===//
// Tractor for Swift — C shims for the Linux calls Swift cannot import.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
#ifndef C_TRACTOR_LINUX_H
#define C_TRACTOR_LINUX_H

#include <sys/types.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#endif

/// accept4(2) with SOCK_CLOEXEC | SOCK_NONBLOCK (declared by glibc only under _GNU_SOURCE). Returns the fd or -1.
int ctractor_accept_nonblocking(int fd);

/// Asks the kernel to deliver `signal` to the calling thread's process when its parent dies.
/// `prctl` is variadic, so Swift cannot call it directly. Returns 0 or -1 with errno set.
int ctractor_set_parent_death_signal(int signal);

/// Marks the calling process as a child subreaper (PR_SET_CHILD_SUBREAPER). Returns 0 or -1 with errno set.
int ctractor_set_child_subreaper(int enable);

/// Sets the calling thread's name as shown by `ps` and `/proc/PID/comm` (PR_SET_NAME). Returns 0 or -1.
int ctractor_set_thread_name(const char *name);

/// Opens a pidfd for `pid` (pidfd_open(2)); readable once the process has exited. Returns the fd or -1.
int ctractor_pidfd_open(pid_t pid);

/// Installs `handler` for `signal` with SA_RESTART and every other signal unblocked. Returns 0 or -1.
int ctractor_install_signal_handler(int signal, void (*handler)(int));

/// Restores the default action for `signal`. Returns 0 or -1.
int ctractor_reset_signal_handler(int signal);

#endif
