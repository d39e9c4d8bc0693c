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
 * The first write comes from an OCI runtime hook, which the runtime forks
 * beside the container's init: a writer may set the init of another PID
 * namespace whose parent is the writer's own parent (runtime_hook_*).
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

/*
 * An OCI runtime hook: the runtime R forks the container's init I into a
 * new PID namespace and then the hook K, so K is I's sibling, not its
 * ancestor.  K may set I (the init of another PID namespace whose parent
 * is K's parent), and only that: not a plain sibling P in K's own
 * namespace, and not an init J that is R's grandchild (a cousin).
 *
 *   H ── R ── I   init of a new PID namespace
 *          ├── P   plain child
 *          ├── C ── J   init of another new PID namespace
 *          └── K   the hook: sets I, P and J
 */
struct hook_result {
	int err_init, err_plain, err_cousin, err_read;
	uint64_t init_id;
};

static void runtime(uint64_t a, uint64_t b, uint64_t c, int res)
{
	struct hook_result h = { .err_read = EIO };
	int hold_i = -1, hold_p[2], cj[2], hold_c[2], kres[2];
	pid_t init, plain, cousin, cousin_init = -1, hook;

	if (pipe2(hold_p, O_CLOEXEC) || pipe2(cj, O_CLOEXEC) ||
	    pipe2(hold_c, O_CLOEXEC) || pipe2(kres, O_CLOEXEC))
		_exit(1);
	init = start_init(&hold_i);
	plain = fork();
	if (plain == 0) {
		close(hold_p[1]);
		wait_byte(hold_p[0]);
		_exit(0);
	}
	cousin = fork();
	if (cousin == 0) {
		int hold = -1;
		pid_t j = start_init(&hold);

		if (write(cj[1], &j, sizeof(j)) != sizeof(j))
			_exit(1);
		close(hold_c[1]);
		wait_byte(hold_c[0]);
		close(hold);
		waitpid(j, NULL, 0);
		_exit(0);
	}
	if (init < 0 || plain < 0 || cousin < 0 ||
	    read(cj[0], &cousin_init, sizeof(cousin_init)) != sizeof(cousin_init))
		_exit(1);
	hook = fork();
	if (hook == 0) {
		int e[3];

		e[0] = contid_set(init, a) ? errno : 0;
		e[1] = contid_set(plain, b) ? errno : 0;
		e[2] = contid_set(cousin_init, c) ? errno : 0;
		if (write(kres[1], e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	if (hook > 0 && read(kres[0], &h, 3 * sizeof(int)) == 3 * sizeof(int))
		h.err_read = contid_get(init, &h.init_id) ? errno : 0;
	waitpid(hook, NULL, 0);
	/* A byte each: the children hold each other's pipes open. */
	if (write(hold_i, "x", 1) != 1 || write(hold_p[1], "x", 1) != 1 ||
	    write(hold_c[1], "x", 1) != 1)
		_exit(1);
	waitpid(init, NULL, 0);
	waitpid(plain, NULL, 0);
	waitpid(cousin, NULL, 0);
	if (write(res, &h, sizeof(h)) != sizeof(h))
		_exit(1);
	_exit(0);
}

TEST_F(pidns, runtime_hook_sets_its_sibling_init_only)
{
	uint64_t a = random_contid(), b = random_contid(), c = random_contid();
	struct hook_result h;
	int res[2];
	pid_t r;

	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	r = fork();
	ASSERT_LE(0, r);
	if (r == 0) {
		close(res[0]);
		runtime(a, b, c, res[1]);
	}
	close(res[1]);
	ASSERT_EQ(sizeof(h), read(res[0], &h, sizeof(h)));
	close(res[0]);
	waitpid(r, NULL, 0);
	EXPECT_EQ(0, h.err_init);
	EXPECT_EQ(0, h.err_read);
	EXPECT_EQ(a, h.init_id);
	EXPECT_EQ(EXDEV, h.err_plain);
	EXPECT_EQ(EXDEV, h.err_cousin);
	expect_counters(_metadata, self->tasks0, self->objects0, self->netns0, RECORD_TIMEOUT_MS);
}

/*
 * A nested runtime: R runs under contid x (set by H, which then exits
 * from the picture as a runtime's hook does), starts I, which inherits x,
 * and its hook K gives I the nested contid c: K runs under x and is not
 * x's owner, so it may nest, although it descends from neither H nor
 * anything H set.
 */
static void nested_runtime(uint64_t c, int go, int res)
{
	struct hook_result h = { .err_read = EIO, .err_plain = 0, .err_cousin = 0 };
	int hold_i = -1, kres[2];
	pid_t init, hook;

	wait_byte(go);
	if (pipe2(kres, O_CLOEXEC))
		_exit(1);
	init = start_init(&hold_i);
	if (init < 0)
		_exit(1);
	hook = fork();
	if (hook == 0) {
		int e = contid_set(init, c) ? errno : 0;

		if (write(kres[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	if (hook > 0 && read(kres[0], &h.err_init, sizeof(int)) == sizeof(int))
		h.err_read = contid_get(init, &h.init_id) ? errno : 0;
	waitpid(hook, NULL, 0);
	if (write(hold_i, "x", 1) != 1)
		_exit(1);
	waitpid(init, NULL, 0);
	if (write(res, &h, sizeof(h)) != sizeof(h))
		_exit(1);
	_exit(0);
}

TEST_F(pidns, nested_runtime_hook_nests_below_its_runtime)
{
	uint64_t x = random_contid(), c = random_contid();
	struct hook_result h;
	int go[2], res[2];
	pid_t r;

	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	r = fork();
	ASSERT_LE(0, r);
	if (r == 0) {
		close(go[1]);
		close(res[0]);
		nested_runtime(c, go[0], res[1]);
	}
	close(go[0]);
	close(res[1]);
	tag_task(_metadata, r, x);
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(sizeof(h), read(res[0], &h, sizeof(h)));
	close(go[1]);
	close(res[0]);
	waitpid(r, NULL, 0);
	EXPECT_EQ(0, h.err_init);
	EXPECT_EQ(0, h.err_read);
	EXPECT_EQ(c, h.init_id);
	expect_counters(_metadata, self->tasks0, self->objects0, self->netns0, RECORD_TIMEOUT_MS);
}

TEST_HARNESS_MAIN
