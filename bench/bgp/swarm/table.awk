# SPDX-License-Identifier: BSD-2-Clause
#
# bench/bgp/swarm: the raw lines ("DAEMON N ANNOUNCE key=value ...", one
# per measurement) as Markdown tables, the median over repetitions per
# cell, ferryd against BIRD per N.

function med(key,    n, i, j, v, t) {
	n = split(vals[key], v, " ")
	if (n == 0)
		return -1
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return v[int((n + 1) / 2)] + 0
}
function put(key, x) { vals[key] = vals[key] " " x }
function f(x, fmt) { return x < 0 ? "-" : sprintf(fmt, x) }
function ratio(a, b) { return a <= 0 || b <= 0 ? "-" : sprintf("%.2f", a / b) }
{
	d = $1; n = $2; a = $3
	if (!(n in seen_n)) { seen_n[n] = 1; ns[++nn] = n }
	if (!(d in seen_d)) { seen_d[d] = 1; ds[++nd] = d }
	for (i = 4; i <= NF; i++) {
		split($i, kv, "=")
		put(d SUBSEP n SUBSEP a SUBSEP kv[1], kv[2])
	}
	runs[d SUBSEP n SUBSEP a]++
	if ($0 ~ /conv_s=-1/)
		failed[d SUBSEP n SUBSEP a]++
}
END {
	name["ferry"] = "ferryd"; name["bird"] = "BIRD"
	print ""
	print "| N | daemon | all Established, s | tries after the first | SYN retransmits | converged, s | VmRSS before, MB | after, MB | VmHWM, MB | per session, KB (0 prefixes) | routes' share per session, KB | all per session, KB | Established at the end | converged runs |"
	print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for (i = 1; i <= nn; i++) for (j = 1; j <= nd; j++) {
		n = ns[i]; d = ds[j]; k1 = d SUBSEP n SUBSEP 1; k0 = d SUBSEP n SUBSEP 0
		if (!(k1 in runs))
			continue
		b1 = med(k1 SUBSEP "rss0_kb"); a1 = med(k1 SUBSEP "rss1_kb")
		b0 = med(k0 SUBSEP "rss0_kb"); a0 = med(k0 SUBSEP "rss1_kb")
		# Per session that came up: all N, unless the cell timed out.
		e1 = med(k1 SUBSEP "established"); e0 = med(k0 SUBSEP "established")
		s0 = (a0 < 0 || b0 < 0 || e0 <= 0) ? -1 : (a0 - b0) / e0
		all = (a1 < 0 || b1 < 0 || e1 <= 0) ? -1 : (a1 - b1) / e1
		rs = (s0 < 0 || all < 0) ? -1 : all - s0
		ps[d, n] = s0; pa[d, n] = all
		te[d, n] = med(k1 SUBSEP "est_s"); tc[d, n] = med(k1 SUBSEP "conv_s")
		ok = runs[k1] - failed[k1] "/" runs[k1]
		if (k0 in runs) ok = ok ", " runs[k0] - failed[k0] "/" runs[k0] " (0 prefixes)"
		printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		    n, name[d] ? name[d] : d, f(te[d, n], "%.2f"),
		    f(med(k1 SUBSEP "retries"), "%d"),
		    f(med(k1 SUBSEP "syn_retrans"), "%d"), f(tc[d, n], "%.2f"),
		    f(b1 / 1024, "%.1f"), f(a1 / 1024, "%.1f"),
		    f(med(k1 SUBSEP "hwm_kb") / 1024, "%.1f"),
		    f(s0, "%.1f"), f(rs, "%.1f"), f(all, "%.1f"), e1, ok
	}
	if (!(("ferry" in seen_d) && ("bird" in seen_d)))
		exit 0
	print ""
	print "| N | Established time, ferryd / BIRD | converged time, ferryd / BIRD | per session (0 prefixes), ferryd / BIRD | all per session, ferryd / BIRD |"
	print "|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nn; i++) {
		n = ns[i]
		printf "| %d | %s | %s | %s | %s |\n", n,
		    ratio(te["ferry", n], te["bird", n]),
		    ratio(tc["ferry", n], tc["bird", n]),
		    ratio(ps["ferry", n], ps["bird", n]),
		    ratio(pa["ferry", n], pa["bird", n])
	}
}
