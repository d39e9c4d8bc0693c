// SPDX-License-Identifier: GPL-2.0
/*
 * The record log: a multicast NETLINK_AUDIT reader (group
 * AUDIT_NLGRP_READLOG) that keeps every record it has seen in memory, and
 * exact field extraction from a record body.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "audit_records.h"
#include "util.h"

/*
 * audit_multicast_open - a socket that receives a copy of every audit record.
 */
int audit_multicast_open(void)
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

int audit_log_open(struct audit_log *log)
{
	memset(log, 0, sizeof(*log));
	log->fd = audit_multicast_open();
	return log->fd < 0 ? -1 : 0;
}

void audit_log_close(struct audit_log *log)
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

static void audit_log_add(struct audit_log *log, int type, const char *p, size_t len)
{
	struct audit_record *r;
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
 * audit_log_read - read records into the log for at most @timeout_ms.
 * Returns the number of records added, or -1 on a socket error.
 */
int audit_log_read(struct audit_log *log, int timeout_ms)
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

			audit_log_add(log, nh->nlmsg_type, NLMSG_DATA(nh),
				      strnlen(NLMSG_DATA(nh), plen));
			added++;
		}
		/* Once something arrived, only drain what is already queued. */
		end = now_ms();
	}
}

/*
 * record_field - exact value of field @name in record body @body.
 *
 * The body is split into space-separated name=value tokens; a value that
 * starts with ' or " extends to the matching quote (the quotes are removed).
 * Only a whole token name matches (no substring, no match inside a quoted
 * value).  Returns true and copies the value into @out when found.
 */
bool record_field(const char *body, const char *name, char *out, size_t outlen)
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
void record_last_token(const char *body, char *out, size_t outlen)
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
 * NULL-terminated name, value list @fields with exactly that value? */
bool record_matches(const struct audit_record *r, int type, const char *const *fields)
{
	char v[512];
	int i;

	if (type && r->type != type)
		return false;
	for (i = 0; fields && fields[i]; i += 2) {
		if (!record_field(r->body, fields[i], v, sizeof(v)))
			return false;
		if (strcmp(v, fields[i + 1]))
			return false;
	}
	return true;
}

/* First record at index >= @from that matches; -1 if none (no reading). */
int audit_log_find_fields(struct audit_log *log, int from, int type, const char *const *fields)
{
	int i;

	for (i = from; i < log->n; i++)
		if (record_matches(&log->recs[i], type, fields))
			return i;
	return -1;
}

int audit_log_count_fields(struct audit_log *log, int type, const char *const *fields)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		if (record_matches(&log->recs[i], type, fields))
			n++;
	return n;
}

/* Wait up to @timeout_ms for a matching record at index >= @from. */
int audit_log_wait_fields(struct audit_log *log, int from, int timeout_ms, int type,
			  const char *const *fields)
{
	long end = now_ms() + timeout_ms;
	int scanned = from;

	for (;;) {
		int i = audit_log_find_fields(log, scanned, type, fields);
		long left;

		if (i >= 0)
			return i;
		scanned = log->n > from ? log->n : from;
		left = end - now_ms();
		if (left <= 0)
			return -1;
		if (audit_log_read(log, left > 200 ? 200 : left) < 0)
			return -1;
	}
}

/*
 * audit_log_read_event - make sure every record of event @serial has been read: read
 * until its EOE record arrives (syscall events end with one) or @timeout_ms
 * passes.  Returns the number of records with that serial.
 */
int audit_log_read_event(struct audit_log *log, unsigned long serial, int timeout_ms)
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
		audit_log_read(log, 100);
	}
	for (i = 0, n = 0; i < log->n; i++)
		if (log->recs[i].serial == serial)
			n++;
	return n;
}

/* Number of records of type @type (any if 0) in event @serial. */
int audit_log_event_count(struct audit_log *log, unsigned long serial, int type)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		if (log->recs[i].serial == serial && (!type || log->recs[i].type == type))
			n++;
	return n;
}

/* Index of the first record of type @type in event @serial, or -1. */
int audit_log_event_find(struct audit_log *log, unsigned long serial, int type)
{
	int i;

	for (i = 0; i < log->n; i++)
		if (log->recs[i].serial == serial && log->recs[i].type == type)
			return i;
	return -1;
}

void audit_log_dump(struct audit_log *log, int from, FILE *f)
{
	int i;

	for (i = from < 0 ? 0 : from; i < log->n; i++)
		fprintf(f, "#   [%d] type=%d %s\n", i, log->recs[i].type, log->recs[i].text);
}
