// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel built with the series but without CONFIG_AUDIT_CONTAINERID must
 * not pretend to support the audit container identifier (issue 8, item 11):
 * it does not report the feature bit, refuses rules on the containerid
 * field, and has no /proc/<pid>/containerid.
 *
 * Not part of the normal run (TEST_GEN_PROGS): it fails on a kernel that has
 * the feature.  scripts/run-tests.sh boots build/out/bzImage-noacid for it.
 */
#include "common.h"
#include "../kselftest_harness.h"

FIXTURE(noacid) {
	int nl;
};

FIXTURE_SETUP(noacid)
{
	self->nl = audit_netlink_open();
	ASSERT_LE(0, self->nl);
}

FIXTURE_TEARDOWN(noacid)
{
	if (self->nl >= 0)
		close(self->nl);
}

TEST_F(noacid, no_feature_bit)
{
	struct audit_status st;

	ASSERT_EQ(0, audit_get_status(self->nl, &st));
	EXPECT_FALSE(st.feature_bitmap & AUDIT_FEATURE_BITMAP_CONTAINERID)
		TH_LOG("feature_bitmap 0x%x", st.feature_bitmap);
	/* The other features are still there. */
	EXPECT_TRUE(st.feature_bitmap & AUDIT_FEATURE_BITMAP_FILTER_FS);
}

TEST_F(noacid, field_refused_on_every_list)
{
	static const uint32_t lists[] = {
		AUDIT_FILTER_EXIT, AUDIT_FILTER_EXCLUDE, AUDIT_FILTER_USER,
	};
	struct rule_buffer r, plain;
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		rule_init(&r, lists[i], AUDIT_ALWAYS);
		if (lists[i] == AUDIT_FILTER_EXIT) {
			rule_add_arch(&r);
			rule_add_syscall(&r, __NR_uname);
		}
		rule_add_contid(&r, AUDIT_EQUAL, 42);
		EXPECT_EQ(-EINVAL, audit_add_rule(self->nl, &r)) TH_LOG("list %u", lists[i]);
	}
	/* The same rule without the field is accepted: the refusal is the field's. */
	rule_init(&plain, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_add_arch(&plain);
	rule_add_syscall(&plain, __NR_uname);
	ASSERT_EQ(0, audit_add_rule(self->nl, &plain));
	EXPECT_EQ(0, audit_del_rule(self->nl, &plain));
}

TEST(no_proc_file)
{
	EXPECT_EQ(-1, access("/proc/self/containerid", F_OK));
	EXPECT_EQ(ENOENT, errno);
}

TEST_HARNESS_MAIN
