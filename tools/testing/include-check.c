// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-only check (scripts/build-selftests.sh): the numbers of the
 * project's include/uapi/audit_containerid.h are those of the series'
 * <linux/audit.h>, as installed by "make headers" of the patched kernel.
 *
 *   gcc -fsyntax-only -isystem build/kbuild/usr/include -I include \
 *	tools/testing/include-check.c
 *
 * A mismatch, or a <linux/audit.h> without the series, fails the build.
 */
#include <linux/audit.h>

#if !defined(AUDIT_CONTAINER) || !defined(AUDIT_CONTAINER_INFO) || \
	!defined(AUDIT_CONTAINERID) || !defined(AUDIT_FEATURE_BITMAP_CONTAINERID) || \
	!defined(AUDIT_CID_UNSET) || !defined(AUDIT_SIGNAL_INFO2) || \
	!defined(AUDIT_FEATURE_BITMAP_SIGNAL_INFO2)
#error "<linux/audit.h> lacks the series' definitions: pass -isystem <kbuild>/usr/include"
#endif

/* Its own <linux/audit.h> is already included: only the ACID_ copies are new. */
#include <uapi/audit_containerid.h>

#define SAME(name) \
	_Static_assert(name == ACID_##name, #name " differs from include/uapi/audit_containerid.h")
#define SAME_TYPE(name) \
	_Static_assert(__builtin_types_compatible_p(__typeof__(name), __typeof__(ACID_##name)), \
		       "the type of " #name " differs from include/uapi/audit_containerid.h")

SAME(AUDIT_CONTAINER);
SAME(AUDIT_CONTAINER_INFO);
SAME(AUDIT_CONTAINERID);
SAME(AUDIT_FEATURE_BITMAP_CONTAINERID);
SAME(AUDIT_CID_UNSET);
SAME(AUDIT_SIGNAL_INFO2);
SAME(AUDIT_FEATURE_BITMAP_SIGNAL_INFO2);
SAME_TYPE(AUDIT_CID_UNSET);
