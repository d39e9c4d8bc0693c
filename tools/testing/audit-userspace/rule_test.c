// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side test of the containerid rule field in the patched libaudit
 * and auditctl listing code (patches/audit-3.0.9). No audit kernel needed:
 *
 *  - audit_get_features() is replaced by this file's version (the Makefile
 *    links against a copy of libaudit.a where that symbol is weak), so both
 *    a kernel with and without AUDIT_FEATURE_BITMAP_CONTAINERID are tried;
 *  - audit_rule_fieldpair_data() is checked for the values[] slot, the 8
 *    bytes appended to the rule buffer and the error codes of bad input;
 *  - the rule is printed with auditctl's own listing code (audit_print_reply
 *    from auditctl-listing.o, fed a fake AUDIT_LIST_RULES reply) and the
 *    printed -F words are parsed again: the rebuilt rule must be byte for
 *    byte the same, which is what auditctl -d relies on;
 *  - audit_format_signal_info() and its accessors are fed fake
 *    AUDIT_SIGNAL_INFO and AUDIT_SIGNAL_INFO2 replies, well formed and not.
 *
 * Prints one "ok"/"FAIL" line per check and "N passed, N failed".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include "libaudit.h"
/* After libaudit.h: its own definitions stand; the ACID_ copies are the
 * project's (include/uapi/audit_containerid.h), checked against the series. */
#include <uapi/audit_containerid.h>

/* From errormsg.h; kept in sync by the checks below. */
#define EAU_OPEQNOTEQ		13
#define EAU_FIELDNOSUPPORT	30
#define EAU_FIELDNOFILTER	31
#define EAU_MSGTYPECREDEXCLUDE	12
#define EAU_CONTIDVAL		39

/* libaudit internals used by auditctl to allow a key on a rule */
extern int _audit_syscalladded;

/* auditctl globals that auditctl-listing.o expects */
int list_requested, interpret;
char key[AUDIT_MAX_KEY_LEN + 1];
const char key_sep[2] = { AUDIT_KEY_SEPARATOR, 0 };
extern void audit_print_init(void);
extern int audit_print_reply(struct audit_reply *rep, int fd);

static uint32_t fake_features = 0xff;

/* Overrides the weak libaudit version: pretend to be the kernel. */
uint32_t audit_get_features(void)
{
	return fake_features;
}

static int passed, failed;

static void check(int cond, const char *fmt, const char *arg)
{
	printf("%s ", cond ? "ok  " : "FAIL");
	printf(fmt, arg);
	printf("\n");
	if (cond)
		passed++;
	else
		failed++;
}

static struct audit_rule_data *new_rule(void)
{
	struct audit_rule_data *r = calloc(1, sizeof(*r));

	if (!r) {
		perror("calloc");
		exit(2);
	}
	return r;
}

/* Add "pair" to the rule; returns libaudit's return code. */
static int add_pair(struct audit_rule_data **r, const char *pair, int list)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", pair);	/* it writes into it */
	return audit_rule_fieldpair_data(r, buf, list);
}

static int expect_rc(const char *pair, int list, int want)
{
	struct audit_rule_data *r = new_rule();
	int rc = add_pair(&r, pair, list);
	char msg[300];

	snprintf(msg, sizeof(msg), "%-40s -> %d (want %d)", pair, rc, want);
	check(rc == want, "%s", msg);
	free(r);
	return rc;
}

/* A good value: one field, values[] = 8, 8 host-order bytes in buf. */
static void expect_value(const char *pair, int list, int op, uint64_t want)
{
	struct audit_rule_data *r = new_rule();
	int rc = add_pair(&r, pair, list);
	uint64_t got = 0;
	char msg[300];

	if (rc == 0 && r->buflen == 8)
		memcpy(&got, r->buf, 8);
	snprintf(msg, sizeof(msg),
		 "%-40s -> rc=%d field=%u op=0x%x len=%u buflen=%u val=%llu",
		 pair, rc, r->fields[0], r->fieldflags[0], r->values[0],
		 r->buflen, (unsigned long long)got);
	check(rc == 0 && r->field_count == 1 &&
	      r->fields[0] == AUDIT_CONTAINERID && r->fieldflags[0] == op &&
	      r->values[0] == 8 && r->buflen == 8 && got == want, "%s", msg);
	free(r);
}

/* Print a rule with auditctl's listing code and return the text. */
static char *list_rule(struct audit_rule_data *r)
{
	struct audit_reply rep;
	struct nlmsghdr nlh;
	char *text;
	long len;
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);

	if (!tmp || saved < 0) {
		perror("tmpfile");
		exit(2);
	}
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);

	memset(&rep, 0, sizeof(rep));
	memset(&nlh, 0, sizeof(nlh));
	rep.nlh = &nlh;
	audit_print_init();
	rep.type = AUDIT_LIST_RULES;
	rep.ruledata = r;
	audit_print_reply(&rep, -1);
	rep.type = NLMSG_DONE;
	audit_print_reply(&rep, -1);	/* prints the list, closes fd -1 */
	fflush(stdout);

	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = ftell(tmp);
	text = calloc(1, len + 1);
	rewind(tmp);
	if (!text || fread(text, 1, len, tmp) != (size_t)len) {
		perror("read listing");
		exit(2);
	}
	fclose(tmp);
	if (len && text[len - 1] == '\n')
		text[len - 1] = 0;
	return text;
}

/*
 * Build "-a always,exit -S write <pairs...> -F key=k1", list it, compare
 * with the expected line, then parse the listed -F words again and
 * compare the two rules byte for byte.
 */
static void roundtrip(const char *const pairs[], const char *want)
{
	struct audit_rule_data *r = new_rule(), *r2 = new_rule();
	char *text, *copy, *tok, *save;
	int rc = 0, i;

	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	rc |= audit_rule_syscallbyname_data(r, "write");
	_audit_syscalladded = 1;
	for (i = 0; pairs[i]; i++)
		rc |= add_pair(&r, pairs[i], AUDIT_FILTER_EXIT);
	rc |= add_pair(&r, "key=k1", AUDIT_FILTER_EXIT);
	if (rc) {
		check(0, "roundtrip setup failed for %s", want);
		return;
	}

	text = list_rule(r);
	{
		char msg[600];

		snprintf(msg, sizeof(msg), "listed \"%s\"", text);
		check(strcmp(text, want) == 0, "%s", msg);
	}

	/* Rebuild from the listed text, the way auditctl -d would. */
	r2->flags = AUDIT_FILTER_EXIT;
	r2->action = AUDIT_ALWAYS;
	rc = audit_rule_syscallbyname_data(r2, "write");
	copy = strdup(text);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "-F") == 0) {
			tok = strtok_r(NULL, " ", &save);
			if (tok && strncmp(tok, "arch=", 5) != 0)
				rc |= add_pair(&r2, tok, AUDIT_FILTER_EXIT);
		}
	}
	check(rc == 0 && r->buflen == r2->buflen &&
	      memcmp(r, r2, sizeof(*r) + r->buflen) == 0,
	      "rule rebuilt from \"%s\" is byte-identical", text);
	free(copy);
	free(text);
	free(r);
	free(r2);
}

/*
 * A fake reply to a signal info request of @type: uid 1000, a pid that
 * does not exist, @cid_len bytes of @cid (SIGNAL_INFO2) and @ctx_len bytes
 * of @ctx; @claim is the cid_len the reply states.
 */
static void fake_signal_info(struct audit_reply *rep, int type, const char *cid,
			     int cid_len, uint32_t claim, const char *ctx, int ctx_len)
{
	int hdr = type == AUDIT_SIGNAL_INFO2 ? sizeof(struct audit_sig_info2) :
					       sizeof(struct audit_sig_info);
	char *p = NLMSG_DATA(&rep->msg.nlh);

	memset(rep, 0, sizeof(*rep));
	rep->type = type;
	rep->len = NLMSG_LENGTH(hdr + cid_len + ctx_len);
	rep->msg.nlh.nlmsg_len = rep->len;
	rep->msg.nlh.nlmsg_type = type;
	rep->nlh = &rep->msg.nlh;
	rep->signal_info = (struct audit_sig_info *)p;
	rep->signal_info->uid = 1000;
	rep->signal_info->pid = 999999999;
	if (type == AUDIT_SIGNAL_INFO2)
		rep->signal_info2->cid_len = claim;
	memcpy(p + hdr, cid, cid_len);
	memcpy(p + hdr + cid_len, ctx, ctx_len);
}

static void expect_signal_text(struct audit_reply *rep, const char *want)
{
	char buf[MAX_AUDIT_MESSAGE_LENGTH];

	audit_format_signal_info(buf, sizeof(buf), "terminate", rep, "success");
	check(strcmp(buf, want) == 0, "signal info: %s", want);
	if (strcmp(buf, want))
		printf("     got: %s\n", buf);
}

static void signal_info_tests(void)
{
	static const char pre[] = "op=terminate auid=1000 uid=4294967295 ses=4294967295 pid=999999999";
	struct audit_reply rep;
	char want[512];
	int len;

	check(AUDIT_SIGNAL_INFO2 == ACID_AUDIT_SIGNAL_INFO2, "%s", "AUDIT_SIGNAL_INFO2 == 1021");
	check(AUDIT_FEATURE_BITMAP_SIGNAL_INFO2 == ACID_AUDIT_FEATURE_BITMAP_SIGNAL_INFO2, "%s",
	      "AUDIT_FEATURE_BITMAP_SIGNAL_INFO2 == 0x100");

	/* SIGNAL_INFO, without and with a context: as before the patch */
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO, "", 0, 0, "", 0);
	snprintf(want, sizeof(want), "%s res=success", pre);
	expect_signal_text(&rep, want);
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO, "", 0, 0, "unconfined_t", 13);
	snprintf(want, sizeof(want), "%s subj=unconfined_t res=success", pre);
	expect_signal_text(&rep, want);
	check(audit_signal_info_contid(&rep, &len) == NULL, "%s",
	      "no contid in a SIGNAL_INFO reply");

	/* SIGNAL_INFO2: the chain, then the context */
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO2, "4,^2,^1", 7, 7, "", 0);
	snprintf(want, sizeof(want), "%s contid=4,^2,^1 res=success", pre);
	expect_signal_text(&rep, want);
	check(audit_signal_info_ctx(&rep, &len) == NULL, "%s", "no context after the chain");
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO2, "-1", 2, 2, "unconfined_t", 13);
	snprintf(want, sizeof(want), "%s subj=unconfined_t contid=-1 res=success", pre);
	expect_signal_text(&rep, want);
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO2, "18446744073709551614", 20, 20, "", 0);
	check(audit_signal_info_contid(&rep, &len) != NULL && len == 20, "%s",
	      "a 20-digit contid is taken whole");

	/* A cid_len beyond the message: neither field is trusted */
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO2, "4", 1, 4096, "x_t", 4);
	snprintf(want, sizeof(want), "%s res=success", pre);
	expect_signal_text(&rep, want);
	/* A reply cut short before cid_len */
	fake_signal_info(&rep, AUDIT_SIGNAL_INFO2, "", 0, 0, "", 0);
	rep.len = NLMSG_LENGTH(sizeof(struct audit_sig_info));
	check(audit_signal_info_contid(&rep, &len) == NULL &&
	      audit_signal_info_ctx(&rep, &len) == NULL, "%s",
	      "a SIGNAL_INFO2 reply without cid_len has no fields");
}

int main(void)
{
	const int X = AUDIT_FILTER_EXIT, U = AUDIT_FILTER_USER,
		  E = AUDIT_FILTER_EXCLUDE;

	/* The numbers of the contract (DESIGN.md), as libaudit has them */
	check(AUDIT_CONTAINERID == ACID_AUDIT_CONTAINERID, "%s", "AUDIT_CONTAINERID == 27");
	check(AUDIT_CONTAINER == ACID_AUDIT_CONTAINER, "%s", "AUDIT_CONTAINER == 1020");
	check(AUDIT_CONTAINER_INFO == ACID_AUDIT_CONTAINER_INFO, "%s",
	      "AUDIT_CONTAINER_INFO == 1340");
	check(AUDIT_FEATURE_BITMAP_CONTAINERID == ACID_AUDIT_FEATURE_BITMAP_CONTAINERID, "%s",
	      "AUDIT_FEATURE_BITMAP_CONTAINERID == 0x80");
	check(audit_name_to_field("containerid") == ACID_AUDIT_CONTAINERID, "%s",
	      "field name containerid");
	check(audit_name_to_field("contid") == ACID_AUDIT_CONTAINERID, "%s",
	      "field alias contid");
	check(audit_field_to_name(ACID_AUDIT_CONTAINERID) &&
	      strcmp(audit_field_to_name(ACID_AUDIT_CONTAINERID), "containerid") == 0, "%s",
	      "field 27 prints as containerid");
	check(audit_name_to_msg_type("CONTAINER") == ACID_AUDIT_CONTAINER, "%s",
	      "record type name CONTAINER");
	check(audit_name_to_msg_type("CONTAINER_INFO") == ACID_AUDIT_CONTAINER_INFO, "%s",
	      "record type name CONTAINER_INFO");
	check(audit_msg_type_to_name(ACID_AUDIT_CONTAINER) &&
	      strcmp(audit_msg_type_to_name(ACID_AUDIT_CONTAINER), "CONTAINER") == 0, "%s",
	      "1020 prints as CONTAINER");

	/* Good values, every allowed list and operator */
	expect_value("containerid=0", X, AUDIT_EQUAL, 0);
	expect_value("containerid=123", X, AUDIT_EQUAL, 123);
	expect_value("contid=123", X, AUDIT_EQUAL, 123);
	expect_value("containerid!=123", X, AUDIT_NOT_EQUAL, 123);
	expect_value("containerid=007", X, AUDIT_EQUAL, 7);
	expect_value("containerid=18446744073709551614", X, AUDIT_EQUAL,
		     18446744073709551614ULL);
	expect_value("containerid=unset", X, AUDIT_EQUAL, UINT64_MAX);
	expect_value("containerid!=unset", U, AUDIT_NOT_EQUAL, UINT64_MAX);
	expect_value("containerid=4515122123205246976", U, AUDIT_EQUAL,
		     4515122123205246976ULL);
	expect_value("containerid=5", E, AUDIT_EQUAL, 5);

	/* Bad values */
	expect_rc("containerid=-1", X, -EAU_CONTIDVAL);
	expect_rc("containerid=+5", X, -EAU_CONTIDVAL);
	expect_rc("containerid=0x10", X, -EAU_CONTIDVAL);
	expect_rc("containerid=12abc", X, -EAU_CONTIDVAL);
	expect_rc("containerid=abc", X, -EAU_CONTIDVAL);
	expect_rc("containerid= 5", X, -EAU_CONTIDVAL);
	expect_rc("containerid=5 ", X, -EAU_CONTIDVAL);
	expect_rc("containerid=Unset", X, -EAU_CONTIDVAL);
	expect_rc("containerid=18446744073709551615", X, -EAU_CONTIDVAL);
	expect_rc("containerid=18446744073709551616", X, -EAU_CONTIDVAL);
	expect_rc("containerid=99999999999999999999999", X, -EAU_CONTIDVAL);
	expect_rc("containerid=", X, -20 /* EAU_FIELDVALMISSING */);

	/* Operators other than = and != */
	expect_rc("containerid>5", X, -EAU_OPEQNOTEQ);
	expect_rc("containerid<5", X, -EAU_OPEQNOTEQ);
	expect_rc("containerid>=5", X, -EAU_OPEQNOTEQ);
	expect_rc("containerid<=5", X, -EAU_OPEQNOTEQ);
	expect_rc("containerid&5", X, -EAU_OPEQNOTEQ);
	expect_rc("containerid&=5", X, -EAU_OPEQNOTEQ);

	/* Lists other than exit, user and exclude */
	expect_rc("containerid=5", AUDIT_FILTER_TASK, -EAU_FIELDNOFILTER);
	expect_rc("containerid=5", AUDIT_FILTER_FS, -EAU_FIELDNOFILTER);
	expect_rc("containerid=5", AUDIT_FILTER_ENTRY, -EAU_FIELDNOFILTER);

	/* A kernel without the feature bit */
	fake_features = 0x7f;
	expect_rc("containerid=5", X, -EAU_FIELDNOSUPPORT);
	expect_rc("contid=unset", U, -EAU_FIELDNOSUPPORT);
	/* ... still reports syntax errors as such */
	expect_rc("containerid=abc", X, -EAU_CONTIDVAL);
	/* a kernel without the extended exclude list */
	fake_features = ACID_AUDIT_FEATURE_BITMAP_CONTAINERID;
	expect_rc("containerid=5", E, -EAU_FIELDNOSUPPORT);
	fake_features = 0xff;

	/* Listing and auditctl -d round trip; the key after the 8 bytes
	 * shows the buffer offsets are right. */
	{
		static const char *const p1[] = { "containerid=123", NULL };
		static const char *const p2[] = { "contid!=unset", NULL };
		static const char *const p3[] = { "uid=0", "containerid=unset",
			"containerid!=18446744073709551614", "exe=/bin/sh",
			NULL };
		static const char *const p4[] = { "path=/etc/passwd",
			"containerid!=42", NULL };

		roundtrip(p1, "-a always,exit -S write -F containerid=123 -F key=k1");
		roundtrip(p2, "-a always,exit -S write -F containerid!=unset -F key=k1");
		roundtrip(p3, "-a always,exit -S write -F uid=0 -F containerid=unset"
			      " -F containerid!=18446744073709551614 -F exe=/bin/sh"
			      " -F key=k1");
		roundtrip(p4, "-a always,exit -S write -F path=/etc/passwd"
			      " -F containerid!=42 -F key=k1");
	}

	signal_info_tests();

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
