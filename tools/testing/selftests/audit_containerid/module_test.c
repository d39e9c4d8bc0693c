// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle of the audit_containerid module: it cannot be unloaded while a
 * container identifier is live, it can once every tagged task has exited,
 * the proc file reports EOPNOTSUPP while it is unloaded, and it reloads.
 * Every test leaves the module loaded.
 */
#include "common.h"
#include "../kselftest_harness.h"

FIXTURE(module) {
	int dummy;
};

FIXTURE_SETUP(module)
{
	long tasks, objects;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	if (!module_loaded())
		ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
	/* Unloading needs every contid gone; nothing else may hold one. */
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	ASSERT_EQ(0, tasks);
	ASSERT_EQ(0, objects);
}

FIXTURE_TEARDOWN(module)
{
	reap_all();
	if (!module_loaded()) {
		int rc = module_load();

		if (rc)
			TH_LOG("reloading the module failed: %s", strerror(rc));
	}
}

TEST_F(module, unload_refused_while_live)
{
	uint64_t x = random_contid(), id = 0;
	struct target t, u;
	long tasks, objects;
	int rc;

	ASSERT_LT(0, target_start(&t));
	ASSERT_EQ(0, contid_set(t.pid, x));
	rc = module_unload();
	EXPECT_TRUE(module_busy_errno(rc)) TH_LOG("delete_module: %s", strerror(rc));
	ASSERT_TRUE(module_loaded());
	ASSERT_EQ(0, contid_get(t.pid, &id));
	EXPECT_EQ(x, id);

	ASSERT_EQ(0, target_stop(&t));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(0, tasks);
	EXPECT_EQ(0, objects);
	ASSERT_EQ(0, module_unload());
	EXPECT_FALSE(module_loaded());

	/* Unloaded: the proc file exists but does not work. */
	ASSERT_LT(0, target_start(&u));
	EXPECT_EQ(EOPNOTSUPP, contid_get(0, &id));
	EXPECT_EQ(EOPNOTSUPP, contid_get(u.pid, &id));
	EXPECT_EQ(EOPNOTSUPP, contid_set(u.pid, x));

	ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
	ASSERT_EQ(0, contid_get(u.pid, &id));
	EXPECT_EQ(AUDIT_CID_UNSET, id);
	/* x is free again, and u was left untouched by the refused write. */
	ASSERT_EQ(0, contid_set(u.pid, x));
	ASSERT_EQ(0, contid_get(u.pid, &id));
	EXPECT_EQ(x, id);
	ASSERT_EQ(0, target_stop(&u));
}

TEST_F(module, unload_waits_for_inherited_child)
{
	uint64_t x = random_contid(), id = 0;
	long tasks, objects;
	struct target t;
	pid_t g;
	int rc;

	ASSERT_LT(0, target_start(&t));
	ASSERT_EQ(0, contid_set(t.pid, x));
	g = target_child(_metadata, &t);
	/* Only the tagged parent dies; its child (reparented to us) lives on. */
	kill(t.pid, SIGKILL);
	ASSERT_EQ(t.pid, waitpid(t.pid, NULL, 0));
	ASSERT_EQ(0, contid_get(g, &id));
	EXPECT_EQ(x, id);
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(1, tasks);
	EXPECT_EQ(1, objects);
	rc = module_unload();
	EXPECT_TRUE(module_busy_errno(rc)) TH_LOG("delete_module: %s", strerror(rc));
	ASSERT_TRUE(module_loaded());

	kill(g, SIGKILL);
	ASSERT_EQ(g, waitpid(g, NULL, 0));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(0, tasks);
	EXPECT_EQ(0, objects);
	ASSERT_EQ(0, module_unload());
	EXPECT_FALSE(module_loaded());
	ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
}

TEST_F_TIMEOUT(module, load_unload_cycles, 600)
{
	uint64_t id = 0, x = random_contid();
	long tasks, objects;
	struct target t;
	int i, rc;

	for (i = 0; i < 100; i++) {
		rc = module_unload();
		ASSERT_EQ(0, rc) TH_LOG("cycle %d: delete_module: %s", i, strerror(rc));
		if (i % 10 == 0) {
			ASSERT_FALSE(module_loaded());
			EXPECT_EQ(EOPNOTSUPP, contid_get(0, &id)) TH_LOG("cycle %d", i);
		}
		rc = module_load();
		ASSERT_EQ(0, rc) TH_LOG("cycle %d: finit_module: %s", i, strerror(rc));
		if (i % 4 == 0) {
			x = random_contid();
			ASSERT_LT(0, target_start(&t));
			ASSERT_EQ(0, contid_set(t.pid, x)) TH_LOG("cycle %d", i);
			ASSERT_EQ(0, contid_get(t.pid, &id));
			ASSERT_EQ(x, id);
			rc = module_unload();
			ASSERT_TRUE(module_busy_errno(rc))
				TH_LOG("cycle %d: delete_module: %s", i, strerror(rc));
			ASSERT_EQ(0, target_stop(&t));
		}
	}
	ASSERT_TRUE(module_loaded());
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(0, tasks);
	EXPECT_EQ(0, objects);
	/* And it still works. */
	ASSERT_LT(0, target_start(&t));
	ASSERT_EQ(0, contid_set(t.pid, x));
	ASSERT_EQ(0, contid_get(t.pid, &id));
	EXPECT_EQ(x, id);
	ASSERT_EQ(0, target_stop(&t));
}

/*
 * With the feature built in but the module not loaded, the kernel still
 * advertises the field and accepts rules on it, so that rules loaded at
 * boot, before modules, are not refused (issue 8, item 11).  They list
 * back and delete as usual.
 */
TEST_F(module, rules_accepted_while_unloaded)
{
	struct audit_status st;
	struct rule_buffer eq, unset;
	uint64_t x = random_contid();
	int nl, rc;

	rc = module_unload();
	ASSERT_EQ(0, rc) TH_LOG("delete_module: %s", strerror(rc));
	ASSERT_FALSE(module_loaded());
	nl = audit_netlink_open();
	ASSERT_LE(0, nl);
	ASSERT_EQ(0, audit_get_status(nl, &st));
	EXPECT_TRUE(st.feature_bitmap & AUDIT_FEATURE_BITMAP_CONTAINERID)
		TH_LOG("feature_bitmap 0x%x", st.feature_bitmap);
	rule_init(&eq, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_add_arch(&eq);
	rule_add_syscall(&eq, __NR_uname);
	rule_add_contid(&eq, AUDIT_EQUAL, x);
	rule_init(&unset, AUDIT_FILTER_EXCLUDE, AUDIT_NEVER);
	rule_add_field(&unset, AUDIT_MSGTYPE, AUDIT_EQUAL, AUDIT_CONTAINER);
	rule_add_contid(&unset, AUDIT_NOT_EQUAL, AUDIT_CID_UNSET);
	EXPECT_EQ(0, audit_add_rule(nl, &eq));
	EXPECT_EQ(0, audit_add_rule(nl, &unset));
	EXPECT_EQ(-EEXIST, audit_add_rule(nl, &eq));
	EXPECT_EQ(0, audit_del_rule(nl, &eq));
	EXPECT_EQ(0, audit_del_rule(nl, &unset));
	close(nl);
	ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
}

TEST_HARNESS_MAIN
