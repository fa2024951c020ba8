//===----------------------------------------------------------------------===//
// Tractor for Swift — C shims for the Linux calls Swift cannot import.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
#include "CTractorLinux.h"

#ifdef __linux__
#include <sys/prctl.h>

int ctractor_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

int ctractor_set_child_subreaper(int enable) {
    return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)(enable ? 1 : 0), 0UL, 0UL, 0UL);
}

int ctractor_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}
#else
#include <errno.h>
int ctractor_set_parent_death_signal(int signal) { (void)signal; errno = ENOSYS; return -1; }
int ctractor_set_child_subreaper(int enable) { (void)enable; errno = ENOSYS; return -1; }
int ctractor_set_thread_name(const char *name) { (void)name; errno = ENOSYS; return -1; }
#endif
