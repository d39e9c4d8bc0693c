// SPDX-License-Identifier: GPL-2.0
/*
 * Processes started inside a running container ("runc exec", "podman
 * exec", "nsenter -p"): the OCI spec has no hook for them, and their parent
 * is the runtime, which has no contid.  What they share with the container
 * is its PID namespace: the runtime enters it with setns(CLONE_NEWPID) and
 * forks.  So a task without a contid that is forked into another PID
 * namespace takes the contid of that namespace's init; a task with a contid
 * keeps its own, unless the init's is nested below it (a nested runtime
 * entering its own nested container).
 *
 * The processes of each test (H is the test process):
 *
 *   H ── I   init of a new PID namespace, clone(CLONE_NEWPID); waits
 *     ── E   "the runtime": enters I's namespace, forks G, reports G
 *              └── G  forked into I's namespace; reads its own contid,
 *                     calls uname(2), reports
 *     ── W   a nested orchestrator (contid A) that starts I and sets its
 *            contid itself, so that I's contid nests below A
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/utsname.h>

#include "common.h"
#include "../kselftest_harness.h"

/* What E reports: G's pid (in H's namespace), its contid, an errno. */
struct entered {
	pid_t pid;
	int err;
	uint64_t id;
};

static void wait_byte(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/*
 * Start I, the init of a new PID namespace, which waits until *@hold is
 * closed.  Returns its pid.
 */
static pid_t start_init(int *hold)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		close(p[1]);
		wait_byte(p[0]);
		_exit(0);
	}
	close(p[0]);
	*hold = p[1];
	return pid;
}

/* E, once released by a byte on its pipe: the runtime's "exec". */
static void enterer(pid_t init, int go, int res)
{
	struct entered e = { .err = 0 };
	char path[64];
	int fd, gp[2];

	wait_byte(go);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWPID) || pipe2(gp, O_CLOEXEC)) {
		e.err = errno;
		goto out;
	}
	e.pid = fork();
	if (e.pid == 0) {
		struct entered g = { .err = 0 };
		struct utsname u;

		if (contid_read_path("/proc/self/containerid", &g.id, NULL, 0))
			g.err = errno;
		/* The event the exit rule of the test logs. */
		uname(&u);
		if (write(gp[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		_exit(0);
	}
	close(gp[1]);
	if (e.pid < 0) {
		e.err = errno;
	} else {
		struct entered g;

		if (read(gp[0], &g, sizeof(g)) != sizeof(g)) {
			e.err = EIO;
		} else {
			e.err = g.err;
			e.id = g.id;
		}
		waitpid(e.pid, NULL, 0);
	}
out:
	if (write(res, &e, sizeof(e)) != sizeof(e))
		_exit(1);
	_exit(0);
}

FIXTURE(pidns) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	long tasks0, objects0, netns0;
	pid_t init, enterer, writer;
	int init_hold, go, res;		/* I's pipe; E's or W's pipes */
};

FIXTURE_SETUP(pidns)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	counters_settle(_metadata, &self->tasks0, &self->objects0, &self->netns0);
	self->init = self->enterer = self->writer = 0;
	self->init_hold = self->go = self->res = -1;
}

FIXTURE_TEARDOWN(pidns)
{
	close(self->init_hold);
	close(self->go);
	close(self->res);
	fixture_close(&self->log, self->nl, &self->rules);
}

/* Fork E, which waits for a byte before it enters @init's namespace. */
static pid_t fork_enterer(FIXTURE_DATA(pidns) *self, pid_t init)
{
	int go[2], res[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(res[0]);
		enterer(init, go[0], res[1]);
	}
	close(go[0]);
	close(res[1]);
	self->go = go[1];
	self->res = res[0];
	self->enterer = pid;
	return pid;
}

/* Release E and read what G saw. */
static struct entered run_enterer(FIXTURE_DATA(pidns) *self)
{
	struct entered e = { .err = EIO };

	if (write(self->go, "x", 1) != 1 || read(self->res, &e, sizeof(e)) != sizeof(e))
		e.err = EIO;
	waitpid(self->enterer, NULL, 0);
	return e;
}

/* End I (and W), then expect every counter back where it was. */
static void finish(struct __test_metadata *_metadata, FIXTURE_DATA(pidns) *self)
{
	close(self->init_hold);
	self->init_hold = -1;
	if (self->writer) {
		close(self->go);
		self->go = -1;
		waitpid(self->writer, NULL, 0);
	} else {
		waitpid(self->init, NULL, 0);
	}
	expect_counters(_metadata, self->tasks0, self->objects0, self->netns0, RECORD_TIMEOUT_MS);
}

/* The runtime's exec into a tagged container gets the container's contid. */
TEST_F(pidns, exec_takes_the_init_contid)
{
	uint64_t a = random_contid();
	struct rule_buffer r;
	struct entered e;

	self->init = start_init(&self->init_hold);
	ASSERT_LT(0, self->init);
	tag_task(_metadata, self->init, a);
	uname_rule(&r, "pidns_exec", AUDIT_EQUAL, a, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));
	ASSERT_LT(0, fork_enterer(self, self->init));

	e = run_enterer(self);
	ASSERT_EQ(0, e.err);
	EXPECT_EQ(a, e.id);
	/* The exec'd process's events carry it: the rule on it matches. */
	EXPECT_LE(0, expect_uname(_metadata, &self->log, 0, e.pid, "pidns_exec", u64_str(a)));
	/* The runtime itself stays untagged. */
	finish(_metadata, self);
}

/* A namespace whose init has no contid gives none. */
TEST_F(pidns, untagged_init_gives_nothing)
{
	struct entered e;

	self->init = start_init(&self->init_hold);
	ASSERT_LT(0, self->init);
	ASSERT_LT(0, fork_enterer(self, self->init));
	e = run_enterer(self);
	ASSERT_EQ(0, e.err);
	EXPECT_EQ(AUDIT_CID_UNSET, e.id);
	finish(_metadata, self);
}

/* A task of one container that enters another's namespace keeps its own. */
TEST_F(pidns, tagged_task_keeps_its_contid)
{
	uint64_t a = random_contid(), b = random_contid();
	struct entered e;

	self->init = start_init(&self->init_hold);
	ASSERT_LT(0, self->init);
	tag_task(_metadata, self->init, a);
	ASSERT_LT(0, fork_enterer(self, self->init));
	tag_task(_metadata, self->enterer, b);
	e = run_enterer(self);
	ASSERT_EQ(0, e.err);
	EXPECT_EQ(b, e.id);
	finish(_metadata, self);
}

/*
 * Fork W, tagged @a, which starts I and sets I's contid to @c itself (so
 * that it nests below @a); I lives until W's pipe (self->go) is closed.
 */
static void start_nested_init(struct __test_metadata *_metadata,
			      FIXTURE_DATA(pidns) *self, uint64_t a, uint64_t c)
{
	int go[2], res[2], err = -1;
	pid_t init = 0;

	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	self->writer = fork();
	ASSERT_LE(0, self->writer);
	if (self->writer == 0) {
		int hold = -1;

		close(go[1]);
		close(res[0]);
		wait_byte(go[0]);
		init = start_init(&hold);
		err = (init < 0 || contid_set(init, c)) ? errno : 0;
		if (write(res[1], &init, sizeof(init)) != sizeof(init) ||
		    write(res[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		wait_byte(go[0]);
		close(hold);
		waitpid(init, NULL, 0);
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	self->go = go[1];
	tag_task(_metadata, self->writer, a);
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(sizeof(init), read(res[0], &init, sizeof(init)));
	ASSERT_EQ(sizeof(err), read(res[0], &err, sizeof(err)));
	close(res[0]);
	ASSERT_EQ(0, err);
	self->init = init;
}

/* Run E, tagged @id, into the namespace of W's I; W keeps its pipe. */
static struct entered run_tagged_enterer(struct __test_metadata *_metadata,
					 FIXTURE_DATA(pidns) *self, uint64_t id)
{
	int wgo = self->go;
	struct entered e = { .err = EIO };

	if (fork_enterer(self, self->init) > 0) {
		tag_task(_metadata, self->enterer, id);
		e = run_enterer(self);
	}
	close(self->go);
	close(self->res);
	self->res = -1;
	self->go = wgo;
	return e;
}

/*
 * W (contid a) starts I and gives it c, nested below a.  A task of a that
 * enters I's namespace (a nested runtime's exec) takes c, and its events
 * carry the chain c,^a.
 */
TEST_F(pidns, nested_runtime_exec_takes_the_inner_contid)
{
	uint64_t a = random_contid(), c = random_contid();
	struct rule_buffer r;
	struct entered e;
	char chain[64];

	start_nested_init(_metadata, self, a, c);
	uname_rule(&r, "pidns_nested", AUDIT_EQUAL, c, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));
	e = run_tagged_enterer(_metadata, self, a);
	ASSERT_EQ(0, e.err);
	EXPECT_EQ(c, e.id);
	snprintf(chain, sizeof(chain), "%s,^%s", u64_str(c), u64_str(a));
	EXPECT_LE(0, expect_uname(_metadata, &self->log, 0, e.pid, "pidns_nested", chain));
	finish(_metadata, self);
}

/*
 * A task of an unrelated container b that enters I's namespace keeps b:
 * c nests below a, not below b.
 */
TEST_F(pidns, unrelated_task_keeps_its_contid_over_a_nested_one)
{
	uint64_t a = random_contid(), b = random_contid(), c = random_contid();
	struct entered e;

	start_nested_init(_metadata, self, a, c);
	e = run_tagged_enterer(_metadata, self, b);
	ASSERT_EQ(0, e.err);
	EXPECT_EQ(b, e.id);
	finish(_metadata, self);
}

/*
 * A new PID namespace made by a task without a contid (clone with
 * CLONE_NEWPID): its first task has no init to take a contid from.
 */
TEST_F(pidns, new_namespace_first_task_untagged)
{
	int hold;
	uint64_t id = 0;
	pid_t init = start_init(&hold);

	ASSERT_LT(0, init);
	ASSERT_EQ(0, contid_get(init, &id));
	EXPECT_EQ(AUDIT_CID_UNSET, id);
	self->init = init;
	self->init_hold = hold;
	finish(_metadata, self);
}

TEST_HARNESS_MAIN
