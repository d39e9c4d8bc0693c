// SPDX-License-Identifier: GPL-2.0
/*
 * Races (issue 12): a set of /proc/<pid>/containerid racing what its target
 * does at the same moment, the module going away under sets and forks, and
 * network namespace churn under packets.  Each race runs many times, with
 * a delay that adapts so that both outcomes keep occurring (the window is
 * reached, not just approached); the outcome counts and the wall time are
 * logged.  What must hold, whatever the interleaving:
 *
 *  - set vs fork of the target: the set wins (the child, forked after it,
 *    inherits the contid) or it is refused with EBUSY (the child existed);
 *    never a set that succeeded with a child that lacks the contid, never
 *    a child with a contid its parent does not have;
 *  - set vs execve() of a non-leader thread of the target (de_thread():
 *    the thread takes over the process id): refused (EBUSY, ESRCH) or set;
 *    the process read back by pid after the exec has the value iff the set
 *    succeeded;
 *  - set vs clone(CLONE_THREAD): set, and every thread carries the contid,
 *    those created before the set and those created after;
 *  - set vs exit of the target's other threads: set, and the leader carries
 *    the contid; a thread that exits under the set leaks nothing;
 *  - rmmod/insmod vs sets and fork storms of tagged tasks: delete_module()
 *    is refused (EWOULDBLOCK) while a contid is live; a set while the
 *    module is unloaded is EOPNOTSUPP; a set that succeeded keeps the
 *    module loaded until its task is gone;
 *  - unshare()/setns() churn of tagged tasks while packets flow through
 *    xt_AUDIT and nft_log rules: the CONTAINER_INFO of a packet lists only
 *    contids of tasks that used its namespace, and no (netns, contid) pair
 *    outlives its tasks.
 *
 * After each race every counter of /proc/audit_containerid is back to its
 * start value.  The set-vs-exit race is in integrity_test.c.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "common.h"
#include "../kselftest_harness.h"

/* Iterations of each race: make check, make stress (ACID_STRESS=1). */
#define FORK_ITERATIONS stress_scale(120, 10000)
#define EXEC_ITERATIONS stress_scale(60, 10000)
#define THREAD_ITERATIONS stress_scale(100, 10000)
#define THREAD_EXIT_ITERATIONS stress_scale(100, 10000)
#define MODULE_CYCLES stress_scale(30, 1000)
#define NETNS_ITERATIONS stress_scale(600, 12000)

/* Threads of the execve and clone races' targets (besides the leader). */
#define EXEC_THREADS 3
#define CLONE_THREADS 2
#define EXIT_THREADS 3

/* Bounds on a wait for another process of the test. */
#define WAIT_MS 20000

/* The environment variable that makes this binary an exec'd target. */
#define EXEC_ENV "ACID_RACE_EXEC_FD"

/*
 * A target that a thread of the execve race exec'd: it says so on the pipe
 * whose fd it got in EXEC_ENV and waits to be killed.  Runs before main(),
 * so that the new image does nothing else.
 */
__attribute__((constructor)) static void exec_target(void)
{
	const char *fd = getenv(EXEC_ENV);
	char c = 'X';

	if (!fd)
		return;
	if (write(atoi(fd), &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* ---------------------------------------------------------------------
 * The shared state and the adaptive window
 */

/* What the test process and its targets share (MAP_SHARED). */
struct race_shared {
	int ready;		/* the iteration whose target is set up */
	int go;			/* the iteration whose target may act */
	int done;		/* the iteration whose target has acted */
	int started;		/* threads of the target running */
	int gone;		/* threads of the target that exited */
	int err;		/* the target's failed call: its errno */
	int line;		/* and where */
	pid_t child;		/* set vs fork: the target's child */
};

/* The outcome counts of one race. */
struct race_counts {
	long won, busy, gone, other, bad;
	long early, late;	/* sets that returned before, after the target acted */
	int first_other;
};

/*
 * The delay (a busy loop) before the set.  Where the set wins when it
 * comes before the target acts (fork, clone), its delay grows after a win
 * and shrinks after a refusal; where it wins after (execve), the other way
 * round.  That keeps the set centred on the target's action.
 */
struct window {
	unsigned long bound;
	uint64_t rng;
	int last;		/* the last step: 1 grew, 0 shrank, -1 none */
	bool settled;		/* both outcomes seen: small steps from now on */
};

static void window_init(struct window *w, uint64_t seed)
{
	w->bound = 1024;
	w->rng = seed;
	w->last = -1;
	w->settled = false;
}

static unsigned long window_pick(struct window *w)
{
	return rng_next(&w->rng) % w->bound;
}

static void window_adapt(struct window *w, bool grow)
{
	/* Double or halve until both outcomes were seen (make check runs few). */
	if (w->last >= 0 && w->last != grow)
		w->settled = true;
	w->last = grow;
	if (!w->settled)
		w->bound = grow ? w->bound * 2 : w->bound / 2;
	else if (grow)
		w->bound += w->bound / 8 + 1;
	else
		w->bound -= w->bound / 8;
	if (w->bound < 16)
		w->bound = 16;
	if (w->bound > (1UL << 26))
		w->bound = 1UL << 26;
}

static void spin(unsigned long n)
{
	unsigned long k;

	for (k = 0; k < n; k++)
		__asm__ __volatile__("" : : : "memory");
}

/* Wait (yielding, at most WAIT_MS) until *@p reads @v; whether it did. */
static bool wait_int(int *p, int v)
{
	long end = now_ms() + WAIT_MS;
	unsigned long n = 0;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != v) {
		if ((++n & 1023) == 0 && now_ms() > end)
			return false;
		sched_yield();
	}
	return true;
}

static void release_int(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* The target failed at @line with @err: report it and end. */
static void __attribute__((noreturn)) target_fail(struct race_shared *sh, int line, int err)
{
	sh->err = err;
	sh->line = line;
	release_int(&sh->done, -1);
	_exit(1);
}

static void count_refusal(struct race_counts *c, int e)
{
	if (e == EBUSY) {
		c->busy++;
	} else if (e == ESRCH) {
		c->gone++;
	} else {
		if (!c->other)
			c->first_other = e;
		c->other++;
	}
}

FIXTURE(race) {
	int nl;
	int kmsg;
	long tasks0, objects0, netns0;
	struct race_shared *sh;
};

FIXTURE_SETUP(race)
{
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	self->nl = audit_netlink_open();
	ASSERT_LE(0, self->nl);
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (self->kmsg >= 0)
		lseek(self->kmsg, 0, SEEK_END);
	if (!module_loaded())
		ASSERT_EQ(0, module_load());
	counters_read_all(_metadata, &self->tasks0, &self->objects0, &self->netns0);
	self->sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

FIXTURE_TEARDOWN(race)
{
	reap_all();
	if (!module_loaded())
		module_load();
	if (self->kmsg >= 0)
		close(self->kmsg);
	close(self->nl);
	munmap(self->sh, 4096);
}

/*
 * expect_quiet_kernel - none of the module's complaints that mean a contid
 * was lost or leaked is in the kernel log since the test started (the
 * splats themselves fail the run in scripts/qemu-run.sh).
 */
static void expect_quiet_kernel(struct __test_metadata *_metadata, int kmsg)
{
	static const char *const complaints[] = {
		"netns freed with",			/* a member outlived its netns */
		"lost its last reference in atomic",	/* an object leaked */
		"contid not attributed to a netns",	/* a lost attribution */
		NULL,
	};
	const char *seen;

	if (kmsg < 0)
		return;
	seen = kmsg_find(kmsg, complaints);
	EXPECT_EQ(NULL, seen) TH_LOG("dmesg: \"%s\"", seen);
}

/* ---------------------------------------------------------------------
 * Races of a set with its target's fork, exec and clone
 */

/*
 * One set race: @target runs in a fresh child of the test process (never
 * returns); @check judges the outcome of the set (0 or an errno) of @id on
 * it once the target has acted.
 */
struct set_race {
	const char *name;
	void (*target)(struct race_shared *sh, int i);
	void (*check)(struct __test_metadata *_metadata, struct race_shared *sh, pid_t t,
		      uint64_t id, int err, struct race_counts *c);
	bool late_wins;		/* the set wins after the target acted */
	/*
	 * Where the set succeeds either way: has the target acted by the time
	 * the set returned?  The window is then centred on that instead.
	 */
	bool (*acted)(struct race_shared *sh);
};

/*
 * run_set_race - @n times: fork a target, wait until it is set up, open its
 * containerid file, let it act, wait a random delay (the window) and write
 * a fresh contid; let @r->check judge, kill and reap the target.  Both
 * outcomes (set and EBUSY, or with @r->acted a set before and one after
 * the target acted) must occur: otherwise the race was not run.
 */
static void run_set_race(struct __test_metadata *_metadata, FIXTURE_DATA(race) *self,
			 const struct set_race *r, unsigned long n)
{
	struct race_shared *sh = self->sh;
	uint64_t seed = test_seed(0x5e7ace), id;
	struct race_counts c = { 0 };
	long start = now_ms();
	struct window w;
	unsigned long i;
	char path[64];
	bool late;
	int fd, e;
	pid_t t;

	window_init(&w, seed);
	memset(sh, 0, sizeof(*sh));
	for (i = 1; i <= n; i++) {
		unsigned long delay = window_pick(&w);
		const char *s;

		id = random_contid();
		s = u64_str(id);
		t = fork();
		ASSERT_LE(0, t);
		if (t == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			r->target(sh, i);
			_exit(1);
		}
		ASSERT_TRUE(wait_int(&sh->ready, i)) TH_LOG("%s %lu: target not ready", r->name, i);
		contid_path(path, sizeof(path), t, 0);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open %s: %m", path);
		release_int(&sh->go, i);
		spin(delay);
		e = write(fd, s, strlen(s)) < 0 ? errno : 0;
		late = r->acted && r->acted(sh);
		close(fd);
		r->check(_metadata, sh, t, id, e, &c);
		ASSERT_EQ(0, sh->err) TH_LOG("%s %lu: the target failed at line %d: %s", r->name,
					     i, sh->line, strerror(sh->err));
		kill(t, SIGKILL);
		ASSERT_EQ(t, waitpid(t, NULL, 0));
		/* The fork race's children, reparented to us: reap them. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (e == 0)
			c.won++;
		else
			count_refusal(&c, e);
		if (r->acted) {
			if (late)
				c.late++;
			else
				c.early++;
			window_adapt(&w, !late);
		} else {
			window_adapt(&w, (e == 0) != r->late_wins);
		}
		/* Stop at the first wrong outcome; its TH_LOG says which. */
		ASSERT_EQ(KSFT_PASS, _metadata->exit_code) TH_LOG("%s: iteration %lu", r->name, i);
	}
	TH_LOG("%s: %lu iterations in %ld ms (seed %#" PRIx64 "): %ld set, %ld EBUSY, %ld ESRCH,"
	       " %ld other, %ld wrong; %ld before the target acted, %ld after; final window %lu",
	       r->name, n, now_ms() - start, seed, c.won, c.busy, c.gone, c.other, c.bad,
	       c.early, c.late, w.bound);
	if (c.other)
		TH_LOG("first other errno: %s", strerror(c.first_other));
	EXPECT_EQ(0, c.other);
	EXPECT_EQ(0, c.bad);
	/* Both sides of the window were reached. */
	if (r->acted) {
		EXPECT_LT(0, c.early);
		EXPECT_LT(0, c.late);
	} else {
		EXPECT_LT(0, c.won);
		EXPECT_LT(0, c.busy);
	}
	expect_counters(_metadata, self->tasks0, self->objects0, self->netns0, 10000);
	expect_quiet_kernel(_metadata, self->kmsg);
}

/* Read @pid's (or @pid's thread @tid's) contid; errno in *@err. */
static uint64_t contid_or(pid_t pid, pid_t tid, int *err)
{
	char path[64];
	uint64_t id = 0;

	contid_path(path, sizeof(path), pid, tid);
	*err = contid_read_path(path, &id, NULL, 0);
	return id;
}

/* The target of the fork race: at go, fork a child that waits. */
static void fork_target(struct race_shared *sh, int i)
{
	pid_t c;

	release_int(&sh->ready, i);
	if (!wait_int(&sh->go, i))
		target_fail(sh, __LINE__, ETIMEDOUT);
	c = fork();
	if (c < 0)
		target_fail(sh, __LINE__, errno);
	if (c == 0) {
		for (;;)
			pause();
	}
	sh->child = c;
	release_int(&sh->done, i);
	/* Killed with its child by the test process. */
	for (;;)
		pause();
}

/*
 * Fork: the set succeeded iff the target and its child both carry the
 * contid; refused (EBUSY) iff neither does.  A set that succeeded with a
 * child lacking it (the fork copied the slot before the set and the set
 * did not see the child) or a child with a contid its refused parent does
 * not have is the bug.
 */
static void fork_check(struct __test_metadata *_metadata, struct race_shared *sh, pid_t t,
		       uint64_t id, int err, struct race_counts *c)
{
	uint64_t pt, ch;
	int e1, e2;

	ASSERT_TRUE(wait_int(&sh->done, (int)sh->go))
		TH_LOG("the target did not fork (line %d: %s)", sh->line, strerror(sh->err));
	pt = contid_or(t, 0, &e1);
	ch = contid_or(sh->child, 0, &e2);
	ASSERT_EQ(0, e1);
	ASSERT_EQ(0, e2);
	if (err == 0 && (pt != id || ch != id)) {
		c->bad++;
		TH_LOG("set %s succeeded; target reads %s, its child %s", u64_str(id), u64_str(pt),
		       u64_str(ch));
	} else if (err && (pt != AUDIT_CID_UNSET || ch != AUDIT_CID_UNSET)) {
		c->bad++;
		TH_LOG("set %s refused (%s); target reads %s, its child %s", u64_str(id),
		       strerror(err), u64_str(pt), u64_str(ch));
	}
	EXPECT_EQ(0, c->bad);
	kill(sh->child, SIGKILL);
}

TEST_F_TIMEOUT(race, set_vs_fork, 7200)
{
	static const struct set_race r = { "set vs fork", fork_target, fork_check };

	run_set_race(_metadata, self, &r, FORK_ITERATIONS);
}

/* A thread of the execve and clone races' targets. */
struct thread_arg {
	struct race_shared *sh;
	int i;
	int exec_fd;		/* the thread that execs: the pipe's write end */
};

static void *waiting_thread(void *p)
{
	struct thread_arg *a = p;

	__atomic_fetch_add(&a->sh->started, 1, __ATOMIC_ACQ_REL);
	for (;;)
		pause();
	return NULL;
}

/* At go, exec this binary, which tells the test process over @exec_fd. */
static void *exec_thread(void *p)
{
	struct thread_arg *a = p;
	char env[32], *argv[] = { "race_test-exec", NULL }, *envp[] = { env, NULL };
	char c = 'E';

	snprintf(env, sizeof(env), EXEC_ENV "=%d", a->exec_fd);
	__atomic_fetch_add(&a->sh->started, 1, __ATOMIC_ACQ_REL);
	if (!wait_int(&a->sh->go, a->i))
		target_fail(a->sh, __LINE__, ETIMEDOUT);
	execve("/proc/self/exe", argv, envp);
	a->sh->err = errno;
	a->sh->line = __LINE__;
	if (write(a->exec_fd, &c, 1) != 1)
		_exit(2);
	_exit(1);
}

static int exec_pipe[2] = { -1, -1 };

/*
 * The target of the execve race: EXEC_THREADS threads, the first of which
 * execs at go (de_thread() kills the leader and the others and gives the
 * thread the process id); the leader waits.
 */
static void exec_target_start(struct race_shared *sh, int i)
{
	static struct thread_arg a;
	pthread_t th;
	int k;

	a.sh = sh;
	a.i = i;
	a.exec_fd = exec_pipe[1];
	sh->started = 0;
	for (k = 0; k < EXEC_THREADS; k++) {
		if (pthread_create(&th, NULL, k ? waiting_thread : exec_thread, &a))
			target_fail(sh, __LINE__, EAGAIN);
	}
	while (__atomic_load_n(&sh->started, __ATOMIC_ACQUIRE) != EXEC_THREADS)
		sched_yield();
	release_int(&sh->ready, i);
	for (;;)
		pause();
}

/* The number of threads of @pid (entries of /proc/@pid/task), or -1. */
static int thread_count(pid_t pid, pid_t *tids, int max)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (n < max)
			tids[n] = atoi(d->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

/*
 * Execve: once the exec'd image runs (a single thread under the process
 * id), the process reads the contid iff the set succeeded.  A set that
 * succeeded on a task that de_thread() then discarded (the value lost),
 * or a refused set whose value shows up, is the bug.
 */
static void exec_check(struct __test_metadata *_metadata, struct race_shared *sh, pid_t t,
		       uint64_t id, int err, struct race_counts *c)
{
	struct pollfd pfd = { .fd = exec_pipe[0], .events = POLLIN };
	uint64_t got;
	pid_t tid;
	char b = 0;
	int e;

	ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS)) TH_LOG("the target did not exec");
	ASSERT_EQ(1, read(exec_pipe[0], &b, 1));
	ASSERT_EQ('X', b) TH_LOG("execve: %s", strerror(sh->err));
	EXPECT_EQ(1, thread_count(t, &tid, 1));
	got = contid_or(t, 0, &e);
	ASSERT_EQ(0, e);
	if ((err == 0) != (got == id) || (err && got != AUDIT_CID_UNSET)) {
		c->bad++;
		TH_LOG("set %s: %s; after the exec the process reads %s", u64_str(id),
		       err ? strerror(err) : "succeeded", u64_str(got));
	}
	EXPECT_EQ(0, c->bad);
}

/* Has the exec'd image said so (without reading it)? */
static bool exec_acted(struct race_shared *sh)
{
	struct pollfd pfd = { .fd = exec_pipe[0], .events = POLLIN };

	(void)sh;
	return poll(&pfd, 1, 0) == 1;
}

TEST_F_TIMEOUT(race, set_vs_exec_de_thread, 7200)
{
	static const struct set_race r = { "set vs execve of a thread", exec_target_start,
					   exec_check, true, exec_acted };

	/* The write end stays open across the exec: the new image uses it. */
	ASSERT_EQ(0, pipe(exec_pipe));
	ASSERT_EQ(0, fcntl(exec_pipe[0], F_SETFD, FD_CLOEXEC));
	run_set_race(_metadata, self, &r, EXEC_ITERATIONS);
	close(exec_pipe[0]);
	close(exec_pipe[1]);
}

/* The target of the clone race: at go, start CLONE_THREADS threads. */
static void clone_target(struct race_shared *sh, int i)
{
	static struct thread_arg a;
	pthread_t th;
	int k;

	a.sh = sh;
	sh->started = 0;
	release_int(&sh->ready, i);
	if (!wait_int(&sh->go, i))
		target_fail(sh, __LINE__, ETIMEDOUT);
	for (k = 0; k < CLONE_THREADS; k++) {
		if (pthread_create(&th, NULL, waiting_thread, &a))
			target_fail(sh, __LINE__, EAGAIN);
	}
	while (__atomic_load_n(&sh->started, __ATOMIC_ACQUIRE) != CLONE_THREADS)
		sched_yield();
	release_int(&sh->done, i);
	for (;;)
		pause();
}

static bool clone_acted(struct race_shared *sh)
{
	return __atomic_load_n(&sh->started, __ATOMIC_ACQUIRE) == CLONE_THREADS;
}

/*
 * Clone: the set succeeds (a multi-threaded process is tagged as a whole)
 * and, once the threads exist, every thread
 * (/proc/<pid>/task/<tid>/containerid) reads the contid.  A thread without
 * it is the bug: one created after the set's walk of the threads from a
 * thread the walk had not reached yet, or one the walk missed.
 */
static void clone_check(struct __test_metadata *_metadata, struct race_shared *sh, pid_t t,
			uint64_t id, int err, struct race_counts *c)
{
	pid_t tids[CLONE_THREADS + 2];
	int n, k, tagged = 0, e;
	uint64_t got;

	ASSERT_TRUE(wait_int(&sh->done, (int)sh->go))
		TH_LOG("the target did not clone (line %d: %s)", sh->line, strerror(sh->err));
	n = thread_count(t, tids, CLONE_THREADS + 2);
	ASSERT_EQ(CLONE_THREADS + 1, n);
	for (k = 0; k < n; k++) {
		got = contid_or(t, tids[k], &e);
		ASSERT_EQ(0, e);
		if (got == id)
			tagged++;
		else
			EXPECT_EQ(AUDIT_CID_UNSET, got);
	}
	if (err || tagged != n) {
		c->bad++;
		TH_LOG("set %s: %s; %d of %d threads carry it", u64_str(id),
		       err ? strerror(err) : "succeeded", tagged, n);
	}
	EXPECT_EQ(0, c->bad);
}

TEST_F_TIMEOUT(race, set_vs_clone_thread, 7200)
{
	static const struct set_race r = { "set vs clone(CLONE_THREAD)", clone_target,
					   clone_check, false, clone_acted };

	run_set_race(_metadata, self, &r, THREAD_ITERATIONS);
}

/* A thread of the exit race: at go, exit (only this thread). */
static void *exiting_thread(void *p)
{
	struct thread_arg *a = p;

	__atomic_fetch_add(&a->sh->started, 1, __ATOMIC_ACQ_REL);
	if (!wait_int(&a->sh->go, a->i))
		target_fail(a->sh, __LINE__, ETIMEDOUT);
	/* A little work first, so that the window can open before the exit. */
	spin(1UL << 20);
	__atomic_fetch_add(&a->sh->gone, 1, __ATOMIC_ACQ_REL);
	syscall(SYS_exit, 0);
	return NULL;
}

/*
 * The target of the exit race: EXIT_THREADS threads, which exit at go;
 * the leader waits until they are gone from /proc/self/task.
 */
static void exit_target(struct race_shared *sh, int i)
{
	static struct thread_arg a;
	pthread_t th;
	pid_t tid;
	int k;

	a.sh = sh;
	a.i = i;
	sh->started = 0;
	sh->gone = 0;
	for (k = 0; k < EXIT_THREADS; k++) {
		if (pthread_create(&th, NULL, exiting_thread, &a))
			target_fail(sh, __LINE__, EAGAIN);
	}
	while (__atomic_load_n(&sh->started, __ATOMIC_ACQUIRE) != EXIT_THREADS)
		sched_yield();
	release_int(&sh->ready, i);
	while (__atomic_load_n(&sh->gone, __ATOMIC_ACQUIRE) != EXIT_THREADS ||
	       thread_count(getpid(), &tid, 1) != 1)
		sched_yield();
	release_int(&sh->done, i);
	for (;;)
		pause();
}

static bool exit_acted(struct race_shared *sh)
{
	return __atomic_load_n(&sh->gone, __ATOMIC_ACQUIRE) == EXIT_THREADS;
}

/*
 * Exit: the set succeeds and the leader, alone once the threads are gone,
 * carries the contid.  A thread that exits under the set is skipped or
 * detached: one given the contid after its exit hook would leak its
 * member and object, which the counters at the end of the race show.
 */
static void exit_check(struct __test_metadata *_metadata, struct race_shared *sh, pid_t t,
		       uint64_t id, int err, struct race_counts *c)
{
	uint64_t got;
	int e;

	ASSERT_TRUE(wait_int(&sh->done, (int)sh->go))
		TH_LOG("the threads did not exit (line %d: %s)", sh->line, strerror(sh->err));
	got = contid_or(t, 0, &e);
	ASSERT_EQ(0, e);
	if (err || got != id) {
		c->bad++;
		TH_LOG("set %s: %s; the leader reads %s", u64_str(id),
		       err ? strerror(err) : "succeeded", u64_str(got));
	}
	EXPECT_EQ(0, c->bad);
}

TEST_F_TIMEOUT(race, set_vs_thread_exit, 7200)
{
	static const struct set_race r = { "set vs exit of threads", exit_target, exit_check,
					   false, exit_acted };

	run_set_race(_metadata, self, &r, THREAD_EXIT_ITERATIONS);
}

/* ---------------------------------------------------------------------
 * The module going away under sets and fork storms
 */

/* Children each tagged task forks (and reaps) before it exits. */
#define STORM_CHILDREN 8

/* What the loader and the setter of the module race share. */
struct module_race {
	int stop;		/* the loader is done */
	long unloaded, refused;	/* delete_module(): 0, EWOULDBLOCK */
	long set, unsupported;	/* sets: 0, EOPNOTSUPP */
	long refused_live;	/* delete_module() by the setter, contid live */
	long forks;		/* children of tagged tasks */
	int bad;		/* line of the first wrong outcome */
	int bad_err;
	uint64_t bad_id;
	char bad_state[16];
};

/* Remember the first wrong outcome (a line of the loader or setter). */
static void module_bad(struct module_race *m, int line, int err)
{
	if (!m->bad) {
		m->bad_err = err;
		m->bad = line;
	}
}

/*
 * The loader: @cycles times unload and load the module again, each unload
 * retried (EWOULDBLOCK while a contid is live) until it works.  Runs in a
 * child; ends the setter's loop.
 */
static void loader(struct module_race *m, unsigned long cycles, uint64_t seed)
{
	long end = now_ms() + 3000L * 1000;
	unsigned long done = 0;
	long sets;
	int e;

	while (done < cycles && !m->bad && now_ms() < end) {
		e = module_unload();
		if (module_busy_errno(e)) {
			m->refused++;
			spin(rng_next(&seed) % 20000);
			continue;
		}
		if (e) {
			module_bad(m, __LINE__, e);
			break;
		}
		m->unloaded++;
		spin(rng_next(&seed) % 200000);
		e = module_load();
		if (e) {
			module_bad(m, __LINE__, e);
			break;
		}
		done++;
		/*
		 * Loading takes long (KASAN): let the setter set at least once
		 * before the next unload, so that unloads meet live contids.
		 */
		sets = __atomic_load_n(&m->set, __ATOMIC_ACQUIRE);
		while (__atomic_load_n(&m->set, __ATOMIC_ACQUIRE) == sets && !m->bad &&
		       now_ms() < end)
			usleep(1000);
	}
	release_int(&m->stop, 1);
}

/*
 * The setter: until the loader is done, fork a child that waits, set a
 * fresh contid on it and then, if that worked, check that the module
 * stays pinned (read back the value, /proc/modules says "Live", and, one
 * time in four, delete_module() is refused), and let the child fork a
 * storm of STORM_CHILDREN children that exit at once before it exits
 * itself.  A set must succeed or, unloaded, fail with EOPNOTSUPP.
 */
static void setter(struct module_race *m, uint64_t seed)
{
	while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE) && !m->bad) {
		uint64_t id = random_contid(), got = 0;
		int p[2], e, k;
		char state[16] = "";
		long refs = -1;
		pid_t c;

		if (pipe2(p, O_CLOEXEC)) {
			module_bad(m, __LINE__, errno);
			break;
		}
		c = fork();
		if (c < 0) {
			module_bad(m, __LINE__, errno);
			break;
		}
		if (c == 0) {
			char b;

			close(p[1]);
			if (read(p[0], &b, 1) != 1)
				_exit(0);
			for (k = 0; k < STORM_CHILDREN; k++) {
				pid_t g = fork();

				if (g == 0)
					_exit(0);
				if (g > 0)
					waitpid(g, NULL, 0);
			}
			_exit(0);
		}
		close(p[0]);
		e = contid_set(c, id);
		if (e == 0) {
			__atomic_fetch_add(&m->set, 1, __ATOMIC_ACQ_REL);
			e = contid_get(c, &got);
			if (e || got != id) {
				/* The module went away (or was reloaded) with c's contid live. */
				m->bad_id = got;
				module_bad(m, __LINE__, e);
			}
			if (!module_state(state, sizeof(state), &refs) || strcmp(state, "Live") ||
			    refs < 1) {
				snprintf(m->bad_state, sizeof(m->bad_state), "%s/%ld", state, refs);
				module_bad(m, __LINE__, 0);
			}
			if (rng_next(&seed) % 4 == 0) {
				e = module_unload();
				if (module_busy_errno(e))
					m->refused_live++;
				else
					module_bad(m, __LINE__, e);
			}
			if (write(p[1], "g", 1) == 1)
				m->forks += STORM_CHILDREN;
		} else if (e == EOPNOTSUPP) {
			m->unsupported++;
		} else {
			module_bad(m, __LINE__, e);
		}
		close(p[1]);
		waitpid(c, NULL, 0);
		/* Now and then a pause, in which no contid is live. */
		if (rng_next(&seed) % 2)
			spin(rng_next(&seed) % 100000);
	}
}

/*
 * rmmod/insmod vs set and vs fork storms of tagged tasks.  The bug this
 * looks for: a set that creates the first object while delete_module()
 * has already found the module unused (the object pins the module too
 * late), leaving a task with a contid in an unloaded module; the set's
 * read-back then fails (EOPNOTSUPP) or /proc/modules says "Unloading", and
 * the counters are off once the task exits under the reloaded module.
 */
TEST_F_TIMEOUT(race, module_unload_vs_set_and_fork, 3600)
{
	unsigned long cycles = MODULE_CYCLES;
	uint64_t seed = test_seed(0x10ad);
	long start = now_ms();
	struct module_race *m = (struct module_race *)self->sh;
	pid_t l, s;
	int st;

	ASSERT_EQ(0, self->tasks0) TH_LOG("unloading needs every contid gone");
	ASSERT_EQ(0, self->objects0);
	memset(m, 0, sizeof(*m));
	l = fork();
	ASSERT_LE(0, l);
	if (l == 0) {
		loader(m, cycles, seed);
		_exit(0);
	}
	s = fork();
	ASSERT_LE(0, s);
	if (s == 0) {
		setter(m, seed ^ 0x5e77e4);
		_exit(0);
	}
	ASSERT_EQ(l, waitpid(l, &st, 0));
	ASSERT_EQ(s, waitpid(s, &st, 0));
	TH_LOG("%lu cycles in %ld ms (seed %#" PRIx64 "): %ld unloads, %ld refused; %ld sets,"
	       " %ld EOPNOTSUPP; %ld refused with a contid live; %ld children of tagged tasks",
	       cycles, now_ms() - start, seed, m->unloaded, m->refused, m->set, m->unsupported,
	       m->refused_live, m->forks);
	EXPECT_EQ(0, m->bad) TH_LOG("wrong outcome at line %d: %s (read back %s, module %s)",
				    m->bad, strerror(m->bad_err), u64_str(m->bad_id),
				    m->bad_state);
	EXPECT_EQ(cycles, (unsigned long)m->unloaded);
	/* Both sides were reached: sets in and out of the module's life. */
	EXPECT_LT(0, m->set);
	EXPECT_LT(0, m->unsupported);
	EXPECT_LT(0, m->refused);
	EXPECT_LT(0, m->refused_live);
	if (!module_loaded())
		ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
	expect_counters(_metadata, 0, 0, 0, 10000);
	expect_quiet_kernel(_metadata, self->kmsg);
}

/* ---------------------------------------------------------------------
 * unshare/setns churn under packets
 */

/* Namespaces with packet rules, and tagged churners (as many). */
#define NETNS_COUNT 3
/* Packets of the quiet phase, per namespace. */
#define QUIET_PACKETS 20
/* Between two packets of a sender (us). */
#define PACKET_GAP_US 20000
#define PACKET_PORT 9

enum { PHASE_SETUP, PHASE_CHURN, PHASE_QUIET };

struct netns_race {
	int phase;
	int ready;		/* senders with their namespace and rule */
	int churned;		/* churners back in the initial namespace */
	int quiet_sent;		/* senders done with the quiet phase */
	long packets[NETNS_COUNT];
	long ops[4];		/* unshare, setns, fork, back to the initial netns */
	int err, line;
	uint64_t ids[NETNS_COUNT];
};

static void netns_fail(struct netns_race *nr, int line, int err)
{
	if (!nr->line) {
		nr->err = err;
		nr->line = line;
	}
}

/* 127.0.0.@host */
static in_addr_t loopback(int host)
{
	return htonl(0x7f000000 | host);
}

/* A UDP packet to 127.0.0.@host, port PACKET_PORT. */
static void send_packet(int sock, int host)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons(PACKET_PORT),
		.sin_addr = { .s_addr = loopback(host) },
	};

	sendto(sock, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&a, sizeof(a));
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		rc = errno;
	ifr.ifr_flags |= IFF_UP;
	if (!rc && ioctl(s, SIOCSIFFLAGS, &ifr))
		rc = errno;
	close(s);
	return rc;
}

/*
 * A sender: untagged, alone in namespace @k of its own, with a rule that
 * logs its packets (xt_AUDIT in namespaces 0 and 2, nft_log in 1); sends
 * to 127.0.0.(10 + k) during the churn, then QUIET_PACKETS to
 * 127.0.0.(20 + k).
 */
static void sender(struct netns_race *nr, int k)
{
	static const char *const rule[] = {
		"iptables -A OUTPUT -o lo -p udp --dport 9 -j AUDIT --type accept",
		"nft add table inet acidrace && nft add chain inet acidrace out "
		"'{ type filter hook output priority 0; }' && "
		"nft add rule inet acidrace out oif lo udp dport 9 log level audit",
	};
	int s, i, rc;

	if (unshare(CLONE_NEWNET))
		netns_fail(nr, __LINE__, errno);
	rc = lo_up();
	if (rc)
		netns_fail(nr, __LINE__, rc);
	rc = system(rule[k == 1]);
	if (rc)
		netns_fail(nr, __LINE__, rc);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		netns_fail(nr, __LINE__, errno);
	__atomic_fetch_add(&nr->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&nr->phase, __ATOMIC_ACQUIRE) == PHASE_SETUP)
		usleep(1000);
	while (__atomic_load_n(&nr->phase, __ATOMIC_ACQUIRE) == PHASE_CHURN) {
		send_packet(s, 10 + k);
		nr->packets[k]++;
		usleep(PACKET_GAP_US);
	}
	for (i = 0; i < QUIET_PACKETS; i++) {
		send_packet(s, 20 + k);
		usleep(PACKET_GAP_US / 4);
	}
	__atomic_fetch_add(&nr->quiet_sent, 1, __ATOMIC_ACQ_REL);
	for (;;)
		pause();
}

/*
 * A churner: tagged (contid ids[j]), @n times one of: unshare(CLONE_NEWNET)
 * (1 in 16), fork a child that exits (1 in 16), setns() into sender j's
 * or sender j+1's namespace, or back into the initial one.  So namespace k
 * only ever has the contids of churners k and k-1; then it goes back to
 * the initial namespace for good.
 */
static void churner(struct netns_race *nr, int j, const pid_t *senders, unsigned long n,
		    uint64_t seed)
{
	int init, ns[2], k, fd;
	unsigned long i;
	char path[64];
	pid_t c;

	init = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", senders[(j + k) % NETNS_COUNT]);
		ns[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns[k] < 0)
			netns_fail(nr, __LINE__, errno);
	}
	if (init < 0)
		netns_fail(nr, __LINE__, errno);
	while (__atomic_load_n(&nr->phase, __ATOMIC_ACQUIRE) == PHASE_SETUP)
		sched_yield();
	for (i = 0; i < n && !nr->line; i++) {
		unsigned int r = rng_next(&seed) % 16;

		if (r == 0) {
			if (unshare(CLONE_NEWNET))
				netns_fail(nr, __LINE__, errno);
			__atomic_fetch_add(&nr->ops[0], 1, __ATOMIC_RELAXED);
		} else if (r == 1) {
			c = fork();
			if (c == 0)
				_exit(0);
			if (c < 0 || waitpid(c, NULL, 0) != c)
				netns_fail(nr, __LINE__, errno);
			__atomic_fetch_add(&nr->ops[2], 1, __ATOMIC_RELAXED);
		} else {
			fd = r < 7 ? ns[0] : r < 12 ? ns[1] : init;
			if (setns(fd, CLONE_NEWNET))
				netns_fail(nr, __LINE__, errno);
			__atomic_fetch_add(&nr->ops[fd == init ? 3 : 1], 1, __ATOMIC_RELAXED);
		}
	}
	if (setns(init, CLONE_NEWNET))
		netns_fail(nr, __LINE__, errno);
	__atomic_fetch_add(&nr->churned, 1, __ATOMIC_ACQ_REL);
	for (;;)
		pause();
}

/* The outcome of the packet records of one namespace. */
struct netns_packets {
	long pkts, with_info, quiet, quiet_info, foreign, emptied;
	long seen[NETNS_COUNT];	/* packets listing churner j's contid */
};

/*
 * Sort the NETFILTER_PKT records of @log into @out by their daddr
 * (127.0.0.1x: churn, 127.0.0.2x: quiet) and check the contids of their
 * CONTAINER_INFO against the churners allowed in the namespace.
 */
static void netns_packets_check(struct __test_metadata *_metadata, struct audit_log *log,
				const struct netns_race *nr, struct netns_packets *out)
{
	char daddr[32], list[512], *tok, *save;
	int i, k, j, host, ci;

	for (i = 0; i < log->n; i++) {
		if (log->recs[i].type != AUDIT_NETFILTER_PKT)
			continue;
		if (!record_field(log->recs[i].body, "daddr", daddr, sizeof(daddr)) ||
		    strncmp(daddr, "127.0.0.", 8))
			continue;
		host = atoi(daddr + 8);
		k = host % 10;
		if (k >= NETNS_COUNT || (host / 10 != 1 && host / 10 != 2))
			continue;
		ci = audit_log_event_find(log, log->recs[i].serial, AUDIT_CONTAINER_INFO);
		if (host / 10 == 2) {
			out[k].quiet++;
			if (ci >= 0) {
				out[k].quiet_info++;
				TH_LOG("quiet namespace %d: %s", k, log->recs[ci].body);
			}
			continue;
		}
		out[k].pkts++;
		if (ci < 0)
			continue;
		out[k].with_info++;
		if (!record_field(log->recs[ci].body, "contid", list, sizeof(list)))
			continue;
		/*
		 * An empty list: a packet that races the last tagged task
		 * leaving gets no CONTAINER_INFO at all (records.rst).
		 */
		if (!strcmp(list, "-1")) {
			out[k].emptied++;
			TH_LOG("namespace %d: an empty list: %s", k, log->recs[ci].body);
			continue;
		}
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			uint64_t id = strtoull(tok[0] == '^' ? tok + 1 : tok, NULL, 10);

			for (j = 0; j < NETNS_COUNT && nr->ids[j] != id; j++)
				;
			/* Churners k and k - 1 use namespace k. */
			if (j < NETNS_COUNT && (j == k || (j + 1) % NETNS_COUNT == k)) {
				out[k].seen[j]++;
			} else {
				out[k].foreign++;
				TH_LOG("namespace %d lists %s, never a member: %s", k, tok,
				       log->recs[ci].body);
			}
		}
	}
}

/*
 * unshare/setns churn across network namespaces while packets flow.  The
 * bugs this looks for: a (netns, contid) pair that outlives the tasks of
 * the contid in the namespace (the "netns" counter stays up, or a packet
 * of the namespace lists a contid after its tasks left), a contid listed
 * in a namespace none of its tasks ever used, and a miss (the audit lost
 * counter moves).
 */
TEST_F_TIMEOUT(race, netns_churn_under_packets, 3600)
{
	struct netns_race *nr = (struct netns_race *)self->sh;
	struct netns_packets pk[NETNS_COUNT];
	unsigned long n = NETNS_ITERATIONS;
	uint64_t seed = test_seed(0x2e75);
	pid_t senders[NETNS_COUNT], churners[NETNS_COUNT];
	struct audit_status st0, st1;
	struct audit_log log;
	long start, t;
	int j, k;

	memset(nr, 0, sizeof(*nr));
	memset(pk, 0, sizeof(pk));
	ASSERT_EQ(0, audit_log_open(&log));
	for (k = 0; k < NETNS_COUNT; k++) {
		senders[k] = fork();
		ASSERT_LE(0, senders[k]);
		if (senders[k] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			sender(nr, k);
		}
		children_add(senders[k]);
	}
	ASSERT_TRUE(wait_int(&nr->ready, NETNS_COUNT));
	ASSERT_EQ(0, nr->line) TH_LOG("sender setup failed at line %d: %s", nr->line,
				      strerror(nr->err));
	for (j = 0; j < NETNS_COUNT; j++) {
		nr->ids[j] = random_contid();
		churners[j] = fork();
		ASSERT_LE(0, churners[j]);
		if (churners[j] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			churner(nr, j, senders, n / NETNS_COUNT, seed + j);
			_exit(1);
		}
		children_add(churners[j]);
		tag_task(_metadata, churners[j], nr->ids[j]);
	}
	expect_counters(_metadata, self->tasks0 + NETNS_COUNT, self->objects0 + NETNS_COUNT,
			self->netns0 + NETNS_COUNT, 10000);
	ASSERT_EQ(0, audit_get_status(self->nl, &st0));

	start = now_ms();
	release_int(&nr->phase, PHASE_CHURN);
	while (__atomic_load_n(&nr->churned, __ATOMIC_ACQUIRE) < NETNS_COUNT && !nr->line &&
	       now_ms() - start < 3000L * 1000)
		audit_log_read(&log, 200);
	t = now_ms() - start;
	ASSERT_EQ(0, nr->line) TH_LOG("churn failed at line %d: %s", nr->line,
				      strerror(nr->err));
	ASSERT_EQ(NETNS_COUNT, nr->churned);
	/* All in the initial namespace: one pair each, nothing left behind. */
	expect_counters(_metadata, self->tasks0 + NETNS_COUNT, self->objects0 + NETNS_COUNT,
			self->netns0 + NETNS_COUNT, 10000);

	release_int(&nr->phase, PHASE_QUIET);
	start = now_ms();
	while (__atomic_load_n(&nr->quiet_sent, __ATOMIC_ACQUIRE) < NETNS_COUNT &&
	       now_ms() - start < WAIT_MS)
		audit_log_read(&log, 200);
	audit_log_read(&log, 2000);
	ASSERT_EQ(0, audit_get_status(self->nl, &st1));
	netns_packets_check(_metadata, &log, nr, pk);

	TH_LOG("%lu churn iterations in %ld ms (seed %#" PRIx64 "): %ld unshare, %ld setns into"
	       " a sender's netns, %ld back to the initial one, %ld forks; lost %+d; %d overruns",
	       n, t, seed, nr->ops[0], nr->ops[1], nr->ops[3], nr->ops[2],
	       (int)(st1.lost - st0.lost), log.overruns);
	for (k = 0; k < NETNS_COUNT; k++) {
		TH_LOG("netns %d: %ld packets sent, %ld logged, %ld with contids (churner %d"
		       " in %ld, churner %d in %ld), %ld foreign, %ld \"contid=-1\"; quiet:"
		       " %ld logged, %ld with contids",
		       k, nr->packets[k], pk[k].pkts, pk[k].with_info, k, pk[k].seen[k],
		       (k + NETNS_COUNT - 1) % NETNS_COUNT,
		       pk[k].seen[(k + NETNS_COUNT - 1) % NETNS_COUNT], pk[k].foreign,
		       pk[k].emptied, pk[k].quiet, pk[k].quiet_info);
		EXPECT_EQ(0, pk[k].foreign);
		EXPECT_EQ(0, pk[k].emptied);
		EXPECT_EQ(0, pk[k].quiet_info);
		EXPECT_LT(0, pk[k].quiet);
		/* The churn reached the packets: some listed contids, some not. */
		EXPECT_LT(0, pk[k].with_info);
	}
	EXPECT_EQ(st0.lost, st1.lost) TH_LOG("the audit lost counter moved");

	for (j = 0; j < NETNS_COUNT; j++) {
		kill(churners[j], SIGKILL);
		ASSERT_EQ(churners[j], waitpid(churners[j], NULL, 0));
		children_forget(churners[j]);
	}
	expect_counters(_metadata, self->tasks0, self->objects0, self->netns0, 10000);
	audit_log_close(&log);
	expect_quiet_kernel(_metadata, self->kmsg);
}

TEST_HARNESS_MAIN
