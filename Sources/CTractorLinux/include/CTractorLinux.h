//===----------------------------------------------------------------------===//
// Tractor for Swift — C shims for the Linux calls Swift cannot import.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
#ifndef C_TRACTOR_LINUX_H
#define C_TRACTOR_LINUX_H

#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>
#ifdef __linux__
#include <execinfo.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#endif

/// accept4(2) with SOCK_CLOEXEC | SOCK_NONBLOCK (declared by glibc only under _GNU_SOURCE). Returns the fd or -1.
int ctractor_accept_nonblocking(int fd);

/// pipe2(2) with O_CLOEXEC (declared by glibc only under _GNU_SOURCE): `ends[0]` reads, `ends[1]` writes. Returns 0
/// or -1 with errno set.
int ctractor_pipe_cloexec(int ends[2]);

/// Adds to `actions` the closing of every descriptor from `lowest` up in the child, whatever the parent has open and
/// whichever of its threads opened it (posix_spawn_file_actions_addclosefrom_np(3), glibc 2.34 and later, declared
/// only under _GNU_SOURCE). Returns 0 or an errno value, as the posix_spawn_file_actions calls do.
int ctractor_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// The name of the environment variable that marks a process started as an actor (`TRACTOR_SPAWN`). A constructor of
/// this library runs, before `main`, in every process that carries it: it asks for SIGKILL when the parent dies
/// (PR_SET_PDEATHSIG), exits at once (status 70) if the parent named by the marker is already gone, and closes every
/// descriptor above 2 that the process inherited (those open without close-on-exec), so that no user code, bootstrap
/// or not, runs holding a parent's pipe or file.
extern const char *const ctractor_spawn_marker_variable;

/// The name of the environment variable that carries a spawned actor's command name (`TRACTOR_PROCESS_NAME`). In a
/// process that carries the spawn marker, the same constructor sets the calling (main) thread's name to its value
/// (PR_SET_NAME: `/proc/PID/comm`, what `top` and `ps -e` show; the kernel keeps 15 bytes), before any other thread
/// exists, so that the threads it starts inherit it, and removes the variable from the environment.
extern const char *const ctractor_process_name_variable;

/// How many inherited descriptors the constructor closed in this process (0 in a process without the marker).
int ctractor_inherited_descriptors_closed(void);

/// Asks the kernel to deliver `signal` to the calling thread's process when its parent dies.
/// `prctl` is variadic, so Swift cannot call it directly. Returns 0 or -1 with errno set.
int ctractor_set_parent_death_signal(int signal);

/// Marks the calling process as a child subreaper (PR_SET_CHILD_SUBREAPER). Returns 0 or -1 with errno set.
int ctractor_set_child_subreaper(int enable);

/// Sets the calling thread's name as shown by `ps` and `/proc/PID/comm` (PR_SET_NAME). Returns 0 or -1.
int ctractor_set_thread_name(const char *name);

/// Asks the scheduler for a time slice of `nanoseconds` for the calling thread (sched_setattr(2) with
/// `sched_runtime`, honoured for normal threads by Linux 6.12 and later, which clamp it to 0.1-100 ms). Under EEVDF
/// a thread with a shorter slice than the running one preempts it when it wakes. The thread's policy and nice value
/// are kept; a thread under a real-time or deadline policy is left alone (-1, EPERM). Returns 0 or -1 with errno set
/// (older kernels accept the call and ignore the slice).
int ctractor_request_time_slice(unsigned long long nanoseconds);

/// As ctractor_request_time_slice, for thread `tid` of this process (0: the calling thread); 0 nanoseconds gives it
/// back the kernel's default slice.
int ctractor_request_time_slice_of(pid_t tid, unsigned long long nanoseconds);

/// The calling thread's kernel thread ID (gettid(2)).
pid_t ctractor_gettid(void);

/// The calling thread's time slice in nanoseconds as sched_getattr(2) reports it (`sched_runtime`; 0 where the
/// kernel does not report one). Returns -1 with errno set on failure.
long long ctractor_time_slice(void);

/// Opens a pidfd for `pid` (pidfd_open(2)); readable once the process has exited. Returns the fd or -1.
int ctractor_pidfd_open(pid_t pid);

/// Installs `handler` for `signal` with SA_RESTART and every other signal unblocked. Returns 0 or -1.
int ctractor_install_signal_handler(int signal, void (*handler)(int));

/// Restores the default action for `signal`. Returns 0 or -1.
int ctractor_reset_signal_handler(int signal);

/// sched_setaffinity(2) for thread `tid` (0: the calling thread) with a mask of `size` bytes. Returns 0 or -1.
/// (Glibc's Swift module does not export the call.)
int ctractor_sched_setaffinity(pid_t tid, size_t size, const unsigned long *mask);

/// sched_getaffinity(2), the raw system call: fills `mask` (`size` bytes) and returns the number of bytes the kernel
/// wrote, or -1 with errno set (EINVAL when `size` is smaller than the kernel's CPU mask).
int ctractor_sched_getaffinity(pid_t tid, size_t size, unsigned long *mask);

/// set_mempolicy(2), which glibc does not wrap: the calling thread's NUMA memory policy. Returns 0 or -1.
int ctractor_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode);

/// get_mempolicy(2) for the calling thread (no address, no flags). Returns 0 or -1 (ENOSYS without NUMA support).
int ctractor_get_mempolicy(int *mode, unsigned long *nodemask, unsigned long maxnode);

/// The CPU the calling thread runs on (sched_getcpu(3), which Glibc's Swift module does not export), or -1.
int ctractor_current_cpu(void);

/// Where a served job made ready by this thread runs: 0 as usual, 1 on the cooperative pool (see
/// `IOLoop.runningServedJobsElsewhere`); a flag of the calling thread.
int ctractor_loop_jobs_inline(void);
/// Sets this thread's flag; returns its previous value.
int ctractor_set_loop_jobs_inline(int value);

/// A non-blocking, close-on-exec timerfd on CLOCK_MONOTONIC (timerfd_create(2), which Glibc's Swift module does
/// not export). Returns the fd or -1.
int ctractor_timerfd_create(void);

/// Arms `fd` to expire once, `nanoseconds` from now (at least 1 ns). Returns 0 or -1.
int ctractor_timerfd_arm(int fd, long long nanoseconds);

/// The Linux memory-policy modes (linux/mempolicy.h), which no glibc header defines.
enum {
    CTRACTOR_MPOL_DEFAULT = 0,
    CTRACTOR_MPOL_PREFERRED = 1,
    CTRACTOR_MPOL_BIND = 2,
    CTRACTOR_MPOL_INTERLEAVE = 3,
    CTRACTOR_MPOL_LOCAL = 4,
    CTRACTOR_MPOL_PREFERRED_MANY = 5,
};

#endif
