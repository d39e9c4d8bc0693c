#!/bin/sh
# auditctl refuses bad containerid rules with a readable message and loads
# nothing.
set -u
fail() { echo "FAIL: $*"; auditctl -D >/dev/null 2>&1; exit 1; }
before=$(auditctl -l)
for bad in "containerid=-1" "containerid=abc" "containerid=0x10" "containerid=18446744073709551616" \
	"containerid=" "containerid>5" "containerid<5"; do
	if msg=$(auditctl -a exit,always -F arch=b64 -S getpid -F "$bad" 2>&1); then
		fail "accepted -F $bad"
	fi
	echo "-F $bad: $msg"
	[ -n "$msg" ] || fail "no message for -F $bad"
done
if msg=$(auditctl -a task,always -F containerid=5 2>&1); then
	fail "accepted containerid on the task list"
fi
echo "task list: $msg"
[ "$(auditctl -l)" = "$before" ] || fail "a refused rule changed the rule list"
auditctl -a exit,always -F arch=b64 -S getpid -F contid=unset -k unset$$ || fail "contid=unset refused"
auditctl -l | grep -q -- "-F containerid=unset -F key=unset$$" || fail "unset does not list back"
auditctl -d exit,always -F arch=b64 -S getpid -F containerid=unset -k unset$$ || fail "delete unset"
auditctl -s | grep -q "^enabled 1" || fail "audit not enabled"
echo "auditctl errors: ok"
