// SPDX-License-Identifier: GPL-2.0
/*
 * Unicast NETLINK_AUDIT: requests with their acks, AUDIT_GET, AUDIT_USER,
 * and audit rules (built in a struct rule_buffer, added, deleted, listed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>

#include "audit_netlink.h"

int audit_netlink_open(void)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int audit_netlink_send(int fd, int type, int flags, const void *data, size_t len,
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
int audit_netlink_recv(int fd, void *buf, size_t len)
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
 * audit_netlink_request - send one request with NLM_F_ACK and wait for its ack.
 * If @reply is not NULL, the payload of a message of type @reply_type with
 * the same sequence number is copied there.  Returns 0 or -errno.
 */
int audit_netlink_request(int fd, int type, const void *data, size_t len,
			  int reply_type, void *reply, size_t reply_len)
{
	uint32_t seq;
	int rc = audit_netlink_send(fd, type, NLM_F_ACK, data, len, &seq);

	if (rc)
		return rc;
	return audit_netlink_wait_ack(fd, seq, reply_type, reply, reply_len);
}

/*
 * audit_netlink_wait_ack - wait for the ack of request @seq (sent with
 * NLM_F_ACK); the payload of a @reply_type answer goes to @reply, as for
 * audit_netlink_request().  0 or -errno.
 */
int audit_netlink_wait_ack(int fd, uint32_t seq, int reply_type, void *reply, size_t reply_len)
{
	static char buf[65536];
	bool got_reply = !reply;
	int err = 1;	/* no ack yet */

	for (;;) {
		int rem = audit_netlink_recv(fd, buf, sizeof(buf));
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

int audit_get_status(int fd, struct audit_status *st)
{
	return audit_netlink_request(fd, AUDIT_GET, NULL, 0, AUDIT_GET, st, sizeof(*st));
}

/* Send an AUDIT_USER message with text @msg from the calling task. */
int audit_send_user(const char *msg)
{
	int fd = audit_netlink_open();
	int rc;

	if (fd < 0)
		return -errno;
	rc = audit_netlink_request(fd, AUDIT_USER, msg, strlen(msg) + 1, 0, NULL, 0);
	close(fd);
	return rc;
}

size_t rule_size(const struct rule_buffer *r)
{
	return sizeof(struct audit_rule_data) + r->d.buflen;
}

/* A rule on list @list (AUDIT_FILTER_*) with @action (AUDIT_ALWAYS/NEVER).
 * Non-exit lists match every "syscall" (their mask is unused). */
void rule_init(struct rule_buffer *r, uint32_t list, uint32_t action)
{
	memset(r, 0, sizeof(*r));
	r->d.flags = list;
	r->d.action = action;
	if (list != AUDIT_FILTER_EXIT)
		memset(r->d.mask, 0xff, sizeof(r->d.mask));
}

void rule_add_syscall(struct rule_buffer *r, int nr)
{
	r->d.mask[nr / 32] |= 1U << (nr % 32);
}

void rule_add_field(struct rule_buffer *r, uint32_t type, uint32_t op, uint32_t val)
{
	uint32_t i = r->d.field_count++;

	r->d.fields[i] = type;
	r->d.fieldflags[i] = op;
	r->d.values[i] = val;
}

void rule_add_field_data(struct rule_buffer *r, uint32_t type, uint32_t op,
			 const void *data, uint32_t len)
{
	rule_add_field(r, type, op, len);
	memcpy(r->d.buf + r->d.buflen, data, len);
	r->d.buflen += len;
}

void rule_add_contid(struct rule_buffer *r, uint32_t op, uint64_t id)
{
	rule_add_field_data(r, AUDIT_CONTAINERID, op, &id, sizeof(id));
}

void rule_add_key(struct rule_buffer *r, const char *key)
{
	rule_add_field_data(r, AUDIT_FILTERKEY, AUDIT_EQUAL, key, strlen(key));
}

void rule_add_arch(struct rule_buffer *r)
{
#if defined(__x86_64__)
	rule_add_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
#elif defined(__aarch64__)
	rule_add_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_AARCH64);
#endif
}

int audit_add_rule(int fd, const struct rule_buffer *r)
{
	return audit_netlink_request(fd, AUDIT_ADD_RULE, &r->d, rule_size(r), 0, NULL, 0);
}

int audit_del_rule(int fd, const struct rule_buffer *r)
{
	return audit_netlink_request(fd, AUDIT_DEL_RULE, &r->d, rule_size(r), 0, NULL, 0);
}

/*
 * audit_list_rules - AUDIT_LIST_RULES; calls @cb for every rule until it
 * returns true.  Returns 1 if @cb returned true, 0 if the list ended, -errno.
 */
int audit_list_rules(int fd, bool (*cb)(const struct audit_rule_data *, void *),
		     void *arg)
{
	static char buf[1 << 17];
	uint32_t seq;
	int rc = audit_netlink_send(fd, AUDIT_LIST_RULES, 0, NULL, 0, &seq);
	int found = 0;

	if (rc)
		return rc;
	for (;;) {
		int rem = audit_netlink_recv(fd, buf, sizeof(buf));
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

bool rule_same(const struct audit_rule_data *d, const struct audit_rule_data *w)
{
	if (d->flags != w->flags || d->action != w->action || d->field_count != w->field_count ||
	    d->buflen != w->buflen)
		return false;
	/* Only exit rules use the syscall mask (the kernel rewrites the class
	 * bits of the all-ones mask of the other lists). */
	return !((w->flags == AUDIT_FILTER_EXIT && memcmp(d->mask, w->mask, sizeof(w->mask))) ||
		 memcmp(d->fields, w->fields, w->field_count * sizeof(w->fields[0])) ||
		 memcmp(d->fieldflags, w->fieldflags, w->field_count * sizeof(w->fieldflags[0])) ||
		 memcmp(d->values, w->values, w->field_count * sizeof(w->values[0])) ||
		 memcmp(d->buf, w->buf, w->buflen));
}
