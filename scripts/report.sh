#!/usr/bin/env bash
# Print a readable summary of a cluster run folder (default: the latest):
# stress results per guest and lock, and RDMA latencies between guests.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

run=${1:-$ALOCK_TOP/build/runs/latest}
[ -d "$run" ] || die "no run folder $run"

echo
echo "== alock run $(basename "$(readlink -f "$run")") =="
for g in "$run"/guest*/; do
	name=$(basename "$g")
	tap="$g/tap.txt"
	[ -f "$tap" ] || {
		echo "$name: no results"
		continue
	}
	grep -m1 '^# module' "$tap" | sed "s/^#/$name:/" || true
done
echo
printf '%-7s %-9s %-8s %-9s %12s %12s %16s %7s\n' guest lock threads placement ops ops/s per-thread errors
for g in "$run"/guest*/; do
	name=$(basename "$g")
	# "# mutex: 4 threads unbound, 1564 ms: 61840 ops (39534/s), per thread 14720..17184, 0 errors"
	sed -nE 's/^# ([a-z_]+): ([0-9]+) threads( unbound)?, ([0-9]+) ms: ([0-9]+) ops \(([0-9]+)\/s\), per thread ([0-9.]+), ([0-9]+) errors/\1 \2 \3 \5 \6 \7 \8/p' \
		"$g/tap.txt" 2>/dev/null |
		while read -r lock thr a b c d e; do
			# "unbound" may be missing: then the fields shift by one
			if [ "$a" = unbound ]; then pl=unbound ops=$b rate=$c per=$d err=$e; else pl=bound ops=$a rate=$b per=$c err=$d; fi
			printf '%-7s %-9s %-8s %-9s %12s %12s %16s %7s\n' "$name" "$lock" "$thr" "$pl" "$ops" "$rate" "$per" "$err"
		done
done
if grep -qh '^# rdma-lat' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "RDMA latency between guest0 and guest1 (perftest over rxe, microseconds):"
	printf '  %-15s %7s %10s %10s %10s %10s  %s\n' test bytes min typical avg p99 options
	grep -h '^# rdma-lat' "$run"/guest*/tap.txt |
		sed -E 's/# rdma-lat ([a-z_]+) bytes=([0-9]+) min=([0-9.]+) typical=([0-9.]+) avg=([0-9.]+) p99=([0-9.]+) usec opts=(.*)/\1 \2 \3 \4 \5 \6 \7/' |
		while read -r p b mi ty av p99 opts; do
			printf '  %-15s %7s %10s %10s %10s %10s  %s\n' "$p" "$b" "$mi" "$ty" "$av" "$p99" "$opts"
		done
fi
if grep -qh '^# rdma-verb' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "RDMA verbs from the module (8 bytes, rdmatest bench; one node at a time):"
	printf '  %-6s %-6s %-9s %-6s %8s %9s %11s %10s\n' from to path verb threads ops/s median_us p99_us
	grep -h '^# rdma-verb' "$run"/guest*/tap.txt |
		sed -E 's/.*node=([0-9]+) peer=([0-9]+) path=([a-z]+) verb=([a-z]+) bytes=[0-9]+ threads=([0-9]+) ops=[0-9]+ ops_s=([0-9]+) min_us=[0-9.]+ median_us=([0-9.]+) p99_us=([0-9.]+).*/\1 \2 \3 \4 \5 \6 \7 \8/' |
		while read -r a b pth v t o m p; do
			printf '  %-6s %-6s %-9s %-6s %8s %9s %11s %10s\n' "node$a" "node$b" "$pth" "$v" "$t" "$o" "$m" "$p"
		done
fi
if grep -qh '^# dlock' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "Lock table (ALock vs competitors; ops/s summed over the nodes, latencies"
	echo "the median over the nodes of each node's median / p99 acquire, in us;"
	echo "the last run of each setting; ratio: ALock / best competitor):"
	printf '  %5s %4s %5s %-14s %9s %7s %12s %12s %12s %12s\n' local% thr keys lock ops/s ratio local_med local_p99 remote_med remote_p99
	# shellcheck disable=SC2016
	grep -h '^# dlock' "$run"/guest*/tap.txt | awk '
		{
			for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			if (f["kpo"] != 1) next
			k = f["local_pct"] SUBSEP f["threads"] SUBSEP f["keys"] SUBSEP f["lock"]
			cell[k] = 1
			ops[k, f["node"]] = f["ops_s"]; lm[k, f["node"]] = f["local_med_us"]
			lp[k, f["node"]] = f["local_p99_us"]; rm[k, f["node"]] = f["remote_med_us"]
			rp[k, f["node"]] = f["remote_p99_us"]; nn = (f["nodes"] > nn ? f["nodes"] : nn)
		}
		function med(a, k,   i, n, v, t, j) {
			n = 0
			for (i = 0; i < nn; i++) if ((k, i) in a && a[k, i] > 0) v[++n] = a[k, i] + 0
			if (n == 0) return "-"
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			return sprintf("%.1f", v[int((n + 1) / 2)])
		}
		END {
			for (k in cell) {
				split(k, p, SUBSEP); tot = 0
				for (i = 0; i < nn; i++) tot += ops[k, i]
				sum[k] = tot; grp = p[1] SUBSEP p[2] SUBSEP p[3]; groups[grp] = 1
				if (p[4] != "alock" && tot > best[grp]) best[grp] = tot
			}
			for (k in cell) {
				split(k, p, SUBSEP); grp = p[1] SUBSEP p[2] SUBSEP p[3]
				r = (p[4] == "alock" && best[grp] > 0) ? sprintf("%.1fx", sum[k] / best[grp]) : ""
				printf "%05d %03d %05d %s|  %5s %4s %5s %-14s %9d %7s %12s %12s %12s %12s\n",
					p[1], p[2], p[3], p[4], p[1], p[2], p[3], p[4], sum[k], r,
					med(lm, k), med(lp, k), med(rm, k), med(rp, k)
			}
		}' | sort | sed 's/^[^|]*|//'
fi
if grep -qh '^# bench' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "Lock benchmarks (guest0 alone, same run; ratios in parentheses):"
	grep -h '^# bench' "$run"/guest*/tap.txt | sed 's/^# bench /  /'
fi
if grep -qh '^# txn' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "Lock manager runs:"
	grep -h '^# txn' "$run"/guest0/tap.txt | sed 's/^# /  /'
fi
echo
if grep -qh '^# mmbench [a-z]* threads=' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "mmap_lock: stock rwsem (+ per-VMA locks) vs prwlock, same guest, each the mean"
	echo "of two alternating runs in fresh processes (pf, hist: pages/s; mmap, madv,"
	echo "mincore: ops/s).  Then the prwlock writers' counters over both prwlock runs,"
	echo "per write acquisition of the benchmark's mmap_lock: consensus rounds, IPIs,"
	echo "CPUs counted as reported because idle, online CPUs skipped as outside the"
	echo "lock's domain, IPIs to readers that stayed past the drain spin (- : no write)."
	grep -h '^# mmbench pass: ' "$run"/guest*/tap.txt | sed 's/^# mmbench pass: /  pass: /'
	grep -h '^# mmbench [a-z]* threads=' "$run"/guest*/tap.txt |
		awk 'BEGIN {
			fmt = "  %-8s %7s %14s %14s %7s %8s %7s %7s %8s %7s\n"
			printf fmt, "workload", "threads", "stock", "prwlock", "ratio",
				"rounds/w", "IPIs/w", "idle/w", "domain/w", "drain/w"
		}
		{
			# "# mmbench WL threads=N stock=S ... drain/w=D cpus=P/N"
			split("", f)
			for (i = 4; i <= NF; i++) {
				eq = index($i, "=")
				f[substr($i, 1, eq - 1)] = substr($i, eq + 1)
			}
			n = split("rounds/w ipis/w idle/w domain/w drain/w", k, " ")
			for (i = 1; i <= n; i++)
				if (!(k[i] in f))
					f[k[i]] = "-"
			printf fmt, $3, f["threads"], f["stock"], f["prwlock"], f["ratio"],
				f["rounds/w"], f["ipis/w"], f["idle/w"], f["domain/w"], f["drain/w"]
		}'
fi
