/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every audit container identifier selftest includes, before
 * ../kselftest_harness.h: the system headers the tests use and the
 * declarations of the helpers they link with (see the Makefile):
 *
 *  - util.h           printable integers, random contids, a clock;
 *  - audit_records.h  the record log (multicast reader, exact fields);
 *  - audit_netlink.h  unicast audit netlink: rules, status, user messages;
 *  - contid_proc.h    /proc/<pid>/containerid, /proc/audit_containerid;
 *  - targets.h        children driven over pipes, and their reaping;
 *  - test_helpers.h   fixtures and record checks with harness assertions;
 *  - fault.h          fault injection: failslab, make-it-fail, fail-nth.
 */
#ifndef AUDIT_CONTAINERID_COMMON_H
#define AUDIT_CONTAINERID_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <uapi/audit_containerid.h>	/* <linux/audit.h> and the series' numbers */
#include <linux/netlink.h>

#include "util.h"
#include "audit_records.h"
#include "audit_netlink.h"
#include "contid_proc.h"
#include "targets.h"
#include "test_helpers.h"
#include "fault.h"

#endif /* AUDIT_CONTAINERID_COMMON_H */
