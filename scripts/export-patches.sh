#!/bin/bash
# Developer tool: turn the commits on top of "base" in a kernel tree into
# patches/linux-6.12 (git format-patch with a cover letter and a series
# file), and mark the build tree as having exactly that series applied.
#
# The tree is build/linux-source-6.12, or $ACID_SERIES_TREE: a worktree of
# it where the series was applied with "git am" and edited (the build tree's
# own commits, made by scripts/kernel.sh, carry only the subject lines).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=${ACID_SERIES_TREE:-$top/build/linux-source-6.12}
dir=$top/patches/linux-6.12
rm -f "$dir"/*.patch
git -C "$src" -c user.name="audit-containerid developers" \
	-c user.email="maintainers@audit-containerid.invalid" \
	format-patch -q --no-signature --cover-letter -o "$dir" base..HEAD
# The cover letter's subject and blurb come from cover.txt.
python3 - "$dir/0000-cover-letter.patch" "$dir/cover.txt" <<'PY'
import sys
path, cover = sys.argv[1], open(sys.argv[2]).read().split('\n', 1)
s = open(path).read()
s = s.replace('*** SUBJECT HERE ***', cover[0].strip())
s = s.replace('*** BLURB HERE ***', cover[1].strip())
open(path, 'w').write(s)
PY
(cd "$dir" && ls 0*.patch | grep -v '^0000-cover-letter' > series)
for p in $(cat "$dir/series"); do
	"$src/scripts/checkpatch.pl" --strict --no-tree -q "$dir/$p" | grep -E '^(ERROR|WARNING)' | sed "s|^|$p: |" || true
done
# Only the build tree itself has exactly this series applied now; after an
# export from another tree, scripts/kernel.sh applies it on the next build.
if [ "$src" = "$top/build/linux-source-6.12" ]; then
	(cd "$dir" && cat series && grep -v -e '^#' -e '^$' series | xargs -r cat) | sha256sum | cut -d' ' -f1 > "$top/build/.series-applied"
fi
