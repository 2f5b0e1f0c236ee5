#!/usr/bin/env bash
# fuzz.sh GO FUZZTIME PKG:NAME...: run each fuzz target for FUZZTIME, one
# after another. A target fails on a finding: Go writes the input to
# PKG/testdata/fuzz/NAME ("Failing input written to"). Go 1.26's fuzz
# coordinator can also fail a run that found nothing with a bare "context
# deadline exceeded" right at the -fuzztime boundary, when a worker misses
# the stop deadline on a loaded machine (go.dev/issue/75804, fixed in Go
# 1.27). Such a run wrote no input: the target's corpus is replayed and, if
# it passes, the run counts as clean and says so.
set -u
go=$1 fuzztime=$2
shift 2
mkdir -p .cache
for t in "$@"; do
	pkg=${t%%:*} name=${t##*:} log=.cache/fuzz-$name.log
	echo "--- fuzz $pkg $name for $fuzztime"
	"$go" test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1
	rc=$?
	grep '^fuzz: elapsed' "$log" | tail -1
	grep -v '^fuzz: elapsed' "$log"
	[ $rc -eq 0 ] && continue
	if ! grep -q 'Failing input written to' "$log" && grep -q '^    context deadline exceeded$' "$log"; then
		if "$go" test -count=1 -run "^$name\$" "$pkg" >"$log.replay" 2>&1; then
			echo "--- $name: no input written, corpus replays clean: Go's fuzz coordinator stop race (go.dev/issue/75804), not a finding"
			continue
		fi
		cat "$log.replay"
	fi
	echo "--- $name FAILED: the failing input is in $pkg/testdata/fuzz/$name; commit it with the fix"
	exit $rc
done
