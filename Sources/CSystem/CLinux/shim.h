// What Glibc's Swift module does not expose: epoll, eventfd, pidfd, prctl, ucred. Glibc only, so it
// links nothing. Do not define _GNU_SOURCE here: it clashes with the Glibc module (see shared/SWIFT-ON-LINUX.md).
#ifndef TETHER_CLINUX_SHIM_H
#define TETHER_CLINUX_SHIM_H

#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/resource.h>

/// Mirrors `struct ucred` (hidden behind _GNU_SOURCE) for SO_PEERCRED.
struct tether_ucred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/// `accept4` is declared only under _GNU_SOURCE, which the shim must not define.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/// The calling thread's id, for per-thread scheduling (`setpriority`): `gettid` is hidden
/// behind _GNU_SOURCE, and `syscall` is variadic.
static inline pid_t tether_thread_id(void) {
    return (pid_t)syscall(SYS_gettid);
}

/// `prctl` is variadic in C and therefore not callable from Swift.
static inline int tether_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

static inline int tether_set_process_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

#endif
