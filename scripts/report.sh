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
	echo "Lock table (ALock vs competitors).  ops/s summed over the nodes, in total and"
	echo "for operations on local and on remote keys, the median of a cell's runs (runs:"
	echo "how many); latencies the median over nodes and runs of each node's median /"
	echo "p99 acquire, in us; verbs/rop: verbs per remote operation, all nodes and runs;"
	echo "ratio: ALock / best competitor of the medians, and the range of the ratio of"
	echo "the runs' totals paired in order.  Then where the verbs go, per operation:"
	echo "READs, WRITEs, atomics, messages, Peterson polls, failed CASes; the share of"
	echo "acquires handed over inside a cohort, and of ALock's cohort leaders those that"
	echo "entered by the remote fast path (no victim WRITE):"
	# shellcheck disable=SC2016
	grep -h '^# dlock' "$run"/guest*/tap.txt | awk '
		{
			split("", f)
			for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			if (f["kpo"] != 1) next
			k = f["nodes"] SUBSEP f["local_pct"] SUBSEP f["threads"] SUBSEP f["keys"] SUBSEP f["lock"]
			cell[k] = 1; n = f["node"]; r = ("run" in f) ? f["run"] : 0
			if (!((k, r) in seen)) { seen[k, r] = 1; runs[k] = runs[k] " " r; nr[k]++ }
			tot[k, r] += f["ops_s"]; lt[k, r] += f["local_ops_s"]; rt[k, r] += f["remote_ops_s"]
			nl[k]++; lm[k, nl[k]] = f["local_med_us"]; lp[k, nl[k]] = f["local_p99_us"]
			rm[k, nl[k]] = f["remote_med_us"]; rp[k, nl[k]] = f["remote_p99_us"]
			split("ops remote_ops remote_verbs reads writes atomics sends polls cas_retries handoffs leaders fast", names, " ")
			for (j in names) cnt[k, names[j]] += f[names[j]]
		}
		function sortv(v, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		}
		function medlist(a, k,   i, n, v) {
			n = 0
			for (i = 1; i <= nl[k]; i++) if (a[k, i] > 0) v[++n] = a[k, i] + 0
			if (n == 0) return "-"
			sortv(v, n)
			return sprintf("%.1f", v[int((n + 1) / 2)])
		}
		function medruns(a, k,   i, n, v, rr) {
			n = split(substr(runs[k], 2), rr, " ")
			for (i = 1; i <= n; i++) v[i] = a[k, rr[i]] + 0
			sortv(v, n)
			return v[int((n + 1) / 2)]
		}
		function per(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
		function pct(a, b) { return b > 0 ? sprintf("%.0f%%", 100 * a / b) : "-" }
		END {
			for (k in cell) {
				split(k, p, SUBSEP)
				sum[k] = medruns(tot, k); lsum[k] = medruns(lt, k); rsum[k] = medruns(rt, k)
				grp = p[1] SUBSEP p[2] SUBSEP p[3] SUBSEP p[4]
				if (p[5] != "alock" && sum[k] > best[grp]) { best[grp] = sum[k]; bestk[grp] = k }
			}
			printf "0|  %5s %5s %4s %5s %-14s %4s %9s %7s %11s %9s %9s %9s %10s %10s %10s %10s\n",
				"nodes", "local%", "thr", "keys", "lock", "runs", "ops/s", "ratio", "ratio range",
				"loc.ops/s", "rem.ops/s", "verbs/rop", "local_med", "local_p99", "remote_med",
				"remote_p99"
			for (k in cell) {
				split(k, p, SUBSEP); grp = p[1] SUBSEP p[2] SUBSEP p[3] SUBSEP p[4]
				r = ""; rg = ""
				if (p[5] == "alock" && best[grp] > 0) {
					r = sprintf("%.2fx", sum[k] / best[grp])
					# The runs paired in order: the i-th run of ALock with
					# the i-th run of the best competitor.
					b = bestk[grp]
					na = split(substr(runs[k], 2), ra, " ")
					nb = split(substr(runs[b], 2), rb, " ")
					lo = ""; hi = ""
					for (i = 1; i <= na && i <= nb; i++) {
						if (tot[b, rb[i]] <= 0) continue
						x = tot[k, ra[i]] / tot[b, rb[i]]
						if (lo == "" || x < lo) lo = x
						if (hi == "" || x > hi) hi = x
					}
					if (lo != "") rg = sprintf("%.2f-%.2f", lo, hi)
				}
				printf "1 %02d %05d %03d %05d %s|  %5s %5s %4s %5s %-14s %4d %9d %7s %11s %9d %9d %9s %10s %10s %10s %10s\n",
					p[1], p[2], p[3], p[4], p[5], p[1], p[2], p[3], p[4], p[5], nr[k], sum[k], r, rg,
					lsum[k], rsum[k], per(cnt[k, "remote_verbs"], cnt[k, "remote_ops"]),
					medlist(lm, k), medlist(lp, k), medlist(rm, k), medlist(rp, k)
			}
			printf "2|\n2|  %5s %5s %4s %5s %-14s %7s %7s %7s %7s %7s %7s %8s %8s\n",
				"nodes", "local%", "thr", "keys", "lock", "READ", "WRITE", "atomic", "msg",
				"polls", "CASfail", "handoff", "fast"
			for (k in cell) {
				split(k, p, SUBSEP); o = cnt[k, "ops"]
				printf "3 %02d %05d %03d %05d %s|  %5s %5s %4s %5s %-14s %7s %7s %7s %7s %7s %7s %8s %8s\n",
					p[1], p[2], p[3], p[4], p[5], p[1], p[2], p[3], p[4], p[5],
					per(cnt[k, "reads"], o), per(cnt[k, "writes"], o), per(cnt[k, "atomics"], o),
					per(cnt[k, "sends"], o), per(cnt[k, "polls"], o), per(cnt[k, "cas_retries"], o),
					pct(cnt[k, "handoffs"], cnt[k, "handoffs"] + cnt[k, "leaders"]),
					(p[5] == "alock" ? pct(cnt[k, "fast"], cnt[k, "leaders"]) : "")
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
