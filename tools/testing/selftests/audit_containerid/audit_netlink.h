/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unicast NETLINK_AUDIT: requests acknowledged by the kernel, AUDIT_GET,
 * AUDIT_USER messages, and audit rules built field by field.
 */
#ifndef AUDIT_CONTAINERID_AUDIT_NETLINK_H
#define AUDIT_CONTAINERID_AUDIT_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/audit_containerid.h>

/* audit_netlink_open() - a unicast audit socket (10 s receive timeout). */
int audit_netlink_open(void);

/*
 * audit_netlink_send() - send one message; its sequence number in *@seqp.
 * 0 or -errno.
 */
int audit_netlink_send(int fd, int type, int flags, const void *data, size_t len,
		       uint32_t *seqp);

/*
 * audit_netlink_recv() - one recv(), retried on EINTR: the length or
 * -errno.
 */
int audit_netlink_recv(int fd, void *buf, size_t len);

/*
 * audit_netlink_request() - send with NLM_F_ACK and wait for the ack; the
 * payload of a @reply_type answer goes to @reply.  0 or -errno.
 */
int audit_netlink_request(int fd, int type, const void *data, size_t len,
			  int reply_type, void *reply, size_t reply_len);

/*
 * audit_netlink_wait_ack() - the second half of audit_netlink_request():
 * wait for the ack of request @seq; 0 or -errno.
 */
int audit_netlink_wait_ack(int fd, uint32_t seq, int reply_type, void *reply, size_t reply_len);

/* audit_get_status() - AUDIT_GET into @st; 0 or -errno. */
int audit_get_status(int fd, struct audit_status *st);

/*
 * audit_send_user() - an AUDIT_USER message @msg from the calling task;
 * 0 or -errno.
 */
int audit_send_user(const char *msg);

/* An audit rule with room for its string fields. */
struct rule_buffer {
	union {
		struct audit_rule_data d;
		char raw[sizeof(struct audit_rule_data) + 1024];
	};
};

/* rule_size() - the bytes of @r that go to the kernel. */
size_t rule_size(const struct rule_buffer *r);

/*
 * rule_init() - an empty rule on list @list (AUDIT_FILTER_*) with @action
 * (AUDIT_ALWAYS or AUDIT_NEVER).
 */
void rule_init(struct rule_buffer *r, uint32_t list, uint32_t action);

/* rule_add_syscall() - -S @nr. */
void rule_add_syscall(struct rule_buffer *r, int nr);

/* rule_add_field() - -F with an integer value. */
void rule_add_field(struct rule_buffer *r, uint32_t type, uint32_t op, uint32_t val);

/* rule_add_field_data() - -F with @len bytes of @data in the rule's buffer. */
void rule_add_field_data(struct rule_buffer *r, uint32_t type, uint32_t op,
			 const void *data, uint32_t len);

/* rule_add_contid() - -F containerid<@op>@id (8 bytes in the buffer). */
void rule_add_contid(struct rule_buffer *r, uint32_t op, uint64_t id);

/* rule_add_key() - -k @key. */
void rule_add_key(struct rule_buffer *r, const char *key);

/* rule_add_arch() - -F arch=<the native arch>. */
void rule_add_arch(struct rule_buffer *r);

/*
 * audit_add_rule(), audit_del_rule() - AUDIT_ADD_RULE / AUDIT_DEL_RULE;
 * 0 or -errno.
 */
int audit_add_rule(int fd, const struct rule_buffer *r);
int audit_del_rule(int fd, const struct rule_buffer *r);

/*
 * audit_list_rules() - call @cb on every listed rule until it returns true;
 * 1 if it did, 0 at the end of the list, or -errno.
 */
int audit_list_rules(int fd, bool (*cb)(const struct audit_rule_data *, void *), void *arg);

/*
 * rule_same() - is the listed rule @d exactly @w (fields, operators,
 * values, buffer)?
 */
bool rule_same(const struct audit_rule_data *d, const struct audit_rule_data *w);

#endif /* AUDIT_CONTAINERID_AUDIT_NETLINK_H */
