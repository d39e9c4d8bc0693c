// SPDX-License-Identifier: GPL-2.0
/*
 * Targets: forked children driven over a pipe, which block in read()
 * (single-threaded, childless) until told to do something (such as start
 * a thread), and the
 * bookkeeping that lets a test reap every child it started.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "audit_netlink.h"
#include "contid_proc.h"
#include "targets.h"

#define MAX_CHILDREN 256
static pid_t children[MAX_CHILDREN];
static int nr_children;

static int thread_pipe[2];

/*
 * A second thread of a target: says its thread id (or, when @arg is not
 * null, the pid of a waiting child it forked, whose parent it is) and waits.
 */
static void *target_thread(void *arg)
{
	pid_t id = syscall(SYS_gettid);

	if (arg) {
		id = fork();
		if (id == 0) {
			for (;;)
				pause();
		}
	}
	if (write(thread_pipe[1], &id, sizeof(id)) != sizeof(id))
		_exit(3);
	for (;;)
		pause();
	return NULL;
}

/* Drop CAP_AUDIT_CONTROL from the bounding, effective, permitted and
 * inheritable sets of the calling (root) task. */
int drop_audit_control(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int w = CAP_AUDIT_CONTROL / 32;
	uint32_t bit = 1U << (CAP_AUDIT_CONTROL % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_AUDIT_CONTROL, 0, 0, 0))
		return errno;
	if (syscall(SYS_capget, &h, d))
		return errno;
	d[w].effective &= ~bit;
	d[w].permitted &= ~bit;
	d[w].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return errno;
	return 0;
}

int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return errno;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return errno;
	return 0;
}

/*
 * target_common_op - the commands that targets and the agents of
 * nesting_test.c both understand; their result goes into @r.  Returns
 * false if @op is not one of them.
 *   'u'  uname(2)
 *   'f'  fork a child that just waits (val: its pid)
 *   'W'  write @b to /proc/@a/containerid (@a 0: self)
 *   'R'  read /proc/@a/containerid into val
 */
bool target_common_op(int op, uint64_t a, uint64_t b, struct target_reply *r)
{
	char path[64], msg[32];
	struct utsname u;
	pid_t pid;

	switch (op) {
	case 'u':
		r->val = syscall(SYS_uname, &u);
		if (r->val < 0)
			r->err = errno;
		return true;
	case 'f':
		pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		r->val = pid;
		if (pid < 0)
			r->err = errno;
		return true;
	case 'W':
		contid_path(path, sizeof(path), a, 0);
		snprintf(msg, sizeof(msg), "%" PRIu64, b);
		r->err = contid_write_path(path, msg, strlen(msg), 0);
		return true;
	case 'R':
		contid_path(path, sizeof(path), a, 0);
		r->err = contid_read_path(path, (uint64_t *)&r->val, NULL, 0);
		return true;
	}
	return false;
}

static void target_loop(int cfd, int rfd)
{
	for (;;) {
		struct target_command c;
		struct target_reply r = { 0 };
		char msg[128];
		pthread_t th;
		pid_t pid;

		if (read(cfd, &c, sizeof(c)) != sizeof(c))
			_exit(0);
		switch (c.op) {
		case 't':	/* start a second thread (val: its tid) */
		case 'F':	/* and make it fork a child (val: the child) */
			if (pipe(thread_pipe) ||
			    pthread_create(&th, NULL, target_thread, c.op == 'F' ? &c : NULL)) {
				r.err = EAGAIN;
				break;
			}
			if (read(thread_pipe[0], &pid, sizeof(pid)) != sizeof(pid) || pid < 0)
				r.err = EIO;
			r.val = pid;
			break;
		case 'S':
			r.err = become_nobody();
			break;
		case 'C':
			r.err = drop_audit_control();
			break;
		case 'n':	/* AUDIT_USER message "acid-user-<a>" */
			snprintf(msg, sizeof(msg), "acid-user-%" PRIu64, c.a);
			r.err = -audit_send_user(msg);
			break;
		case 'x':
			_exit(0);
		default:	/* 'u', 'f', 'W', 'R': target_common_op() */
			if (!target_common_op(c.op, c.a, c.b, &r))
				r.err = EINVAL;
		}
		if (write(rfd, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

/* Remember @pid for reap_all(). */
void children_add(pid_t pid)
{
	if (nr_children < MAX_CHILDREN)
		children[nr_children++] = pid;
}

/* Forget @pid, which its caller has reaped itself. */
void children_forget(pid_t pid)
{
	int i;

	for (i = 0; i < nr_children; i++) {
		if (children[i] == pid) {
			children[i] = children[--nr_children];
			break;
		}
	}
}

/*
 * target_fork - fork a child in its own process group that runs
 * @loop(cmd_fd, rep_fd) (and exits when it returns), with the pipes to
 * drive it in @t; remembered for reap_all().  The targets below, the
 * actors of attribution_test.c and the agents of nesting_test.c are all
 * started this way.  Returns the pid or -1.
 */
pid_t target_fork(struct target *t, void (*loop)(int cfd, int rfd))
{
	int c[2], r[2];
	pid_t pid;

	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		close(c[1]);
		close(r[0]);
		loop(c[0], r[1]);
		_exit(0);
	}
	setpgid(pid, pid);
	close(c[0]);
	close(r[1]);
	t->pid = pid;
	t->cmd = c[1];
	t->rep = r[0];
	children_add(pid);
	return pid;
}

/* Fork a target (its own process group).  Returns its pid or -1. */
pid_t target_start(struct target *t)
{
	return target_fork(t, target_loop);
}

/*
 * pipe_call - write command @c (@len bytes) to @cmd and read the reply
 * from @rep; a reply of err = EPIPE, val = -1 if the other end is gone.
 */
struct target_reply pipe_call(int cmd, int rep, const void *c, size_t len)
{
	struct target_reply r = { .val = -1, .err = EPIPE };

	if (write(cmd, c, len) != (ssize_t)len)
		return r;
	if (read(rep, &r, sizeof(r)) != sizeof(r)) {
		r.val = -1;
		r.err = EPIPE;
	}
	return r;
}

/* Run command @op in target @t; returns the reply (err = EPIPE if it died). */
struct target_reply target_call(struct target *t, int op, uint64_t a, uint64_t b)
{
	struct target_command c = { .op = op, .a = a, .b = b };

	return pipe_call(t->cmd, t->rep, &c, sizeof(c));
}

/* Kill target @t (and its process group) and reap it; 0 or -1. */
int target_stop(struct target *t)
{
	int status;

	if (t->pid <= 0)
		return 0;
	kill(-t->pid, SIGKILL);
	kill(t->pid, SIGKILL);
	close(t->cmd);
	close(t->rep);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -1;
	t->pid = 0;
	return 0;
}

/* Kill every child this process started (and their groups); reap all
 * children, including reparented grandchildren (we are a subreaper). */
void reap_all(void)
{
	int i;

	for (i = 0; i < nr_children; i++) {
		kill(-children[i], SIGKILL);
		kill(children[i], SIGKILL);
	}
	nr_children = 0;
	for (;;) {
		pid_t p = waitpid(-1, NULL, 0);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
	}
}
