# kmemleak_clean: scan with kmemleak (the test kernel must have it; it does
# not scan in the background) and print one "ok"/"not ok" line: true if no
# object is unreferenced.  An object is reported only once it is older than
# 5 s and two scans saw it unreferenced, hence the waits.
kmemleak_clean() {
	kml=/sys/kernel/debug/kmemleak
	[ -e "$kml" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	if [ ! -e "$kml" ]; then
		echo "not ok - kmemleak: the test kernel has no $kml"
		return 1
	fi
	sleep 6
	if ! { echo scan > "$kml" && sleep 6 && echo scan > "$kml"; }; then
		echo "not ok - kmemleak: cannot scan (disabled?): $(dmesg | grep kmemleak | tail -1)"
		return 1
	fi
	n=$(grep -c '^unreferenced object' "$kml")
	if [ "$n" -ne 0 ]; then
		echo "not ok - kmemleak: $n unreferenced objects"
		sed 's/^/#   /' "$kml" | head -200
		return 1
	fi
	echo "ok - kmemleak: no unreferenced object"
}
