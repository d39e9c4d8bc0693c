/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection (Documentation/fault-injection/fault-injection.rst):
 * the failslab knobs in debugfs (saved, set and restored), per-task
 * arming with /proc/<pid>/make-it-fail, systematic failures with
 * /proc/thread-self/fail-nth, a probe that shows whether failslab is in
 * force, and the kernel log.  Functions return 0 or an errno (positive).
 */
#ifndef AUDIT_CONTAINERID_FAULT_H
#define AUDIT_CONTAINERID_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DEBUGFS_DIR "/sys/kernel/debug"
#define FAILSLAB_DIR DEBUGFS_DIR "/failslab"
/* Enough for any window; what is left tells how many failures were forced. */
#define FAILSLAB_TIMES 1000000

/* The failslab knobs a test changes, saved by failslab_open(). */
#define FAILSLAB_NKNOBS 7
struct failslab_saved {
	bool mounted;		/* debugfs was mounted by failslab_open() */
	char v[FAILSLAB_NKNOBS][32];
};

/* failslab_knob_write(), failslab_knob_read() - one knob of failslab/. */
int failslab_knob_write(const char *name, const char *val);
int failslab_knob_read(const char *name, char *buf, size_t len);

/* failslab_knob_long() - a numeric knob, or LONG_MIN. */
long failslab_knob_long(const char *name);

/*
 * failslab_open() - mount debugfs if needed, save the knobs into @s, then
 * disarm (probability 0) with interval 1, space 0, task-filter Y,
 * ignore-gfp-wait @ignore_wait ("Y": only non-sleeping allocations fail)
 * and verbose @verbose.  A probability left non-zero (a test killed by its
 * timeout) is restored as 0.
 */
int failslab_open(struct failslab_saved *s, const char *ignore_wait, const char *verbose);

/*
 * failslab_stack_filter() - fail only allocations with an address in
 * [@start, @end) on the stack (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER,
 * ENOENT without), for failslab and fail_page_alloc; @start 0: no filter.  failslab_open() and
 * failslab_close() remove the filter.
 */
int failslab_stack_filter(unsigned long start, unsigned long end);

/*
 * fail_page_alloc, where the kernel has it (CONFIG_FAIL_PAGE_ALLOC): set up
 * so that every page allocation of a task is injectable (min-order 0,
 * sleeping and highmem allocations too) for fail-nth, disarmed
 * (probability 0), task-filter Y; restored by fail_page_alloc_close().
 * Without it, open and close do nothing.
 */
#define FAIL_PAGE_ALLOC_DIR DEBUGFS_DIR "/fail_page_alloc"
#define FAIL_PAGE_ALLOC_NKNOBS 9
struct fail_page_alloc_saved {
	bool present;
	char v[FAIL_PAGE_ALLOC_NKNOBS][32];
};

int fail_page_alloc_open(struct fail_page_alloc_saved *s);
void fail_page_alloc_close(struct fail_page_alloc_saved *s);

/* fail_page_alloc_arm() - probability 100 (@on) or 0, as failslab_arm(). */
int fail_page_alloc_arm(bool on);

/* fail_page_alloc_forced() - failures forced since fail_page_alloc_arm(true). */
long fail_page_alloc_forced(void);

/* failslab_close() - restore the knobs saved in @s, unmount debugfs if mounted. */
void failslab_close(struct failslab_saved *s);

/*
 * failslab_arm() - times FAILSLAB_TIMES, probability 100: the allocations
 * of every task with make-it-fail 1 fail (task-filter must be Y).
 */
int failslab_arm(void);

/* failslab_forced() - failures forced since failslab_arm(). */
long failslab_forced(void);

/* make_it_fail() - write @val ("0" or "1") to /proc/@pid/make-it-fail. */
int make_it_fail(pid_t pid, const char *val);

/*
 * fail_nth_open() - /proc/thread-self/fail-nth of the calling thread,
 * opened before the window (opening allocates); -1 on error.
 */
int fail_nth_open(void);

/* fail_nth_arm() - fail the calling thread's @n-th injectable call from now on. */
int fail_nth_arm(int fd, unsigned int n);

/*
 * fail_nth_disarm() - what was left of the count (0: a failure was
 * injected, -1 on error), and no more failures.
 */
int fail_nth_disarm(int fd);

/*
 * A window of injected failures around one syscall of the calling thread:
 * with @n > 0 its n-th injectable call fails (fail-nth); with @n 0 every
 * allocation failslab is set to fail (make-it-fail of the thread, failslab
 * armed by the caller).  Files are opened by fault_window_open(), before
 * the window: opening allocates.
 */
struct fault_window {
	int fd;
	unsigned int n;
};

int fault_window_open(struct fault_window *w, unsigned int n);

/*
 * fault_no_rseq() - unregister the calling thread's rseq area; 0 or an
 * errno.  A window that spans fork() leaves the parent's memory
 * copy-on-write, and the count may run out when the kernel updates the
 * rseq area on the way back to user space: it kills the task with
 * SIGSEGV where a real allocation failure would have reclaimed memory.
 */
int fault_no_rseq(void);
int fault_window_arm(struct fault_window *w);

/*
 * fault_window_close() - end the window and close the file: what fail-nth
 * had left (0: the failure was injected), 0 for make-it-fail, -1 on error.
 */
int fault_window_close(struct fault_window *w);

/*
 * probe_atomic_alloc() - queue SIGRTMIN (which the caller blocks) to the
 * calling process: its GFP_ATOMIC sigqueue allocation fails (EAGAIN) under
 * failslab, else 0.
 */
int probe_atomic_alloc(void);

#endif /* AUDIT_CONTAINERID_FAULT_H */
