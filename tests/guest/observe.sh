#!/bin/sh
# shellcheck shell=dash
# Observability tests (sourced by run.sh, which defines check, ok, notok,
# skip, $T, $A and $ncpu): the module's debugfs statistics, the kernel's
# lock:contention_begin/end tracepoints recorded with perf for a
# contended run of each lock, alock's own events through tracefs, and
# /proc/lock_stat (CONFIG_LOCK_STAT on the test kernel).
# run.sh sets T, A and ncpu before it sources this file.
# shellcheck disable=SC2154

OBS=/tmp/obs
# awk: a /proc/lock_stat class line whose name contains c, contended.
# shellcheck disable=SC2016
OBS_CLASS='index($1, c) && $1 ~ /:$/ && $2 > 0 { f = 1 } END { exit !f }'
DBG=/sys/kernel/debug/alock
TRC=/sys/kernel/tracing

# A counter of /sys/kernel/debug/alock/locks: obs_ctr KIND FIELD
obs_ctr() {
	awk -v k="$1" -v f="$2" '$1 == k { for (i = 2; i <= NF; i++) { split($i, a, "=");
		if (a[1] == f) print a[2] } }' $DBG/locks
}

obs_debugfs_tests() {
	check "debugfs: /sys/kernel/debug/alock has enabled, locks, rdma, table" \
		test -f $DBG/enabled -a -f $DBG/locks -a -f $DBG/rdma -a -f $DBG/table
	check "debugfs: statistics are off after load" grep -qx 0 $DBG/enabled
	check "debugfs: locks lists every kind" sh -c "for k in prwlock_read prwlock_write ticket mcs abql \
		brlock mrlock lockmgr alock_local alock_remote dl_spin dl_mcs dl_rpc \
		alock_rw_read alock_rw_write dl_dslr; do \
		grep -q \"^\$k acquisitions=[0-9]* contended=[0-9]*\" $DBG/locks || { echo \$k; exit 1; }; done"
	a0=$(obs_ctr mcs acquisitions)
	$T stress mcs 2 200 bound >/dev/null
	a1=$(obs_ctr mcs acquisitions)
	check "debugfs: disabled statistics count no mcs acquisition ($a0 -> $a1)" test "$a0" = "$a1"
	check "debugfs: enabling statistics" sh -c "echo 1 >$DBG/enabled && grep -qx 1 $DBG/enabled"
	$T stress mcs 2 200 bound >/tmp/obs.stress
	a2=$(obs_ctr mcs acquisitions)
	ops=$(sed -n 's/.*: \([0-9]*\) ops.*/\1/p' /tmp/obs.stress | head -n1)
	check "debugfs: enabled statistics count the mcs acquisitions ($((a2 - a1)) >= $ops ops)" \
		test "$((a2 - a1))" -ge "${ops:-1}"
	$T rwstress prwlock 2 1 200 >/dev/null
	check "debugfs: prwlock read acquisitions and write rounds counted" \
		test "$(obs_ctr prwlock_read acquisitions)" -gt 0 -a "$(obs_ctr prwlock_write rounds)" -gt 0
	check "debugfs: a non-boolean write to enabled fails" sh -c "! echo maybe >$DBG/enabled"
	check "debugfs: disabling statistics" sh -c "echo 0 >$DBG/enabled && grep -qx 0 $DBG/enabled"
	check "alockctl stats reads the module's debugfs" sh -c "$A stats | grep -q mcs"
	check "alockctl --json stats: mcs acquisitions as counted" \
		sh -c "$A --json stats | grep -q '\"acquisitions\": *$a2'"
}

# The kernel's lock:contention_begin/end tracepoints, recorded with perf
# on every CPU during a contended run of each lock.  One perf session
# holds every run (perf's start-up, and loading the symbols for perf
# script and perf lock contention, take seconds each under TCG): the
# sched:sched_process_exec event of each run's alocktest marks where the
# run begins in perf script's time-ordered output.
obs_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The runs: "what|flag|arguments of alocktest".  In each, alock's waits
# must be there (fired from alock_contention_begin/_end), some with FLAG
# among their flags (a run may wait on both sides of a lock), each with
# its end.  The prwlock writers' run is longer: in 150 ms on the KASAN
# kernel only readers had waited (check-sanitize, 2026-12-03).
obs_perf_runs() {
	n=$((2 * ncpu))
	cat <<EOF
the ticket lock|SPIN|stress ticket $n 150 bound
the MCS lock|SPIN|stress mcs $n 150 bound
ABQL|SPIN|stress abql $n 150 bound
MRLock|SPIN|mrlock mrlock $n 150 16 4 8
the brlock writers|WRITE|rwstress brlock $n 2 150
prwlock readers behind writers|READ|rwstress prwlock $n 2 150 sleep=20
prwlock writers|WRITE|rwstress prwlock $n 2 400 sleep=20
the lock manager|WRITE|txn wait $n 150 4 4 20
EOF
}

obs_perf_tests() {
	if ! command -v perf >/dev/null; then
		notok "perf in the guest (the initramfs copies it from linux-perf)"
		return
	fi
	if [ "$ncpu" -lt 2 ]; then
		skip "perf lock contention of alock's locks" "one CPU: spinning locks never contend"
		return
	fi
	obs_perf_runs >$OBS.runs
	nruns=$(wc -l <$OBS.runs)
	# At most one wait a thread is cut by a run's start or end.
	threads=$((2 * ncpu + 2))
	{
		echo "set -e"
		cut -d'|' -f3 $OBS.runs | sed "s|^|$T |; s|\$| >/dev/null|"
	} >$OBS.sh
	rm -f $OBS.data
	t0=$(cut -d' ' -f1 /proc/uptime)
	if ! perf record -q -e lock:contention_begin -e lock:contention_end \
		-e sched:sched_process_exec -a -g -o $OBS.data -- sh $OBS.sh >$OBS.rec 2>&1; then
		notok "perf record -e lock:contention_* during the $nruns contended runs"
		tail -n 5 $OBS.rec | sed 's/^/#   /'
		return
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	# -G: each event's own function only, one line an event (the call
	# chains took 25 s to print; perf lock contention reads them).
	perf script -i $OBS.data -F event,trace,ip,sym -G 2>/dev/null >$OBS.txt
	t2=$(cut -d' ' -f1 /proc/uptime)
	# Run r starts at the r-th exec of alocktest.  Per run: b (alock's
	# contention_begin, fired in alock_contention_begin), bf (of those,
	# with the run's flag), e (alock's contention_end), a (every
	# contention_begin: alock's, and the stock locks' anywhere in the
	# kernel); run 0 is what came before the first run.
	awk -v t="${T##*/}" -v flags="$(cut -d'|' -f2 $OBS.runs | tr '\n' ' ')" '
		BEGIN { nf = split(flags, fl, " ") }
		/sched_process_exec/ { if (index($0, "filename=") && index($0, t)) r++; next }
		/contention_begin/ && /alock_contention_begin/ { b[r]++; if (r && index($0, fl[r])) bf[r]++ }
		/contention_end/ && /alock_contention_end/ { e[r]++ }
		/contention_begin/ { a[r]++ }
		END { for (i = 0; i <= nf; i++) printf "%d %d %d %d %d\n", i, b[i], bf[i], e[i], a[i] }' \
		$OBS.txt >$OBS.cnt
	echo "# perf: $nruns runs recorded in $(obs_secs "$t0" "$t1") s, perf script $(obs_secs "$t1" "$t2") s"
	pb_all=0
	pa_all=0
	i=0
	while IFS='|' read -r what flag _; do
		i=$((i + 1))
		read -r _ pb pbf pe pa <<EOF
$(sed -n "$((i + 1))p" $OBS.cnt)
EOF
		pb_all=$((pb_all + pb))
		pa_all=$((pa_all + pa))
		echo "# perf: $what: $pb alock contention_begin ($pbf with $flag), $pe contention_end"
		if [ "$pb" -gt 0 ] && [ "$pbf" -gt 0 ] && [ "$pe" -ge $((pb - threads)) ] &&
			[ "$pe" -le $((pb + threads)) ]; then
			ok "perf record shows $what's contention with $flag ($pbf of $pb waits)"
		else
			notok "perf record shows $what's contention with $flag ($pb waits, $pbf flagged, $pe ends)"
		fi
	done <$OBS.runs
	read -r _ pb0 _ _ _ <$OBS.cnt
	check "perf script: each run found by its exec, no alock wait before the first ($pb0)" \
		test "$pb0" = 0 -a "$(grep -c "sched_process_exec.*${T##*/}" $OBS.txt)" = "$nruns"
	# perf lock contention names each wait's caller (the first function
	# of the call chain outside the lock code): for alock's locks, a
	# function of the module (Rust symbols contain alock_main; its C
	# functions start with alock_ or prwlock_).
	t3=$(cut -d' ' -f1 /proc/uptime)
	perf lock contention -i $OBS.data -E 1000 >$OBS.lc 2>&1
	echo "# perf lock contention: $(obs_secs "$t3" "$(cut -d' ' -f1 /proc/uptime)") s"
	pl=$(awk '$NF ~ /alock_main|^alock_|^prwlock_/ && $1 ~ /^[0-9]+$/ { n += $1 } END { print n + 0 }' $OBS.lc)
	# At least half of the module's lock waits (perf drops a sequence
	# it finds broken), at most every wait recorded.
	if [ "$pl" -gt 0 ] && [ "$pl" -ge $((pb_all / 2)) ] && [ "$pl" -le "$pa_all" ]; then
		ok "perf lock contention reports the module's waits ($pl; $pb_all from alock, $pa_all in all)"
	else
		notok "perf lock contention reports the module's waits ($pl; $pb_all from alock, $pa_all in all)"
		sed 's/^/#   /' $OBS.lc | head -n 40
	fi
	# Each harness the runs went through is named as a caller (Rust v0
	# symbols: each name after its length).
	# shellcheck disable=SC2016 # awk's own $1 and $NF
	for c in 6stress 8mrstress 6brlock 7prwlock 3txn; do
		check "perf lock contention names a caller in the module's $c" \
			awk -v c="$c" '$1 ~ /^[0-9]+$/ && index($NF, c) { f = 1 } END { exit !f }' $OBS.lc
	done
	grep -m8 'contended\|alock_main\|prwlock_' $OBS.lc | cut -c1-150 | sed 's/^/#   /'
}

# alock's own events through tracefs: a prwlock write run fires
# alock:prwlock_consensus once per consensus round.
obs_tracefs_tests() {
	ev=$TRC/events/alock
	check "tracefs lists alock's events" sh -c "for e in prwlock_consensus prwlock_convert \
		prwlock_wake alock_enter alock_peterson alock_rdma_verb alock_rdma_peer_state; do \
		test -d $ev/\$e || { echo \$e; exit 1; }; done"
	echo >$TRC/trace
	echo 1 >$ev/prwlock_consensus/enable
	echo 1 >$ev/prwlock_wake/enable
	r0=$(obs_ctr prwlock_write rounds)
	$T rwstress prwlock 2 1 200 sleep=20 >/dev/null
	r1=$(obs_ctr prwlock_write rounds)
	echo 0 >$ev/prwlock_consensus/enable
	echo 0 >$ev/prwlock_wake/enable
	nc=$(grep -c 'prwlock_consensus: lock=' $TRC/trace)
	check "alock:prwlock_consensus fired once per round ($nc events, $((r1 - r0)) rounds)" \
		test "$nc" -eq "$((r1 - r0))" -a "$nc" -gt 0
	grep -m2 'prwlock_consensus\|prwlock_wake' $TRC/trace | sed 's/^/#   /'
}

# /proc/lock_stat: alock's lock classes with contentions (lock_contended()
# in their slow paths).
obs_lockstat_tests() {
	if [ ! -f /proc/lock_stat ]; then
		skip "/proc/lock_stat lists alock's locks" "no CONFIG_LOCK_STAT"
		return
	fi
	echo 0 >/proc/lock_stat
	$T stress mcs $((2 * ncpu)) 300 bound >/dev/null
	$T rwstress prwlock $((2 * ncpu)) 2 300 sleep=20 >/dev/null
	grep -E 'alock|mcs|prwlock' /proc/lock_stat | head -n 6 | sed 's/^/#   /'
	# The class line: "name: contentions ...".
	check "/proc/lock_stat lists the MCS lock class with contentions" \
		awk -v c=mcs "$OBS_CLASS" /proc/lock_stat
	check "/proc/lock_stat lists a prwlock class with contentions" \
		awk -v c=prwlock "$OBS_CLASS" /proc/lock_stat
}

# Around one ALock lock table run (run.sh's alock_table_tests): statistics
# on and alock:alock_enter traced; afterwards every acquisition counted in
# locks must have fired one alock_enter, and the rdma and table files must
# show this node's connections and keys.
obs_dlock_start() {
	echo 1 >$DBG/enabled
	# The run destroys its table at the end: sample the table file while
	# it runs, keeping the last snapshot with keys.
	rm -f $OBS.tbl $OBS.stop
	(
		while [ ! -f $OBS.stop ]; do
			grep '^key' $DBG/table >$OBS.tbl.new 2>/dev/null && mv $OBS.tbl.new $OBS.tbl
			sleep 0.2
		done
	) &
	od_sampler=$!
	echo >$TRC/trace
	echo 1 >$TRC/events/alock/alock_enter/enable
	od_a0=$(($(obs_ctr alock_local acquisitions) + $(obs_ctr alock_remote acquisitions)))
}

obs_dlock_check() {
	touch $OBS.stop
	wait "$od_sampler"
	echo 0 >$TRC/events/alock/alock_enter/enable
	echo 0 >$DBG/enabled
	od_n=$(($(obs_ctr alock_local acquisitions) + $(obs_ctr alock_remote acquisitions) - od_a0))
	od_e=$(grep -c 'alock_enter: key=' $TRC/trace)
	od_lost=$(cat $TRC/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }')
	if [ "$od_lost" = 0 ]; then
		check "alock:alock_enter fired for each of the $od_n ALock acquisitions ($od_e)" \
			test "$od_e" -eq "$od_n" -a "$od_n" -gt 0
	else
		check "alock:alock_enter fired for the ALock acquisitions ($od_e of $od_n, $od_lost lost)" \
			test "$od_e" -le "$od_n" -a "$od_e" -gt 0
	fi
	grep -m3 'alock_enter: key=' $TRC/trace | sed 's/^/#   /'
	# ALock's remote path posts its READs alone or in chains (CAS + READ,
	# WRITE + READ): a run with few remote operations may make only chains.
	check "debugfs rdma: a connection up with READs (alone or chained) and round trips" \
		awk '/ state=up / && (/ reads=[1-9]/ || / chains=[1-9]/) && / rtt_hist=.*[1-9]/ { f = 1 } END { exit !f }' $DBG/rdma
	check "debugfs table: keys this node took during the run" \
		awk '/^key[0-9]+ home=[0-9]+ local=[0-9]+ remote=[0-9]+/ { f = 1 } END { exit !f }' $OBS.tbl
	check "alockctl stats --json reads the rdma and table files" \
		sh -c "$A --json stats | grep -q '\"rtt_hist\"'"
}

observe_tests() {
	obs_debugfs_tests
	obs_tracefs_tests
	obs_lockstat_tests
	obs_perf_tests
}
