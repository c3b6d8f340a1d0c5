#!/bin/sh
# cli_plan.sh - `pidcycle plan`, holders in messages, --json everywhere and the exit
# statuses shared by plan and exec; as PID 1 of a private PID namespace whose
# pid_max root lowered (tests/engine_ns.sh), as root or as uid 65534:
#   unshare --pid --fork --mount-proc sh tests/engine_ns.sh 8000 nobody \
#       sh tests/cli_plan.sh build/pidcycle build/tests/criu_images
# Every JSON output goes through python3's json parser.
set -u

CLI=${1:?usage: cli_plan.sh PATH-TO-pidcycle PATH-TO-criu_images}
IMG=${2:?usage: cli_plan.sh PATH-TO-pidcycle PATH-TO-criu_images}
. "$(dirname "$0")/lib.sh"
pid1_only cli_plan.sh "it moves the PID cursor"
T=$(mktemp -d) || exit 1
find_python
ME=$(id -u)
KIDS=

# has DESC FILE TEXT: FILE contains TEXT.
has() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: no '$3' in: $(head -c 300 "$2")"; fi
}

keep() { KIDS="$KIDS $1"; }

# Wait (no clock: the hang safety net is make's timeout) until /proc/$1/stat
# says state $2.
wait_state() {
	while :; do
		read -r _ _ st _ < "/proc/$1/stat" 2> /dev/null || return 1
		[ "$st" = "$2" ] && return 0
	done
}

# Wait until process $1 runs command $2 (a background job execs it a moment
# after the fork).
wait_comm() {
	while :; do
		read -r c < "/proc/$1/comm" 2> /dev/null || return 1
		[ "$c" = "$2" ] && return 0
	done
}

# The burning strategy for plans that must burn (root would plan settid).
if [ "$ME" = 0 ]; then BURN="--strategy ghost"; else BURN=; fi

# ---- the cursor somewhere known: past the floor, far below pid_max ----------

getlast
[ "$L" -ge 1000 ] || "$CLI" burn $((1000 - L)) --quiet
getlast
max=$(cat /proc/sys/kernel/pid_max)
if [ "$max" -gt 100000 ]; then
	echo "cli_plan.sh: pid_max is $max: run through tests/engine_ns.sh, which lowers it" >&2
	exit 2
fi

sleep 1000 &
S=$!
keep $S
wait_comm $S sleep

# ---- a mixed list: free, held, below the floor, behind the cursor ---------

mixed() {
	getlast
	a=$((L + 300)) c=$((L - 400)) e=$((L + 400))
	expect_exit 121 "plan --json mixed list $*" "$CLI" plan --json "$@" $a $S 100 $c $e
	cp "$T/out" "$T/mixed.json"
	json_check "plan --json: five targets, kinds and numbers" "$T/mixed.json" \
		"[t['pid'] for t in d['targets']] == [$a, $S, 100, $c, $e] and all(t['kind'] == 'pid' for t in d['targets'])"
	json_check "plan --json: the sleep is in use, its holder named" "$T/mixed.json" \
		"d['targets'][1]['state'] == 'in_use' and d['targets'][1]['holder'] == {'pid': $S, 'tid': None, 'comm': 'sleep', 'uid': $ME, 'as': 'pid', 'zombie': False}"
	json_check "plan --json: totals add up, exit_status 121" "$T/mixed.json" \
		"d['burn_total'] == sum(t['burn'] for t in d['targets'] if t['state'] == 'free') and d['laps'] == sum(t['wrap'] for t in d['targets']) and d['exit_status'] == 121 and d['failed'] == len([t for t in d['targets'] if t['state'] != 'free'])"
	json_check "plan --json: errors name the first failure (in restore order)" "$T/err" \
		"d['errno'] == 17 and d['name'] == 'EEXIST' and d['holder']['pid'] == $S and d['exit_status'] == 121 and 'PID $S' in d['what']"
}

mixed $BURN
json_check "plan: free ahead, behind the cursor wraps, ETA from the rate" "$T/mixed.json" \
	"[t['state'] for t in d['targets']] == ['free', 'in_use', 'unreachable', 'free', 'free'] and [t['wrap'] for t in d['targets']] == [False, False, False, True, False] and d['laps'] == 1 and d['rate'] > 0 and abs(d['eta_sec'] - d['burn_total'] / d['rate']) < 1e-6 * (1 + d['eta_sec']) and d['targets'][2]['why'].startswith('below the wrap floor')"
if [ "$ME" = 0 ]; then
	mixed
	json_check "plan as root: settid, nothing to burn, 100 can be had" "$T/mixed.json" \
		"d['strategy'] == 'settid' and d['burn_total'] == 0 and d['rate'] == 0 and d['eta_sec'] == 0 and [t['state'] for t in d['targets']] == ['free', 'in_use', 'free', 'free', 'free']"
fi

# ---- the plan's figures are what it takes ---------------------------------
# plan, then for each target: burn (its figure minus the one number the fork
# of `burn` itself takes), and the next fork must get the target. Builtins
# only in between: every fork counts.

walk() {
	getlast
	x=$((L + 500)) y=$((L - 300)) w=$((L + 520))
	# y wraps; w's hop passes x, which the sleep made for it holds.
	"$CLI" plan $BURN $x $y $w > "$T/walk" 2> "$T/err" || bad "walk: plan failed: $(cat "$T/err")"
	i=0
	while read -r idx kind num state burn wrap rest; do
		[ "$idx" = "#" ] && continue
		case $idx in plan:*) continue ;; esac
		i=$((i + 1))
		if [ "$state" != free ]; then bad "walk: #$idx $num is $state"; continue; fi
		[ "$burn" = 0 ] && { bad "walk: #$idx needs no burn: the test needs one"; continue; }
		if [ "$burn" -gt 1 ]; then "$CLI" burn $((burn - 1)) --quiet $BURN
		else "$CLI" --version > /dev/null; fi	# one fork, one number
		sleep 1000 &
		got=$!
		keep $got
		[ "$got" = "$num" ] && ok "walk: #$idx burnt $burn as planned (wrap $wrap), the next fork got $got" \
			|| bad "walk: #$idx burnt $burn as planned, the next fork got $got, want $num"
	done < "$T/walk"
	[ "$i" = 3 ] || bad "walk: $i targets in the plan, want 3: $(cat "$T/walk")"
}
walk

# ---- exit statuses: the same from plan and exec ----------------------------

statuses() {
	getlast
	far=$((L + 1000))
	expect_exit 121 "plan: in use" "$CLI" plan $S
	expect_exit 121 "exec: in use" "$CLI" exec --pid $S -- true
	expect_exit 121 "next: in use" "$CLI" next $S
	expect_exit 123 "plan: pid_max is out of range (invalid)" "$CLI" plan "$max"
	has "plan: invalid says why" "$T/err" "out of range"
	expect_exit 123 "exec: pid_max is out of range" "$CLI" exec --pid "$max" -- true
	if [ "$ME" != 0 ]; then
		expect_exit 123 "plan: below the wrap floor" "$CLI" plan 100
		expect_exit 123 "exec: below the wrap floor" "$CLI" exec --pid 100 -- true
	fi
	expect_exit 124 "plan: beyond --max-burn" "$CLI" plan --max-burn 10 $BURN $far
	has "plan: budget says why" "$T/err" "beyond --max-burn 10"
	expect_exit 124 "exec: beyond --max-burn" "$CLI" exec --max-burn 10 $BURN --pid $far -- true
	expect_exit 0 "plan: a free number" "$CLI" plan --quiet $far
	[ -s "$T/out" ] && bad "plan --quiet printed: $(head -c 200 "$T/out")"
	expect_exit 2 "plan: no PID" "$CLI" plan
	expect_exit 2 "plan: PIDs and --criu" "$CLI" plan 5000 --criu "$T"
	expect_exit 2 "plan: a bad PID" "$CLI" plan 5000 abc
	expect_exit 2 "plan --json: usage error" "$CLI" plan --json
	json_check "plan --json: the usage error is JSON" "$T/err" "d['exit_status'] == 2 and d['what'] == 'usage'"
}
statuses

# ---- --criu DIR -------------------------------------------------------------

criu() {
	getlast
	p1=$((L + 200)) p2=$((L + 210)) p3=$((L + 220))
	mkdir -p "$T/img1" "$T/img2" "$T/bad" "$T/empty"
	"$IMG" write "$T/img1" "$p1:$((p1 + 1)),$((p1 + 2))" "$p2" "$p3:$((p3 + 1))"
	expect_exit 0 "plan --criu: an image of free numbers" "$CLI" plan --criu "$T/img1" --json
	json_check "plan --criu: processes in image order, then each one's threads" "$T/out" \
		"[(t['pid'], t['kind']) for t in d['targets']] == [($p1, 'pid'), ($p2, 'pid'), ($p3, 'pid'), ($((p1 + 1)), 'tid'), ($((p1 + 2)), 'tid'), ($((p3 + 1)), 'tid')] and all(t['state'] == 'free' for t in d['targets']) and d['exit_status'] == 0"
	"$IMG" write "$T/img2" "$p1" "$S"
	expect_exit 121 "plan --criu: a PID of the image is held" "$CLI" plan --criu "$T/img2"
	has "plan --criu: the holder is named" "$T/err" "(in use by $S 'sleep', uid $ME)"
	printf 'not an image' > "$T/bad/pstree.img"
	expect_exit 125 "plan --criu: a foreign file" "$CLI" plan --criu "$T/bad"
	has "plan --criu: says it is no CRIU image" "$T/err" "not a CRIU image"
	expect_exit 125 "plan --criu --json: a foreign file" "$CLI" plan --criu "$T/bad" --json
	json_check "plan --criu --json: the error is JSON" "$T/err" "d['name'] == 'EBADMSG' and d['exit_status'] == 125 and 'not a CRIU image' in d['hint']"
	expect_exit 125 "plan --criu: no pstree.img" "$CLI" plan --criu "$T/empty"
	has "plan --criu: says which file" "$T/err" "$T/empty/pstree.img"
}
criu

# ---- holders named in messages: TID, group, session, zombie -----------------

holders() {
	"$PY" -c 'import threading, os, sys, time
t = threading.Thread(target=lambda: (print(threading.get_native_id(), flush=True), time.sleep(1000)), daemon=True)
t.start(); time.sleep(1000)' > "$T/tid" &
	P=$!
	keep $P
	until { read -r tid < "$T/tid"; } 2> /dev/null; do :; done
	expect_exit 121 "exec on a thread's TID" "$CLI" exec --pid "$tid" -- true
	has "the TID's holder is named" "$T/err" "(in use by thread $tid of $P 'python3', uid $ME)"
	expect_exit 121 "exec --json on a thread's TID" "$CLI" exec --json --pid "$tid" -- true
	json_check "the TID's holder in JSON" "$T/err" "d['holder'] == {'pid': $P, 'tid': $tid, 'comm': 'python3', 'uid': $ME, 'as': 'tid', 'zombie': False}"
	# A session and group whose leader is gone; the member is a sleep.
	setsid sh -c 'sleep 1000 & echo $$ > '"$T/sid"
	read -r g < "$T/sid"
	for m in $(cat /proc/[0-9]*/stat 2> /dev/null | awk -v g="$g" '$5 == g {print $1}'); do
		wait_comm "$m" sleep
	done
	expect_exit 121 "next on a group whose leader is gone" "$CLI" next "$g"
	has "the group's member is named" "$T/err" "(in use by the process group of "
	has "... a sleep" "$T/err" "'sleep', uid $ME)"
	# A session only: the member moved to a group of its own.
	"$PY" -c 'import os, sys, time
os.setsid()
if os.fork() == 0:
    os.setpgid(0, 0); print(os.getsid(0), flush=True); time.sleep(1000)
os._exit(0)' > "$T/sess"
	until { read -r sid < "$T/sess"; } 2> /dev/null; do :; done
	expect_exit 121 "next on a session only" "$CLI" next "$sid"
	has "the session's member is named" "$T/err" "(in use by the session of "
	# A zombie: its parent became a sleep that never waits.
	sh -c 'sleep 0 & echo $! > '"$T/z"'; exec sleep 1000' &
	zp=$!
	keep $zp
	until { read -r z < "$T/z"; } 2> /dev/null; do :; done
	wait_comm $zp sleep
	wait_state "$z" Z
	expect_exit 121 "exec on a zombie's PID" "$CLI" exec --pid "$z" -- true
	has "the zombie is named" "$T/err" "(in use by zombie $z 'sleep', uid $ME)"
	expect_exit 121 "plan --json on a zombie" "$CLI" plan --json "$z"
	json_check "plan --json: the zombie holder" "$T/out" "d['targets'][0]['holder']['zombie'] is True and d['targets'][0]['holder']['pid'] == $z"
	expect_exit 0 "estimate --json on a held number" "$CLI" estimate --json "$S"
	json_check "estimate --json names the holder" "$T/out" "not d['reachable'] and d['holder']['pid'] == $S and d['holder']['comm'] == 'sleep'"
}
holders

# ---- --json on every command ------------------------------------------------

json_everywhere() {
	getlast
	n=$((L + 100))
	expect_exit 0 "next --json" "$CLI" next --json $n
	json_check "next --json is {pid}" "$T/out" "d == {'pid': $n}"
	getlast
	n=$((L + 100))
	expect_exit 0 "exec --no-wait --json" "$CLI" exec --no-wait --json --pid $n -- true
	json_check "exec --no-wait --json is {pid}" "$T/out" "d == {'pid': $n}"
	getlast
	n=$((L + 100))
	expect_exit 0 "exec --json" "$CLI" exec --json --pid $n -- sh -c 'echo from-cmd'
	head -n 1 "$T/out" > "$T/first"
	json_check "exec --json: its first line is {pid}, before CMD's output" "$T/first" "d == {'pid': $n}"
	has "exec --json: then CMD's output" "$T/out" "from-cmd"
	expect_exit 7 "exec --json: CMD's status" "$CLI" exec --json --min $((n + 100)) -- sh -c 'exit 7'
	expect_exit 0 "burn --json" "$CLI" burn 100 --json
	json_check "burn --json" "$T/out" "d['count'] == 100"
	expect_exit 0 "probe --json" "$CLI" probe --json
	json_check "probe --json" "$T/out" "d['pid_max'] == $max"
	expect_exit 0 "plan --json" "$CLI" plan --json $((n + 500))
	json_check "plan --json, all free: exit_status 0" "$T/out" "d['exit_status'] == 0 and d['targets'][0]['state'] == 'free'"
	expect_exit 121 "next --json: the error is JSON on stderr" "$CLI" next --json $S
	json_check "next --json error" "$T/err" "d['errno'] == 17 and d['message'] == 'File exists' and d['holder']['pid'] == $S and d['hint'] == 'in use by $S \'sleep\', uid $ME'"
	[ -s "$T/out" ] && bad "next --json error: stdout not empty: $(head -c 200 "$T/out")"
	expect_exit 2 "burn --json: a usage error before --json is JSON too" "$CLI" burn --bogus 5 --json
	json_check "burn --json usage error" "$T/err" "d['exit_status'] == 2 and 'bogus' in d['message']"
	expect_exit 2 "exec: --json after CMD is CMD's" "$CLI" exec --pid 0 true --json
	has "exec: ... so the usage error is text" "$T/err" "pidcycle: "
}
json_everywhere

for k in $KIDS; do kill "$k" 2> /dev/null; done
for k in $KIDS; do wait "$k" 2> /dev/null; done
rm -rf "$T"
summary "cli_plan as uid $ME"
