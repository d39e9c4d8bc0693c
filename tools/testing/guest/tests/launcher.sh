#!/bin/sh
# samples/contid-launch: the command runs under the contid from its first
# instruction, its children inherit it, and refusals exit 125 with the
# kernel's reason.
set -u
fail() { echo "FAIL: $*"; exit 1; }
L=/usr/bin/contid-launch
[ -x $L ] || fail "no $L"
ID=$((700000 + $$))

out=$($L $ID cat /proc/self/containerid) || fail "launch: exit $?"
[ "$out" = "$ID" ] || fail "command read '$out', want $ID"
out=$($L $((ID + 1)) sh -c 'sh -c "cat /proc/\$\$/containerid"') || fail "nested launch"
[ "$out" = "$((ID + 1))" ] || fail "grandchild read '$out', want $((ID + 1))"

$L $((ID + 2)) sh -c 'exit 7'
[ $? -eq 7 ] || fail "exit status not passed through"

msg=$($L 18446744073709551615 true 2>&1)
rc=$?
[ $rc -eq 125 ] || fail "unset value: exit $rc, want 125"
echo "$msg" | grep -q "Invalid argument" || fail "unset value: message '$msg'"
msg=$($L abc true 2>&1)
[ $? -eq 125 ] || fail "junk id accepted"
echo "$msg"
$L $((ID + 3)) /nonexistent 2>/dev/null
[ $? -eq 127 ] || fail "missing command: want 127"
echo "launcher: ok"
