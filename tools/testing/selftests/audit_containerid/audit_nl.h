/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the audit container identifier selftests:
 *
 *  - a multicast NETLINK_AUDIT reader (group AUDIT_NLGRP_READLOG) that keeps
 *    every record it has seen in an in-memory log, so that a test can wait
 *    for a record, collect the records of one event (same serial) and check
 *    that a record did *not* appear before a later "barrier" record;
 *  - exact field extraction from a record body (field=value tokens);
 *  - audit rules over a unicast NETLINK_AUDIT socket (AUDIT_ADD_RULE,
 *    AUDIT_DEL_RULE, AUDIT_LIST_RULES), AUDIT_GET and AUDIT_USER;
 *  - /proc/<pid>/containerid access;
 *  - "targets": forked children driven over a pipe, which block in read()
 *    (single-threaded, childless) until told to do something;
 *  - the helpers of the tests themselves (with kselftest_harness.h
 *    assertions): fixture setup and teardown, rule lists, tagging, and the
 *    checks of CONTAINER, CONTAINER_INFO and uname SYSCALL records.
 */
#ifndef AUDIT_CONTAINERID_AUDIT_NL_H
#define AUDIT_CONTAINERID_AUDIT_NL_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <uapi/audit_containerid.h>	/* <linux/audit.h> and the series' numbers */
#include <linux/capability.h>
#include <linux/netlink.h>

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

#define CONTID_UNSET_STR "18446744073709551615"

/* Timeouts (ms): the guest runs under TCG, so be generous for records that
 * must arrive; absence is checked against a later barrier, not a timeout. */
#define REC_TIMEOUT_MS 8000

/* ---------------------------------------------------------------------
 * Small utilities
 */

/* A printable u64; a ring of buffers so several can be used in one call. */
static inline const char *u64s(uint64_t v)
{
	static char ring[32][24];
	static unsigned int next;
	char *b = ring[next++ % 32];

	snprintf(b, 24, "%" PRIu64, v);
	return b;
}

static inline const char *i64s(int64_t v)
{
	static char ring[16][24];
	static unsigned int next;
	char *b = ring[next++ % 16];

	snprintf(b, 24, "%" PRId64, v);
	return b;
}

/* A random contid, never the unset value; different for every call. */
static inline uint64_t random_contid(void)
{
	uint64_t v;

	do {
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = ((uint64_t)rand() << 32) ^ (uint64_t)rand() ^
			    (uint64_t)time(NULL);
		/* Keep it below 2^63 so that it also prints the same signed. */
		v &= 0x7fffffffffffffffULL;
	} while (v == 0);
	return v;
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---------------------------------------------------------------------
 * Records
 */

struct arec {
	int type;
	unsigned long serial;
	char *text;		/* whole text, "audit(SEC.MS:SERIAL): body" */
	char *body;		/* points into text, after "): " */
};

struct alog {
	int fd;			/* multicast socket */
	struct arec *recs;
	int n, cap;
	int overruns;		/* ENOBUFS seen: records may be missing */
};

/*
 * audit_mcast_open - a socket that receives a copy of every audit record.
 */
static inline int audit_mcast_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1),
	};
	int sz = 16 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int alog_open(struct alog *log)
{
	memset(log, 0, sizeof(*log));
	log->fd = audit_mcast_open();
	return log->fd < 0 ? -1 : 0;
}

static inline void alog_close(struct alog *log)
{
	int i;

	if (log->fd >= 0)
		close(log->fd);
	for (i = 0; i < log->n; i++)
		free(log->recs[i].text);
	free(log->recs);
	memset(log, 0, sizeof(*log));
	log->fd = -1;
}

static inline void alog_add(struct alog *log, int type, const char *p, size_t len)
{
	struct arec *r;
	char *colon;

	if (log->n == log->cap) {
		log->cap = log->cap ? 2 * log->cap : 1024;
		log->recs = realloc(log->recs, log->cap * sizeof(*log->recs));
		if (!log->recs)
			abort();
	}
	r = &log->recs[log->n++];
	r->type = type;
	r->text = strndup(p, len);
	if (!r->text)
		abort();
	r->serial = 0;
	r->body = r->text;
	colon = strchr(r->text, ':');
	if (colon && !strncmp(r->text, "audit(", 6)) {
		r->serial = strtoul(colon + 1, NULL, 10);
		r->body = strstr(r->text, "): ");
		r->body = r->body ? r->body + 3 : r->text;
	}
}

/*
 * alog_read - read records into the log for at most @timeout_ms.
 * Returns the number of records added, or -1 on a socket error.
 */
static inline int alog_read(struct alog *log, int timeout_ms)
{
	static char buf[65536];
	int added = 0;
	long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = log->fd, .events = POLLIN };
		long left = end - now_ms();
		struct nlmsghdr *nh;
		ssize_t len;
		int rc, rem;

		rc = poll(&pfd, 1, left > 0 ? left : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return added;
		len = recv(log->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == ENOBUFS) {
				log->overruns++;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		rem = len;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, rem); nh = NLMSG_NEXT(nh, rem)) {
			size_t plen = nh->nlmsg_len - NLMSG_HDRLEN;

			alog_add(log, nh->nlmsg_type, NLMSG_DATA(nh),
				 strnlen(NLMSG_DATA(nh), plen));
			added++;
		}
		/* Once something arrived, only drain what is already queued. */
		end = now_ms();
	}
}

/*
 * rec_field - exact value of field @name in record body @body.
 *
 * The body is split into space-separated name=value tokens; a value that
 * starts with ' or " extends to the matching quote (the quotes are removed).
 * Only a whole token name matches (no substring, no match inside a quoted
 * value).  Returns true and copies the value into @out when found.
 */
static inline bool rec_field(const char *body, const char *name, char *out, size_t outlen)
{
	const char *p = body;
	size_t nlen = strlen(name);

	while (*p) {
		const char *tok, *eq, *val, *vend;
		size_t vlen;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tok = p;
		eq = NULL;
		while (*p && *p != ' ' && *p != '=')
			p++;
		if (*p == '=')
			eq = p;
		if (!eq) {
			/* a token without '=' */
			while (*p && *p != ' ')
				p++;
			continue;
		}
		val = eq + 1;
		if (*val == '\'' || *val == '"') {
			char q = *val++;

			vend = strchr(val, q);
			if (!vend)
				vend = val + strlen(val);
			p = *vend ? vend + 1 : vend;
		} else {
			vend = val;
			while (*vend && *vend != ' ')
				vend++;
			p = vend;
		}
		if ((size_t)(eq - tok) == nlen && !strncmp(tok, name, nlen)) {
			vlen = vend - val;
			if (out) {
				if (vlen >= outlen)
					vlen = outlen - 1;
				memcpy(out, val, vlen);
				out[vlen] = 0;
			}
			return true;
		}
	}
	return false;
}

/* Name of the last name=value token of @body (e.g. "record" for a SYSCALL
 * record of a task with a contid), copied into @out with its value. */
static inline void rec_last_token(const char *body, char *out, size_t outlen)
{
	const char *end = body + strlen(body);
	const char *s;

	while (end > body && end[-1] == ' ')
		end--;
	s = end;
	while (s > body && s[-1] != ' ')
		s--;
	snprintf(out, outlen, "%.*s", (int)(end - s), s);
}

/* Does @r have @type (or any type if 0) and every field of the
 * NULL-terminated name, value list @kv with exactly that value? */
static inline bool rec_match(const struct arec *r, int type, const char *const *kv)
{
	char v[512];
	int i;

	if (type && r->type != type)
		return false;
	for (i = 0; kv && kv[i]; i += 2) {
		if (!rec_field(r->body, kv[i], v, sizeof(v)))
			return false;
		if (strcmp(v, kv[i + 1]))
			return false;
	}
	return true;
}

/* First record at index >= @from that matches; -1 if none (no reading). */
static inline int alog_find_kv(struct alog *log, int from, int type, const char *const *kv)
{
	int i;

	for (i = from; i < log->n; i++)
		if (rec_match(&log->recs[i], type, kv))
			return i;
	return -1;
}

static inline int alog_count_kv(struct alog *log, int type, const char *const *kv)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		if (rec_match(&log->recs[i], type, kv))
			n++;
	return n;
}

/* Wait up to @timeout_ms for a matching record at index >= @from. */
static inline int alog_wait_kv(struct alog *log, int from, int timeout_ms, int type,
			       const char *const *kv)
{
	long end = now_ms() + timeout_ms;
	int scanned = from;

	for (;;) {
		int i = alog_find_kv(log, scanned, type, kv);
		long left;

		if (i >= 0)
			return i;
		scanned = log->n > from ? log->n : from;
		left = end - now_ms();
		if (left <= 0)
			return -1;
		if (alog_read(log, left > 200 ? 200 : left) < 0)
			return -1;
	}
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })
/* alog_wait(log, type, "name", "value", ...): index of the record or -1. */
#define alog_wait(log, type, ...) \
	alog_wait_kv(log, 0, REC_TIMEOUT_MS, type, KV(__VA_ARGS__))
#define alog_find(log, type, ...) alog_find_kv(log, 0, type, KV(__VA_ARGS__))
#define alog_count(log, type, ...) alog_count_kv(log, type, KV(__VA_ARGS__))

/*
 * alog_event - make sure every record of event @serial has been read: read
 * until its EOE record arrives (syscall events end with one) or @timeout_ms
 * passes.  Returns the number of records with that serial.
 */
static inline int alog_event(struct alog *log, unsigned long serial, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int i, n;

	for (;;) {
		bool eoe = false;

		for (i = 0; i < log->n; i++)
			if (log->recs[i].serial == serial && log->recs[i].type == AUDIT_EOE)
				eoe = true;
		if (eoe || now_ms() >= end)
			break;
		alog_read(log, 100);
	}
	for (i = 0, n = 0; i < log->n; i++)
		if (log->recs[i].serial == serial)
			n++;
	return n;
}

/* Number of records of type @type (any if 0) in event @serial. */
static inline int alog_event_count(struct alog *log, unsigned long serial, int type)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		if (log->recs[i].serial == serial && (!type || log->recs[i].type == type))
			n++;
	return n;
}

/* Index of the first record of type @type in event @serial, or -1. */
static inline int alog_event_find(struct alog *log, unsigned long serial, int type)
{
	int i;

	for (i = 0; i < log->n; i++)
		if (log->recs[i].serial == serial && log->recs[i].type == type)
			return i;
	return -1;
}

static inline void alog_dump(struct alog *log, int from, FILE *f)
{
	int i;

	for (i = from < 0 ? 0 : from; i < log->n; i++)
		fprintf(f, "#   [%d] type=%d %s\n", i, log->recs[i].type, log->recs[i].text);
}

/* ---------------------------------------------------------------------
 * Unicast audit netlink: rules, status, user messages
 */

static inline int audit_nl_open(void)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static inline int audit_nl_send(int fd, int type, int flags, const void *data, size_t len,
				uint32_t *seqp)
{
	static uint32_t seq = 1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t total = NLMSG_SPACE(len);
	struct nlmsghdr *nh = calloc(1, total);
	ssize_t rc;

	if (!nh)
		return -ENOMEM;
	nh->nlmsg_len = NLMSG_LENGTH(len);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | flags;
	nh->nlmsg_seq = ++seq + (getpid() << 16);
	memcpy(NLMSG_DATA(nh), data, len);
	*seqp = nh->nlmsg_seq;
	rc = sendto(fd, nh, total, 0, (struct sockaddr *)&sa, sizeof(sa));
	free(nh);
	return rc < 0 ? -errno : 0;
}

/* One recv() on @fd into @buf, retried on EINTR: the length or -errno. */
static inline int audit_nl_recv(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * audit_nl_request - send one request with NLM_F_ACK and wait for its ack.
 * If @reply is not NULL, the payload of a message of type @reply_type with
 * the same sequence number is copied there.  Returns 0 or -errno.
 */
static inline int audit_nl_request(int fd, int type, const void *data, size_t len,
				   int reply_type, void *reply, size_t reply_len)
{
	static char buf[65536];
	uint32_t seq;
	int rc = audit_nl_send(fd, type, NLM_F_ACK, data, len, &seq);
	bool got_reply = !reply;
	int err = 1;	/* no ack yet */

	if (rc)
		return rc;
	for (;;) {
		int rem = audit_nl_recv(fd, buf, sizeof(buf));
		struct nlmsghdr *nh;

		if (rem < 0)
			return rem;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, rem); nh = NLMSG_NEXT(nh, rem)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				err = e->error;
			} else if (reply && nh->nlmsg_type == reply_type) {
				size_t plen = nh->nlmsg_len - NLMSG_HDRLEN;

				memset(reply, 0, reply_len);
				memcpy(reply, NLMSG_DATA(nh), plen < reply_len ? plen : reply_len);
				got_reply = true;
			}
		}
		if (err != 1 && (err || got_reply))
			return err;
	}
}

static inline int audit_get_status(int fd, struct audit_status *st)
{
	return audit_nl_request(fd, AUDIT_GET, NULL, 0, AUDIT_GET, st, sizeof(*st));
}

/* Send an AUDIT_USER message with text @msg from the calling task. */
static inline int audit_send_user(const char *msg)
{
	int fd = audit_nl_open();
	int rc;

	if (fd < 0)
		return -errno;
	rc = audit_nl_request(fd, AUDIT_USER, msg, strlen(msg) + 1, 0, NULL, 0);
	close(fd);
	return rc;
}

struct arule {
	union {
		struct audit_rule_data d;
		char raw[sizeof(struct audit_rule_data) + 1024];
	};
};

static inline size_t arule_size(const struct arule *r)
{
	return sizeof(struct audit_rule_data) + r->d.buflen;
}

/* A rule on list @list (AUDIT_FILTER_*) with @action (AUDIT_ALWAYS/NEVER).
 * Non-exit lists match every "syscall" (their mask is unused). */
static inline void arule_init(struct arule *r, uint32_t list, uint32_t action)
{
	memset(r, 0, sizeof(*r));
	r->d.flags = list;
	r->d.action = action;
	if (list != AUDIT_FILTER_EXIT)
		memset(r->d.mask, 0xff, sizeof(r->d.mask));
}

static inline void arule_syscall(struct arule *r, int nr)
{
	r->d.mask[nr / 32] |= 1U << (nr % 32);
}

static inline void arule_field(struct arule *r, uint32_t type, uint32_t op, uint32_t val)
{
	uint32_t i = r->d.field_count++;

	r->d.fields[i] = type;
	r->d.fieldflags[i] = op;
	r->d.values[i] = val;
}

static inline void arule_field_buf(struct arule *r, uint32_t type, uint32_t op,
				   const void *data, uint32_t len)
{
	arule_field(r, type, op, len);
	memcpy(r->d.buf + r->d.buflen, data, len);
	r->d.buflen += len;
}

static inline void arule_contid(struct arule *r, uint32_t op, uint64_t id)
{
	arule_field_buf(r, AUDIT_CONTAINERID, op, &id, sizeof(id));
}

static inline void arule_key(struct arule *r, const char *key)
{
	arule_field_buf(r, AUDIT_FILTERKEY, AUDIT_EQUAL, key, strlen(key));
}

static inline void arule_arch(struct arule *r)
{
#if defined(__x86_64__)
	arule_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
#elif defined(__aarch64__)
	arule_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_AARCH64);
#endif
}

static inline int arule_add(int fd, const struct arule *r)
{
	return audit_nl_request(fd, AUDIT_ADD_RULE, &r->d, arule_size(r), 0, NULL, 0);
}

static inline int arule_del(int fd, const struct arule *r)
{
	return audit_nl_request(fd, AUDIT_DEL_RULE, &r->d, arule_size(r), 0, NULL, 0);
}

/*
 * audit_list_rules - AUDIT_LIST_RULES; calls @cb for every rule until it
 * returns true.  Returns 1 if @cb returned true, 0 if the list ended, -errno.
 */
static inline int audit_list_rules(int fd, bool (*cb)(const struct audit_rule_data *, void *),
				   void *arg)
{
	static char buf[1 << 17];
	uint32_t seq;
	int rc = audit_nl_send(fd, AUDIT_LIST_RULES, 0, NULL, 0, &seq);
	int found = 0;

	if (rc)
		return rc;
	for (;;) {
		int rem = audit_nl_recv(fd, buf, sizeof(buf));
		struct nlmsghdr *nh;

		if (rem < 0)
			return rem;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, rem); nh = NLMSG_NEXT(nh, rem)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return found;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (e->error)
					return e->error;
				continue;
			}
			if (nh->nlmsg_type == AUDIT_LIST_RULES && !found &&
			    cb(NLMSG_DATA(nh), arg))
				found = 1;
		}
	}
}

/* ---------------------------------------------------------------------
 * /proc/<pid>/containerid
 */

static inline void contid_path(char *buf, size_t len, pid_t pid, pid_t tid)
{
	if (pid == 0)
		snprintf(buf, len, "/proc/self/containerid");
	else if (tid)
		snprintf(buf, len, "/proc/%d/task/%d/containerid", pid, tid);
	else
		snprintf(buf, len, "/proc/%d/containerid", pid);
}

/* One write of @len bytes at @off; returns 0 or the errno. */
static inline int contid_pwrite_path(const char *path, const void *data, size_t len, off_t off)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t rc;
	int err;

	if (fd < 0)
		return errno;
	rc = off ? pwrite(fd, data, len, off) : write(fd, data, len);
	err = rc < 0 ? errno : (size_t)rc == len ? 0 : -1;
	close(fd);
	return err;
}

static inline int contid_write_raw(pid_t pid, const void *data, size_t len)
{
	char path[64];

	contid_path(path, sizeof(path), pid, 0);
	return contid_pwrite_path(path, data, len, 0);
}

static inline int contid_set(pid_t pid, uint64_t id)
{
	const char *s = u64s(id);

	return contid_write_raw(pid, s, strlen(s));
}

/* Reads the file; raw text into @raw (if not NULL). Returns 0 or errno. */
static inline int contid_read_path(const char *path, uint64_t *id, char *raw, size_t rawlen)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return e;
	}
	close(fd);
	buf[n] = 0;
	if (raw)
		snprintf(raw, rawlen, "%s", buf);
	if (id)
		*id = strtoull(buf, NULL, 10);
	return 0;
}

static inline int contid_get(pid_t pid, uint64_t *id)
{
	char path[64];

	contid_path(path, sizeof(path), pid, 0);
	return contid_read_path(path, id, NULL, 0);
}

/* /proc/audit_containerid: "tasks N" and "objects N". 0 or errno. */
static inline int acid_stats(long *tasks, long *objects)
{
	char buf[256], *p;
	int fd = open("/proc/audit_containerid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = 0;
	*tasks = *objects = -1;
	p = strstr(buf, "tasks ");
	if (p && (p == buf || p[-1] == '\n'))
		*tasks = strtol(p + 6, NULL, 10);
	p = strstr(buf, "objects ");
	if (p && (p == buf || p[-1] == '\n'))
		*objects = strtol(p + 8, NULL, 10);
	return (*tasks < 0 || *objects < 0) ? EPROTO : 0;
}

/* One counter of /proc/audit_containerid ("tasks", "objects", "netns"),
 * or -1. */
static inline long acid_stat(const char *name)
{
	char buf[256], key[32], *p;
	int fd = open("/proc/audit_containerid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	snprintf(key, sizeof(key), "%s ", name);
	p = strstr(buf, key);
	if (!p || (p != buf && p[-1] != '\n'))
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

/* ---------------------------------------------------------------------
 * Targets: children driven over pipes
 */

struct tcmd {
	int op;
	int pad;
	uint64_t a, b;
};

struct trep {
	int64_t val;
	int err;
	int pad;
};

struct target {
	pid_t pid;
	int cmd, rep;
};

#define MAX_CHILDREN 256
static pid_t acid_children[MAX_CHILDREN];
static int acid_nchildren;

static int thread_pipe[2];

static void *target_thread(void *arg)
{
	pid_t tid = syscall(SYS_gettid);

	(void)arg;
	if (write(thread_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(3);
	for (;;)
		pause();
	return NULL;
}

/* Drop CAP_AUDIT_CONTROL from the bounding, effective, permitted and
 * inheritable sets of the calling (root) task. */
static inline int drop_audit_control(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int w = CAP_AUDIT_CONTROL / 32;
	uint32_t bit = 1U << (CAP_AUDIT_CONTROL % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_AUDIT_CONTROL, 0, 0, 0))
		return errno;
	if (syscall(SYS_capget, &h, d))
		return errno;
	d[w].effective &= ~bit;
	d[w].permitted &= ~bit;
	d[w].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return errno;
	return 0;
}

static inline int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return errno;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return errno;
	return 0;
}

/*
 * target_common_op - the commands that targets and the agents of
 * nesting_test.c both understand; their result goes into @r.  Returns
 * false if @op is not one of them.
 *   'u'  uname(2)
 *   'f'  fork a child that just waits (val: its pid)
 *   'W'  write @b to /proc/@a/containerid (@a 0: self)
 *   'R'  read /proc/@a/containerid into val
 */
static inline bool target_common_op(int op, uint64_t a, uint64_t b, struct trep *r)
{
	char path[64], msg[32];
	struct utsname u;
	pid_t pid;

	switch (op) {
	case 'u':
		r->val = syscall(SYS_uname, &u);
		if (r->val < 0)
			r->err = errno;
		return true;
	case 'f':
		pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		r->val = pid;
		if (pid < 0)
			r->err = errno;
		return true;
	case 'W':
		contid_path(path, sizeof(path), a, 0);
		snprintf(msg, sizeof(msg), "%" PRIu64, b);
		r->err = contid_pwrite_path(path, msg, strlen(msg), 0);
		return true;
	case 'R':
		contid_path(path, sizeof(path), a, 0);
		r->err = contid_read_path(path, (uint64_t *)&r->val, NULL, 0);
		return true;
	}
	return false;
}

static void target_loop(int cfd, int rfd)
{
	for (;;) {
		struct tcmd c;
		struct trep r = { 0 };
		char msg[128];
		pthread_t th;
		pid_t pid;

		if (read(cfd, &c, sizeof(c)) != sizeof(c))
			_exit(0);
		switch (c.op) {
		case 't':	/* start a second thread */
			if (pipe(thread_pipe) || pthread_create(&th, NULL, target_thread, NULL)) {
				r.err = EAGAIN;
				break;
			}
			if (read(thread_pipe[0], &pid, sizeof(pid)) != sizeof(pid))
				r.err = EIO;
			r.val = pid;
			break;
		case 'S':
			r.err = become_nobody();
			break;
		case 'C':
			r.err = drop_audit_control();
			break;
		case 'n':	/* AUDIT_USER message "acid-user-<a>" */
			snprintf(msg, sizeof(msg), "acid-user-%" PRIu64, c.a);
			r.err = -audit_send_user(msg);
			break;
		case 'x':
			_exit(0);
		default:	/* 'u', 'f', 'W', 'R': target_common_op() */
			if (!target_common_op(c.op, c.a, c.b, &r))
				r.err = EINVAL;
		}
		if (write(rfd, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

/* Remember @pid for reap_all(). */
static inline void acid_child_add(pid_t pid)
{
	if (acid_nchildren < MAX_CHILDREN)
		acid_children[acid_nchildren++] = pid;
}

/*
 * target_fork - fork a child in its own process group that runs
 * @loop(cmd_fd, rep_fd) (and exits when it returns), with the pipes to
 * drive it in @t; remembered for reap_all().  The targets below, the
 * actors of attribution_test.c and the agents of nesting_test.c are all
 * started this way.  Returns the pid or -1.
 */
static inline pid_t target_fork(struct target *t, void (*loop)(int cfd, int rfd))
{
	int c[2], r[2];
	pid_t pid;

	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		close(c[1]);
		close(r[0]);
		loop(c[0], r[1]);
		_exit(0);
	}
	setpgid(pid, pid);
	close(c[0]);
	close(r[1]);
	t->pid = pid;
	t->cmd = c[1];
	t->rep = r[0];
	acid_child_add(pid);
	return pid;
}

/* Fork a target (its own process group).  Returns its pid or -1. */
static inline pid_t target_start(struct target *t)
{
	return target_fork(t, target_loop);
}

/*
 * pipe_call - write command @c (@len bytes) to @cmd and read the reply
 * from @rep; a reply of err = EPIPE, val = -1 if the other end is gone.
 */
static inline struct trep pipe_call(int cmd, int rep, const void *c, size_t len)
{
	struct trep r = { .val = -1, .err = EPIPE };

	if (write(cmd, c, len) != (ssize_t)len)
		return r;
	if (read(rep, &r, sizeof(r)) != sizeof(r)) {
		r.val = -1;
		r.err = EPIPE;
	}
	return r;
}

/* Run command @op in target @t; returns the reply (err = EPIPE if it died). */
static inline struct trep target_call(struct target *t, int op, uint64_t a, uint64_t b)
{
	struct tcmd c = { .op = op, .a = a, .b = b };

	return pipe_call(t->cmd, t->rep, &c, sizeof(c));
}

/* Kill target @t (and its process group) and reap it; 0 or -1. */
static inline int target_stop(struct target *t)
{
	int status;

	if (t->pid <= 0)
		return 0;
	kill(-t->pid, SIGKILL);
	kill(t->pid, SIGKILL);
	close(t->cmd);
	close(t->rep);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -1;
	t->pid = 0;
	return 0;
}

/* Kill every child this process started (and their groups); reap all
 * children, including reparented grandchildren (we are a subreaper). */
static inline void reap_all(void)
{
	int i;

	for (i = 0; i < acid_nchildren; i++) {
		kill(-acid_children[i], SIGKILL);
		kill(acid_children[i], SIGKILL);
	}
	acid_nchildren = 0;
	for (;;) {
		pid_t p = waitpid(-1, NULL, 0);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
	}
}

/* ---------------------------------------------------------------------
 * Test helpers shared by the *_test.c files.  They use the assertions of
 * kselftest_harness.h and so take the test's @_metadata: an ASSERT_*
 * failure ends the test (the harness longjmp()s out of the helper), an
 * EXPECT_* failure marks it failed and goes on.
 */
#include "../kselftest_harness.h"

/* The rules a fixture added, deleted (newest first) by fixture_close(). */
#define RULE_LIST_MAX 16
struct rule_list {
	struct arule r[RULE_LIST_MAX];
	int n;
};

/* Add rule @r and remember it in @l for the teardown; 0 or -errno. */
static inline int rules_add(int nl, struct rule_list *l, const struct arule *r)
{
	int rc = arule_add(nl, r);

	if (!rc && l->n < RULE_LIST_MAX)
		l->r[l->n++] = *r;
	return rc;
}

/* Delete rule @r and forget it; 0 or -errno. */
static inline int rules_del(int nl, struct rule_list *l, const struct arule *r)
{
	int rc = arule_del(nl, r), i;

	for (i = 0; !rc && i < l->n; i++) {
		if (!memcmp(&l->r[i], r, arule_size(r))) {
			l->r[i] = l->r[--l->n];
			break;
		}
	}
	return rc;
}

/* exit,always -F arch=<native> -S uname [-F containerid<op>id]
 * [-F pid=pid] -k key  (@op 0: no containerid field; @pid 0: no pid field)
 */
static inline void uname_rule(struct arule *r, const char *key, uint32_t op, uint64_t id,
			      pid_t pid)
{
	arule_init(r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	arule_arch(r);
	arule_syscall(r, __NR_uname);
	if (op)
		arule_contid(r, op, id);
	if (pid)
		arule_field(r, AUDIT_PID, AUDIT_EQUAL, pid);
	arule_key(r, key);
}

/*
 * fixture_open - the common fixture setup: make the test process a child
 * subreaper (orphans of its targets come to it, for reap_all()), open the
 * multicast record log @log and the unicast audit socket *@nl, and start
 * the empty rule list @rules.
 */
static inline void fixture_open(struct __test_metadata *_metadata, struct alog *log, int *nl,
				struct rule_list *rules)
{
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, alog_open(log)) TH_LOG("audit multicast socket: %m");
	*nl = audit_nl_open();
	ASSERT_LE(0, *nl);
	rules->n = 0;
}

/* fixture_close - the common teardown: kill and reap every child, delete
 * the rules of @rules (newest first), close the log and the socket. */
static inline void fixture_close(struct alog *log, int nl, struct rule_list *rules)
{
	int i;

	reap_all();
	for (i = rules->n - 1; i >= 0; i--)
		arule_del(nl, &rules->r[i]);
	rules->n = 0;
	alog_close(log);
	close(nl);
}

/*
 * real_contexts_rule - without any syscall rule, audit contexts are
 * "dummy" and no SYSCALL record is written; an exit,never rule on an
 * unrelated syscall (acct) makes the kernel build real contexts without
 * logging anything more.  Added to @rules unless it was already there.
 */
static inline void real_contexts_rule(struct __test_metadata *_metadata, int nl,
				      struct rule_list *rules)
{
	struct arule never;
	int rc;

	arule_init(&never, AUDIT_FILTER_EXIT, AUDIT_NEVER);
	arule_arch(&never);
	arule_syscall(&never, __NR_acct);
	rc = rules_add(nl, rules, &never);
	ASSERT_TRUE(rc == 0 || rc == -EEXIST) TH_LOG("add exit,never rule: %d", rc);
}

/* The three counters of /proc/audit_containerid (tasks, objects, netns). */
static inline void acid_stats_read(struct __test_metadata *_metadata, long *tasks,
				   long *objects, long *netns)
{
	ASSERT_EQ(0, acid_stats(tasks, objects));
	*netns = acid_stat("netns");
	ASSERT_LE(0, *netns);
}

/* Unless @id is unset: set @pid's contid to @id and read it back. */
static inline void tag_task(struct __test_metadata *_metadata, pid_t pid, uint64_t id)
{
	uint64_t got = 0;

	if (id == AUDIT_CID_UNSET)
		return;
	ASSERT_EQ(0, contid_set(pid, id));
	ASSERT_EQ(0, contid_get(pid, &got));
	ASSERT_EQ(id, got);
}

/* Start a target and (unless @id is unset) tag it; returns its pid. */
static inline pid_t target_start_tagged(struct __test_metadata *_metadata, struct target *t,
					uint64_t id)
{
	ASSERT_LT(0, target_start(t));
	tag_task(_metadata, t->pid, id);
	return t->pid;
}

/* Target @t forks a child that just waits (op 'f'); returns its pid. */
static inline pid_t target_child(struct __test_metadata *_metadata, struct target *t)
{
	struct trep r = target_call(t, 'f', 0, 0);

	ASSERT_EQ(0, r.err);
	return (pid_t)r.val;
}

/* Log every record of event @serial (for a failed check). */
static inline void event_log(struct __test_metadata *_metadata, struct alog *log,
			     unsigned long serial)
{
	int k;

	for (k = 0; k < log->n; k++)
		if (log->recs[k].serial == serial)
			TH_LOG("event: type=%d %s", log->recs[k].type, log->recs[k].text);
}

/*
 * check_info - event @serial, whose record @i is the one qualified, has one
 * CONTAINER_INFO "record=<n> contid=<@chain>" and record @i ends in
 * " record=<n>"; for a NULL @chain there is none and no record= field.
 */
static inline void check_info(struct __test_metadata *_metadata, struct alog *log, int i,
			      unsigned long serial, const char *chain)
{
	char v[256], want[256], num[32];
	int c;

	if (!chain) {
		EXPECT_FALSE(rec_field(log->recs[i].body, "record", NULL, 0));
		EXPECT_EQ(0, alog_event_count(log, serial, AUDIT_CONTAINER_INFO));
		return;
	}
	EXPECT_EQ(1, alog_event_count(log, serial, AUDIT_CONTAINER_INFO));
	c = alog_event_find(log, serial, AUDIT_CONTAINER_INFO);
	ASSERT_LE(0, c);
	ASSERT_TRUE(rec_field(log->recs[c].body, "record", num, sizeof(num)));
	EXPECT_LT(0, atoi(num));
	snprintf(want, sizeof(want), "record=%s contid=%s", num, chain);
	EXPECT_STREQ(want, log->recs[c].body);
	rec_last_token(log->recs[i].body, v, sizeof(v));
	snprintf(want, sizeof(want), "record=%s", num);
	EXPECT_STREQ(want, v);
}

/*
 * expect_set_record - the CONTAINER record of @writer's attempt to set
 * @opid to @contid: at index >= @from, exactly "op=set opid=<opid>
 * contid=<contid> old-contid=<@old> res=<@res>", once in its event, whose
 * SYSCALL record is @writer's write(2) returning @ret, with the
 * CONTAINER_INFO of @writer's chain @wchain (NULL: the writer has no
 * contid, so no CONTAINER_INFO and no record= field).  Returns the index
 * of the CONTAINER record, -1 if there is none.
 */
static inline int expect_set_record(struct __test_metadata *_metadata, struct alog *log,
				    int from, pid_t opid, const char *contid, const char *old,
				    int res, pid_t writer, long ret, const char *wchain)
{
	char v[256];
	bool was_ok = _metadata->exit_code == KSFT_PASS;
	unsigned long serial;
	int i, s;

	i = alog_wait_kv(log, from, REC_TIMEOUT_MS, AUDIT_CONTAINER,
			 KV("op", "set", "opid", i64s(opid), "contid", contid,
			    "old-contid", old, "res", res ? "1" : "0"));
	if (i < 0)
		alog_dump(log, from, stderr);
	EXPECT_LE(0, i) TH_LOG("no CONTAINER record opid=%d contid=%s old-contid=%s res=%d",
			       opid, contid, old, res);
	if (i < 0)
		return -1;
	/* The whole body, field by field and in order. */
	snprintf(v, sizeof(v), "op=set opid=%d contid=%s old-contid=%s res=%d", opid, contid,
		 old, res);
	EXPECT_STREQ(v, log->recs[i].body);
	serial = log->recs[i].serial;
	EXPECT_NE(0, serial);
	alog_event(log, serial, 3000);
	EXPECT_EQ(1, alog_event_count(log, serial, AUDIT_CONTAINER));
	s = alog_event_find(log, serial, AUDIT_SYSCALL);
	EXPECT_LE(0, s) TH_LOG("no SYSCALL record in event %lu", serial);
	if (s < 0) {
		alog_dump(log, from, stderr);
		return i;
	}
	ASSERT_TRUE(rec_field(log->recs[s].body, "syscall", v, sizeof(v)));
	EXPECT_STREQ(i64s(__NR_write), v);
	ASSERT_TRUE(rec_field(log->recs[s].body, "pid", v, sizeof(v)));
	EXPECT_STREQ(i64s(writer), v);
	ASSERT_TRUE(rec_field(log->recs[s].body, "success", v, sizeof(v)));
	EXPECT_STREQ(ret >= 0 ? "yes" : "no", v);
	ASSERT_TRUE(rec_field(log->recs[s].body, "exit", v, sizeof(v)));
	EXPECT_STREQ(i64s(ret), v);
	check_info(_metadata, log, s, serial, wchain);
	if (was_ok && _metadata->exit_code != KSFT_PASS)
		event_log(_metadata, log, serial);
	return i;
}

/*
 * expect_uname - the SYSCALL record of @pid's uname with key @key, at
 * index >= @from, successful, with the CONTAINER_INFO "record=1
 * contid=<@chain>" (the only auxiliary record of a uname event is number
 * 1) and ending in " record=1"; for a NULL @chain (no contid) no
 * CONTAINER_INFO and no record= field.  Returns the record's index or -1.
 */
static inline int expect_uname(struct __test_metadata *_metadata, struct alog *log, int from,
			       pid_t pid, const char *key, const char *chain)
{
	char v[256];
	bool was_ok = _metadata->exit_code == KSFT_PASS;
	unsigned long serial;
	int i, c;

	i = alog_wait_kv(log, from, REC_TIMEOUT_MS, AUDIT_SYSCALL,
			 KV("pid", i64s(pid), "syscall", i64s(__NR_uname), "key", key));
	if (i < 0)
		alog_dump(log, from, stderr);
	EXPECT_LE(0, i) TH_LOG("no uname SYSCALL record for pid %d key %s", pid, key);
	if (i < 0)
		return -1;
	serial = log->recs[i].serial;
	alog_event(log, serial, 3000);
	ASSERT_TRUE(rec_field(log->recs[i].body, "success", v, sizeof(v)));
	EXPECT_STREQ("yes", v);
	check_info(_metadata, log, i, serial, chain);
	c = alog_event_find(log, serial, AUDIT_CONTAINER_INFO);
	if (chain && c >= 0) {
		char want[256];

		snprintf(want, sizeof(want), "record=1 contid=%s", chain);
		EXPECT_STREQ(want, log->recs[c].body);
	}
	if (was_ok && _metadata->exit_code != KSFT_PASS)
		event_log(_metadata, log, serial);
	return i;
}

/* Number of uname SYSCALL records of @pid with @key in the log. */
#define UNAME_COUNT(log, pid, key) \
	alog_count(log, AUDIT_SYSCALL, "pid", i64s(pid), "syscall", i64s(__NR_uname), "key", key)

#endif /* AUDIT_CONTAINERID_AUDIT_NL_H */
