//===----------------------------------------------------------------------===//
// Tractor for Swift — C shims for the Linux calls Swift cannot import.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
#ifndef C_TRACTOR_LINUX_H
#define C_TRACTOR_LINUX_H

#include <sys/types.h>

/// Asks the kernel to deliver `signal` to the calling thread's process when its parent dies.
/// `prctl` is variadic, so Swift cannot call it directly. Returns 0 or -1 with errno set.
int ctractor_set_parent_death_signal(int signal);

/// Marks the calling process as a child subreaper (PR_SET_CHILD_SUBREAPER). Returns 0 or -1 with errno set.
int ctractor_set_child_subreaper(int enable);

/// Sets the calling thread's name as shown by `ps` and `/proc/PID/comm` (PR_SET_NAME). Returns 0 or -1.
int ctractor_set_thread_name(const char *name);

#endif
