// SPDX-License-Identifier: GPL-2.0
/*
 * The CONTAINER_INFO (1340) auxiliary record of syscall events and the
 * containerid (AUDIT_CONTAINERID, 27) rule field on the exit, exclude and
 * user lists: which rules are accepted, how they list back and delete, and
 * which events they select.
 *
 * Absence of a record is checked against a later record that must appear
 * (records are delivered in order), never against a timeout alone.
 */
#include "common.h"
#include "../kselftest_harness.h"

FIXTURE(info) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	char key[64];
};

FIXTURE_SETUP(info)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	snprintf(self->key, sizeof(self->key), "acid-%" PRIu64, random_contid());
}

FIXTURE_TEARDOWN(info)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

static void do_uname(struct __test_metadata *_metadata, struct target *t)
{
	struct target_reply r = target_call(t, 'u', 0, 0);

	ASSERT_EQ(0, r.err);
	ASSERT_EQ(0, r.val);
}

/*
 * expect_uname_event - wait for the SYSCALL record of @pid's uname with
 * key @key and check its CONTAINER_INFO: for @id unset none, and no
 * record= field; otherwise exactly one "record=1 contid=<id>" and the
 * SYSCALL record ending in " record=1" (expect_uname() of test_helpers.h).
 * Returns the record's index.
 */
#define expect_uname_event_from(m, log, from, pid, key, id) \
	expect_uname(m, log, from, pid, key, (id) == AUDIT_CID_UNSET ? NULL : u64_str(id))
#define expect_uname_event(m, log, pid, key, id) \
	expect_uname_event_from(m, log, 0, pid, key, id)

/* No uname SYSCALL record of @pid with @key anywhere in the log. */
#define EXPECT_NO_UNAME(log, pid, key) EXPECT_EQ(0, UNAME_COUNT(log, pid, key))

TEST_F(info, feature_bitmap)
{
	struct audit_status st;

	ASSERT_EQ(0, audit_get_status(self->nl, &st));
	EXPECT_EQ(AUDIT_FEATURE_BITMAP_CONTAINERID,
		  st.feature_bitmap & AUDIT_FEATURE_BITMAP_CONTAINERID)
		TH_LOG("feature_bitmap 0x%x", st.feature_bitmap);
}

/*
 * The containerid field on each filter list: accepted with = and != on
 * the exit, exclude and user lists, refused (EINVAL) on the others; no list
 * takes it with any other operator.
 */
FIXTURE(rule_on_list) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
};

FIXTURE_VARIANT(rule_on_list) {
	uint32_t list;
	int err;	/* of a rule with = or != */
};

FIXTURE_VARIANT_ADD(rule_on_list, exit) { AUDIT_FILTER_EXIT, 0 };
FIXTURE_VARIANT_ADD(rule_on_list, exclude) { AUDIT_FILTER_EXCLUDE, 0 };
FIXTURE_VARIANT_ADD(rule_on_list, user) { AUDIT_FILTER_USER, 0 };
FIXTURE_VARIANT_ADD(rule_on_list, task) { AUDIT_FILTER_TASK, -EINVAL };
FIXTURE_VARIANT_ADD(rule_on_list, fs) { AUDIT_FILTER_FS, -EINVAL };
#ifdef AUDIT_FILTER_URING_EXIT
FIXTURE_VARIANT_ADD(rule_on_list, uring_exit) { AUDIT_FILTER_URING_EXIT, -EINVAL };
#endif

FIXTURE_SETUP(rule_on_list)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
}

FIXTURE_TEARDOWN(rule_on_list)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

/* A rule on @list with -F containerid<@op>@x (and uname for exit). */
static void list_rule(struct rule_buffer *r, uint32_t list, uint32_t op, uint64_t x)
{
	rule_init(r, list, AUDIT_ALWAYS);
	if (list == AUDIT_FILTER_EXIT) {
		rule_add_arch(r);
		rule_add_syscall(r, __NR_uname);
	}
	rule_add_contid(r, op, x);
}

TEST_F(rule_on_list, equal_and_not_equal)
{
	uint64_t x = random_contid();
	unsigned int op;

	for (op = 0; op < 2; op++) {
		struct rule_buffer r;

		list_rule(&r, variant->list, op ? AUDIT_NOT_EQUAL : AUDIT_EQUAL, x);
		EXPECT_EQ(variant->err, rule_list_add(self->nl, &self->rules, &r))
			TH_LOG("list %u op %s", variant->list, op ? "!=" : "=");
		if (!variant->err) {
			EXPECT_EQ(0, rule_list_del(self->nl, &self->rules, &r));
		}
	}
}

TEST_F(rule_on_list, other_operators_refused)
{
	static const uint32_t bad_ops[] = {
		AUDIT_GREATER_THAN, AUDIT_LESS_THAN, AUDIT_GREATER_THAN_OR_EQUAL,
		AUDIT_LESS_THAN_OR_EQUAL, AUDIT_BIT_MASK, AUDIT_BIT_TEST,
	};
	uint64_t x = random_contid();
	unsigned int i;

	for (i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		struct rule_buffer r;

		list_rule(&r, variant->list, bad_ops[i], x);
		EXPECT_EQ(-EINVAL, rule_list_add(self->nl, &self->rules, &r))
			TH_LOG("list %u op 0x%x", variant->list, bad_ops[i]);
	}
}

/* A containerid value of any length but 8 bytes is refused. */
FIXTURE(rule_value_length) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	char key[64];
};

FIXTURE_VARIANT(rule_value_length) {
	uint32_t len;
};

FIXTURE_VARIANT_ADD(rule_value_length, bytes_0) { 0 };
FIXTURE_VARIANT_ADD(rule_value_length, bytes_1) { 1 };
FIXTURE_VARIANT_ADD(rule_value_length, bytes_4) { 4 };
FIXTURE_VARIANT_ADD(rule_value_length, bytes_7) { 7 };
FIXTURE_VARIANT_ADD(rule_value_length, bytes_9) { 9 };
FIXTURE_VARIANT_ADD(rule_value_length, bytes_16) { 16 };

FIXTURE_SETUP(rule_value_length)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	snprintf(self->key, sizeof(self->key), "acid-%" PRIu64, random_contid());
}

FIXTURE_TEARDOWN(rule_value_length)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

TEST_F(rule_value_length, refused)
{
	unsigned char bytes[16];
	struct rule_buffer r;

	memset(bytes, 0x5a, sizeof(bytes));
	uname_rule(&r, self->key, 0, 0, 0);
	rule_add_field_data(&r, AUDIT_CONTAINERID, AUDIT_EQUAL, bytes, variant->len);
	EXPECT_EQ(-EINVAL, rule_list_add(self->nl, &self->rules, &r))
		TH_LOG("length %u", variant->len);
}

struct find_rule {
	const struct rule_buffer *want;
	int matches;
};

/* Is the listed rule exactly @want (fields, operators, values, buffer)? */
static bool same_rule(const struct audit_rule_data *d, void *arg)
{
	struct find_rule *f = arg;

	if (!rule_same(d, &f->want->d))
		return false;
	f->matches++;
	return true;
}

TEST_F(info, rules_list_back_and_delete)
{
	uint64_t x = random_contid();
	struct find_rule f;
	struct rule_buffer eq, ne, ex, us, other;

	uname_rule(&eq, self->key, AUDIT_EQUAL, x, 0);
	uname_rule(&ne, self->key, AUDIT_NOT_EQUAL, x, 0);
	rule_init(&ex, AUDIT_FILTER_EXCLUDE, AUDIT_ALWAYS);
	rule_add_field(&ex, AUDIT_MSGTYPE, AUDIT_EQUAL, AUDIT_SYSCALL);
	rule_add_contid(&ex, AUDIT_EQUAL, x);
	rule_init(&us, AUDIT_FILTER_USER, AUDIT_NEVER);
	rule_add_contid(&us, AUDIT_NOT_EQUAL, x);

	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &eq));
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &ne));
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &ex));
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &us));
	/* The same rule twice is a duplicate. */
	EXPECT_EQ(-EEXIST, audit_add_rule(self->nl, &eq));

	f = (struct find_rule){ .want = &eq };
	EXPECT_EQ(1, audit_list_rules(self->nl, same_rule, &f));
	f = (struct find_rule){ .want = &ne };
	EXPECT_EQ(1, audit_list_rules(self->nl, same_rule, &f));
	f = (struct find_rule){ .want = &ex };
	EXPECT_EQ(1, audit_list_rules(self->nl, same_rule, &f));
	f = (struct find_rule){ .want = &us };
	EXPECT_EQ(1, audit_list_rules(self->nl, same_rule, &f));

	/* A rule with another id is another rule: nothing to delete. */
	uname_rule(&other, self->key, AUDIT_EQUAL, x ^ 1, 0);
	EXPECT_EQ(-ENOENT, audit_del_rule(self->nl, &other));

	EXPECT_EQ(0, rule_list_del(self->nl, &self->rules, &eq));
	EXPECT_EQ(-ENOENT, audit_del_rule(self->nl, &eq));
	f = (struct find_rule){ .want = &eq };
	EXPECT_EQ(0, audit_list_rules(self->nl, same_rule, &f));
	/* The != rule is still there. */
	f = (struct find_rule){ .want = &ne };
	EXPECT_EQ(1, audit_list_rules(self->nl, same_rule, &f));
	EXPECT_EQ(0, rule_list_del(self->nl, &self->rules, &ne));
	EXPECT_EQ(0, rule_list_del(self->nl, &self->rules, &ex));
	EXPECT_EQ(0, rule_list_del(self->nl, &self->rules, &us));
	f = (struct find_rule){ .want = &us };
	EXPECT_EQ(0, audit_list_rules(self->nl, same_rule, &f));
}

TEST_F(info, container_info_on_syscall_events)
{
	uint64_t x = random_contid();
	struct target tx, tu;
	struct rule_buffer rx, ru;
	int first;

	target_start_tagged(_metadata, &tx, x);
	target_start_tagged(_metadata, &tu, AUDIT_CID_UNSET);
	/* Rules on the pids only: CONTAINER_INFO does not depend on a
	 * containerid rule. */
	uname_rule(&rx, self->key, 0, 0, tx.pid);
	uname_rule(&ru, self->key, 0, 0, tu.pid);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &rx));
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &ru));

	do_uname(_metadata, &tx);
	do_uname(_metadata, &tu);
	first = expect_uname_event(_metadata, &self->log, tx.pid, self->key, x);
	expect_uname_event(_metadata, &self->log, tu.pid, self->key, AUDIT_CID_UNSET);
	ASSERT_LE(0, first);
	/* A second event of the same task is numbered from 1 again. */
	do_uname(_metadata, &tx);
	expect_uname_event_from(_metadata, &self->log, first + 1, tx.pid, self->key, x);
}

/*
 * An exit rule with a containerid field selects the uname events of the
 * tasks it matches among three: tagged x, tagged y and untagged.  The
 * others run their uname first, so that the records of the matched ones,
 * which must arrive, show that theirs were not logged.
 */
FIXTURE(exit_rule) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	char key[64];
};

FIXTURE_VARIANT(exit_rule) {
	uint32_t op;
	bool unset;			/* the rule's value: unset, not x */
	bool x, y, untagged;		/* which tasks it selects */
};

FIXTURE_VARIANT_ADD(exit_rule, equal) {
	.op = AUDIT_EQUAL, .x = true,
};

FIXTURE_VARIANT_ADD(exit_rule, not_equal) {
	.op = AUDIT_NOT_EQUAL, .y = true, .untagged = true,
};

FIXTURE_VARIANT_ADD(exit_rule, unset_matches_untagged) {
	.op = AUDIT_EQUAL, .unset = true, .untagged = true,
};

FIXTURE_SETUP(exit_rule)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	snprintf(self->key, sizeof(self->key), "acid-%" PRIu64, random_contid());
}

FIXTURE_TEARDOWN(exit_rule)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

TEST_F(exit_rule, selects_tasks)
{
	uint64_t x = random_contid(), y = random_contid();
	const bool selected[3] = { variant->x, variant->y, variant->untagged };
	const uint64_t ids[3] = { x, y, AUDIT_CID_UNSET };
	struct target t[3];
	struct rule_buffer r;
	int i;

	for (i = 0; i < 3; i++)
		target_start_tagged(_metadata, &t[i], ids[i]);
	uname_rule(&r, self->key, variant->op, variant->unset ? AUDIT_CID_UNSET : x, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));

	for (i = 0; i < 3; i++)
		if (!selected[i])
			do_uname(_metadata, &t[i]);
	for (i = 0; i < 3; i++)
		if (selected[i])
			do_uname(_metadata, &t[i]);
	for (i = 0; i < 3; i++)
		if (selected[i])
			expect_uname_event(_metadata, &self->log, t[i].pid, self->key, ids[i]);
	for (i = 0; i < 3; i++)
		if (!selected[i])
			EXPECT_NO_UNAME(&self->log, t[i].pid, self->key);
}

TEST_F(info, exit_rule_matches_inherited)
{
	uint64_t x = random_contid();
	struct target tx;
	struct rule_buffer r;
	struct target_reply rep;

	target_start_tagged(_metadata, &tx, x);
	uname_rule(&r, self->key, AUDIT_EQUAL, x, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));
	/* The fork is a syscall of a task with x, but not uname. */
	rep = target_call(&tx, 'f', 0, 0);
	ASSERT_EQ(0, rep.err);
	do_uname(_metadata, &tx);
	expect_uname_event(_metadata, &self->log, tx.pid, self->key, x);
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_SYSCALL, "pid", i64_str(tx.pid), "syscall",
				     i64_str(__NR_clone)));
}

TEST_F(info, exclude_rule)
{
	uint64_t x = random_contid(), y = random_contid();
	struct target tx, ty, tu;
	struct rule_buffer all, ex;
	int first;

	target_start_tagged(_metadata, &tx, x);
	target_start_tagged(_metadata, &ty, y);
	target_start_tagged(_metadata, &tu, AUDIT_CID_UNSET);
	uname_rule(&all, self->key, 0, 0, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &all));

	/* Before the exclude rule, x's uname is logged. */
	do_uname(_metadata, &tx);
	first = expect_uname_event(_metadata, &self->log, tx.pid, self->key, x);
	ASSERT_LE(0, first);

	rule_init(&ex, AUDIT_FILTER_EXCLUDE, AUDIT_ALWAYS);
	rule_add_field(&ex, AUDIT_MSGTYPE, AUDIT_EQUAL, AUDIT_SYSCALL);
	rule_add_contid(&ex, AUDIT_EQUAL, x);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &ex));
	do_uname(_metadata, &tx);
	do_uname(_metadata, &ty);
	do_uname(_metadata, &tu);
	expect_uname_event(_metadata, &self->log, ty.pid, self->key, y);
	expect_uname_event(_metadata, &self->log, tu.pid, self->key, AUDIT_CID_UNSET);
	EXPECT_EQ(1, UNAME_COUNT(&self->log, tx.pid, self->key));

	/* Deleting the exclude rule brings x's records back. */
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &ex));
	do_uname(_metadata, &tx);
	expect_uname_event_from(_metadata, &self->log, first + 1, tx.pid, self->key, x);
	EXPECT_EQ(2, UNAME_COUNT(&self->log, tx.pid, self->key));
}

TEST_F(info, user_rule)
{
	uint64_t x = random_contid(), y = random_contid();
	uint64_t mx = random_contid(), my = random_contid(), mu = random_contid();
	struct target tx, ty, tu;
	struct rule_buffer r;
	char m[64];

	target_start_tagged(_metadata, &tx, x);
	target_start_tagged(_metadata, &ty, y);
	target_start_tagged(_metadata, &tu, AUDIT_CID_UNSET);

	/* user,never containerid!=x: only x's messages are kept. */
	rule_init(&r, AUDIT_FILTER_USER, AUDIT_NEVER);
	rule_add_contid(&r, AUDIT_NOT_EQUAL, x);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));
	ASSERT_EQ(0, target_call(&ty, 'n', my, 0).err);
	ASSERT_EQ(0, target_call(&tu, 'n', mu, 0).err);
	ASSERT_EQ(0, target_call(&tx, 'n', mx, 0).err);
	snprintf(m, sizeof(m), "acid-user-%" PRIu64, mx);
	EXPECT_LE(0, audit_log_wait(&self->log, AUDIT_USER, "pid", i64_str(tx.pid), "msg", m));
	snprintf(m, sizeof(m), "acid-user-%" PRIu64, my);
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_USER, "msg", m));
	snprintf(m, sizeof(m), "acid-user-%" PRIu64, mu);
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_USER, "msg", m));
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &r));

	/* user,never containerid=x: x's messages are dropped. */
	mx = random_contid();
	my = random_contid();
	rule_init(&r, AUDIT_FILTER_USER, AUDIT_NEVER);
	rule_add_contid(&r, AUDIT_EQUAL, x);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));
	ASSERT_EQ(0, target_call(&tx, 'n', mx, 0).err);
	ASSERT_EQ(0, target_call(&ty, 'n', my, 0).err);
	snprintf(m, sizeof(m), "acid-user-%" PRIu64, my);
	EXPECT_LE(0, audit_log_wait(&self->log, AUDIT_USER, "pid", i64_str(ty.pid), "msg", m));
	snprintf(m, sizeof(m), "acid-user-%" PRIu64, mx);
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_USER, "msg", m));
}

TEST_HARNESS_MAIN
