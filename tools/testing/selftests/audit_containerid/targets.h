/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Targets: forked children, each in its own process group, that block in
 * read() on a command pipe (so they are single-threaded and childless)
 * until told to do something, and answer on a reply pipe.  Every child is
 * remembered so that reap_all() can kill and reap them all.
 */
#ifndef AUDIT_CONTAINERID_TARGETS_H
#define AUDIT_CONTAINERID_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A command: @op is a character, @a and @b its arguments. */
struct target_command {
	int op;
	int pad;
	uint64_t a, b;
};

struct target_reply {
	int64_t val;
	int err;
	int aux;		/* a second result (fault_test: what fail-nth had left) */
};

/* The test's handle on a target: its pid and pipes. */
struct target {
	pid_t pid;
	int cmd, rep;
};

/*
 * drop_audit_control() - drop CAP_AUDIT_CONTROL from every set of the
 * calling task; 0 or errno.
 */
int drop_audit_control(void);

/*
 * become_nobody() - uid and gid 65534, no groups, still dumpable; 0 or
 * errno.
 */
int become_nobody(void);

/*
 * target_common_op() - run command @op ('u' uname, 'f' fork a waiting
 * child, 'W' write @b to /proc/@a/containerid, 'R' read it) into @r;
 * false if @op is not one of them.
 */
bool target_common_op(int op, uint64_t a, uint64_t b, struct target_reply *r);

/* children_add() - remember @pid for reap_all(). */
void children_add(pid_t pid);

/* children_forget() - forget @pid, which the caller has reaped itself. */
void children_forget(pid_t pid);

/*
 * target_fork() - fork a child in its own process group that runs
 * @loop(cmd_fd, rep_fd), with the pipes to drive it in @t; the pid or -1.
 */
pid_t target_fork(struct target *t, void (*loop)(int cfd, int rfd));

/* target_start() - fork a plain target; its pid or -1. */
pid_t target_start(struct target *t);

/*
 * pipe_call() - write @len bytes of command @c to @cmd and read the reply
 * from @rep (err EPIPE if the other end is gone).
 */
struct target_reply pipe_call(int cmd, int rep, const void *c, size_t len);

/* target_call() - run command @op (@a, @b) in target @t. */
struct target_reply target_call(struct target *t, int op, uint64_t a, uint64_t b);

/*
 * target_stop() - kill target @t and its process group and reap it; 0 or
 * -1.
 */
int target_stop(struct target *t);

/*
 * reap_all() - kill every child started (and their groups), reap every
 * child, including orphans reparented to the calling subreaper.
 */
void reap_all(void);

#endif /* AUDIT_CONTAINERID_TARGETS_H */
