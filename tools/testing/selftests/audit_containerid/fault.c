// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection helpers: failslab through debugfs, make-it-fail,
 * fail-nth, an atomic allocation probe and the kernel log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

#include "fault.h"

static const char *const failslab_knobs[FAILSLAB_NKNOBS] = {
	"probability", "interval", "times", "space", "task-filter", "ignore-gfp-wait", "verbose",
};

static const char *const page_knobs[FAIL_PAGE_ALLOC_NKNOBS] = {
	"probability", "interval", "times", "space", "task-filter", "ignore-gfp-wait",
	"ignore-gfp-highmem", "min-order", "verbose",
};

/* A knob of the fault attribute in debugfs directory @dir. */
static int knob_write(const char *dir, const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return errno;
	return (size_t)n == strlen(val) ? 0 : EIO;
}

static int knob_read(const char *dir, const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int failslab_knob_write(const char *name, const char *val)
{
	return knob_write(FAILSLAB_DIR, name, val);
}

int failslab_knob_read(const char *name, char *buf, size_t len)
{
	return knob_read(FAILSLAB_DIR, name, buf, len);
}

long failslab_knob_long(const char *name)
{
	char v[32];

	if (failslab_knob_read(name, v, sizeof(v)))
		return LONG_MIN;
	return strtol(v, NULL, 0);
}

int failslab_stack_filter(unsigned long start, unsigned long end)
{
	const char *dirs[] = { FAILSLAB_DIR, FAIL_PAGE_ALLOC_DIR };
	char path[128], v[32];
	int err = 0;
	size_t i;

	if (access(FAILSLAB_DIR "/require-start", F_OK))
		return ENOENT;
	for (i = 0; i < 2 && !err; i++) {
		snprintf(path, sizeof(path), "%s/require-start", dirs[i]);
		if (access(path, F_OK))
			continue;
		/* The whole address space (the default) is no filter. */
		snprintf(v, sizeof(v), "%lu", start ? start : 0UL);
		err = knob_write(dirs[i], "require-start", v);
		snprintf(v, sizeof(v), "%lu", start ? end : ULONG_MAX);
		if (!err)
			err = knob_write(dirs[i], "require-end", v);
	}
	return err;
}

int fail_page_alloc_open(struct fail_page_alloc_saved *s)
{
	const char *set[][2] = {
		{ "probability", "0" }, { "interval", "1" }, { "space", "0" },
		{ "task-filter", "Y" }, { "ignore-gfp-wait", "N" }, { "ignore-gfp-highmem", "N" },
		{ "min-order", "0" }, { "verbose", "0" },
	};
	size_t i;
	int err;

	s->present = !access(FAIL_PAGE_ALLOC_DIR "/probability", F_OK);
	if (!s->present)
		return 0;
	for (i = 0; i < FAIL_PAGE_ALLOC_NKNOBS; i++) {
		err = knob_read(FAIL_PAGE_ALLOC_DIR, page_knobs[i], s->v[i], sizeof(s->v[i]));
		if (err)
			return err;
	}
	snprintf(s->v[0], sizeof(s->v[0]), "0");
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		err = knob_write(FAIL_PAGE_ALLOC_DIR, set[i][0], set[i][1]);
		if (err)
			return err;
	}
	return 0;
}

void fail_page_alloc_close(struct fail_page_alloc_saved *s)
{
	size_t i;

	if (!s->present)
		return;
	knob_write(FAIL_PAGE_ALLOC_DIR, "probability", "0");
	for (i = 1; i < FAIL_PAGE_ALLOC_NKNOBS; i++)
		knob_write(FAIL_PAGE_ALLOC_DIR, page_knobs[i], s->v[i]);
	knob_write(FAIL_PAGE_ALLOC_DIR, "probability", s->v[0]);
	s->present = false;
}

int fail_page_alloc_arm(bool on)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", FAILSLAB_TIMES);
	if (!on)
		return knob_write(FAIL_PAGE_ALLOC_DIR, "probability", "0");
	return knob_write(FAIL_PAGE_ALLOC_DIR, "times", v) ?:
	       knob_write(FAIL_PAGE_ALLOC_DIR, "probability", "100");
}

long fail_page_alloc_forced(void)
{
	char v[32];

	if (knob_read(FAIL_PAGE_ALLOC_DIR, "times", v, sizeof(v)))
		return 0;
	return FAILSLAB_TIMES - strtol(v, NULL, 0);
}

int failslab_open(struct failslab_saved *s, const char *ignore_wait, const char *verbose)
{
	const char *set[][2] = {
		{ "probability", "0" }, { "interval", "1" }, { "space", "0" },
		{ "task-filter", "Y" }, { "ignore-gfp-wait", ignore_wait }, { "verbose", verbose },
	};
	char v[32];
	size_t i;
	int err;

	s->mounted = false;
	if (access(FAILSLAB_DIR "/probability", F_OK)) {
		if (mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL))
			return errno;
		s->mounted = true;
	}
	if (access(FAILSLAB_DIR "/probability", F_OK))
		return ENOENT;	/* CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS? */
	for (i = 0; i < FAILSLAB_NKNOBS; i++) {
		err = failslab_knob_read(failslab_knobs[i], s->v[i], sizeof(s->v[i]));
		if (err)
			return err;
	}
	/* Left armed (a test killed by its timeout): never restore that. */
	snprintf(s->v[0], sizeof(s->v[0]), "0");
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		err = failslab_knob_write(set[i][0], set[i][1]);
		if (err)
			return err;
	}
	err = failslab_knob_read("task-filter", v, sizeof(v));
	if (!err && strcmp(v, "Y"))
		err = EINVAL;
	if (!err)
		failslab_stack_filter(0, 0);
	return err;
}

void failslab_close(struct failslab_saved *s)
{
	size_t i;

	failslab_knob_write("probability", "0");
	failslab_stack_filter(0, 0);
	for (i = 1; i < FAILSLAB_NKNOBS; i++)
		failslab_knob_write(failslab_knobs[i], s->v[i]);
	failslab_knob_write("probability", s->v[0]);
	if (s->mounted)
		umount2(DEBUGFS_DIR, MNT_DETACH);
	s->mounted = false;
}

int failslab_arm(void)
{
	char v[32];
	int err;

	err = failslab_knob_read("task-filter", v, sizeof(v));
	if (!err && strcmp(v, "Y"))
		err = EINVAL;	/* would fail every task's allocations */
	snprintf(v, sizeof(v), "%d", FAILSLAB_TIMES);
	if (!err)
		err = failslab_knob_write("times", v);
	if (!err)
		err = failslab_knob_write("probability", "100");
	return err;
}

long failslab_forced(void)
{
	return FAILSLAB_TIMES - failslab_knob_long("times");
}

int make_it_fail(pid_t pid, const char *val)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, val, 1) != 1)
		err = errno;
	close(fd);
	return err;
}

int fail_nth_open(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
}

int fail_nth_arm(int fd, unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	if (pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		return errno ? errno : EIO;
	return 0;
}

int fail_nth_disarm(int fd)
{
	char buf[16];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	/*
	 * After a fork in the window, @buf is copy-on-write: the count may
	 * run out in the page fault of pread()'s copy to it, which fails
	 * with EFAULT; the failure was injected, and the count now reads 0.
	 */
	if (n < 0 && errno == EFAULT)
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (pwrite(fd, "0", 1, 0) != 1 || n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}

int fault_no_rseq(void)
{
	/* glibc may register more than __rseq_size (its feature size): 32. */
	const unsigned int lens[] = { __rseq_size, 32 };
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	unsigned int i;

	if (!__rseq_size)
		return 0;
	for (i = 0; i < 2; i++)
		if (!syscall(SYS_rseq, area, lens[i], RSEQ_FLAG_UNREGISTER, RSEQ_SIG))
			return 0;
	return errno;
}

int fault_window_open(struct fault_window *w, unsigned int n)
{
	w->n = n;
	w->fd = n ? fail_nth_open() : open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	return w->fd < 0 ? errno : 0;
}

int fault_window_arm(struct fault_window *w)
{
	if (w->n)
		return fail_nth_arm(w->fd, w->n);
	return pwrite(w->fd, "1", 1, 0) == 1 ? 0 : errno;
}

int fault_window_close(struct fault_window *w)
{
	int left = 0;

	if (w->n)
		left = fail_nth_disarm(w->fd);
	else if (pwrite(w->fd, "0", 1, 0) != 1)
		left = -1;
	close(w->fd);
	w->fd = -1;
	return left;
}

int probe_atomic_alloc(void)
{
	union sigval v = { .sival_int = 0 };

	return sigqueue(getpid(), SIGRTMIN, v) ? errno : 0;
}
