/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The userspace-facing numbers of the audit container identifier, for the
 * samples and tests of this project.
 *
 * patches/linux-6.12/0001 adds them to <linux/audit.h>; a host whose
 * <linux/audit.h> predates the series gets them from here instead.  Each
 * value is also defined under an ACID_ name of its own, which
 * tools/testing/include-check.c compares with the series' header at build
 * time (scripts/build-selftests.sh), so that the two cannot drift apart.
 *
 * Include it instead of <linux/audit.h> (it includes that first), with
 * -I<project>/include: #include <uapi/audit_containerid.h>.
 */
#ifndef _AUDIT_CONTAINERID_UAPI_H
#define _AUDIT_CONTAINERID_UAPI_H

#include <linux/types.h>
#include <linux/audit.h>

/* The project's copy of each number. */
#define ACID_AUDIT_CONTAINER				1020
#define ACID_AUDIT_SIGNAL_INFO2				1021
#define ACID_AUDIT_CONTAINER_INFO			1340
#define ACID_AUDIT_CONTAINERID				27
#define ACID_AUDIT_FEATURE_BITMAP_CONTAINERID		0x00000080
#define ACID_AUDIT_FEATURE_BITMAP_SIGNAL_INFO2		0x00000100
#define ACID_AUDIT_CID_UNSET				((__u64)-1)

/* Record: an attempt to set an audit container identifier. */
#ifndef AUDIT_CONTAINER
#define AUDIT_CONTAINER			ACID_AUDIT_CONTAINER
#endif

/* Auxiliary record: the audit container identifier(s) of an event. */
#ifndef AUDIT_CONTAINER_INFO
#define AUDIT_CONTAINER_INFO		ACID_AUDIT_CONTAINER_INFO
#endif

/* Rule field: -F containerid= (the u64 travels in the rule's buffer). */
#ifndef AUDIT_CONTAINERID
#define AUDIT_CONTAINERID		ACID_AUDIT_CONTAINERID
#endif

/* AUDIT_GET feature bit: the kernel understands the containerid field. */
#ifndef AUDIT_FEATURE_BITMAP_CONTAINERID
#define AUDIT_FEATURE_BITMAP_CONTAINERID	ACID_AUDIT_FEATURE_BITMAP_CONTAINERID
#endif

/* Request: who signalled auditd, with the sender's contid chain. */
#ifndef AUDIT_SIGNAL_INFO2
#define AUDIT_SIGNAL_INFO2		ACID_AUDIT_SIGNAL_INFO2
#endif

/* AUDIT_GET feature bit: the kernel answers AUDIT_SIGNAL_INFO2. */
#ifndef AUDIT_FEATURE_BITMAP_SIGNAL_INFO2
#define AUDIT_FEATURE_BITMAP_SIGNAL_INFO2	ACID_AUDIT_FEATURE_BITMAP_SIGNAL_INFO2
#endif

/* The value of a task without an audit container identifier. */
#ifndef AUDIT_CID_UNSET
#define AUDIT_CID_UNSET			ACID_AUDIT_CID_UNSET
#endif

#endif /* _AUDIT_CONTAINERID_UAPI_H */
