/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine-readable benchmark figures of the guest programs (alocktest,
 * rdmatest, mmtest): next to each human "# bench ..." line, one line
 *
 *   # bench-json {"benchmark":"rw","case":"read_pair","lock":"prwlock",...}
 *
 * per figure.  scripts/cluster.sh collects them into the run's
 * bench.jsonl (scripts/bench-jsonl.py); Documentation/benchmarks.rst
 * describes the fields and the cases.  A record is built with bj_start(),
 * optional fields and "params"/"stats" objects, then bj_emit().  Numbers
 * that are not finite (a failed measurement, a division by zero) are
 * written as null.
 */
#ifndef ALOCK_TESTS_BENCH_JSON_H
#define ALOCK_TESTS_BENCH_JSON_H

#include <math.h>
#include <stdio.h>
#include <string.h>

struct bj {
	char buf[2048];
	size_t n;
	int depth;
	int first[4];		/* no member yet at this depth */
};

static inline void bj_raw(struct bj *j, const char *s)
{
	size_t l = strlen(s);

	if (j->n + l < sizeof(j->buf)) {
		memcpy(j->buf + j->n, s, l + 1);
		j->n += l;
	}
}

static inline void bj_quoted(struct bj *j, const char *s)
{
	char e[8];

	bj_raw(j, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			e[0] = '\\', e[1] = *s, e[2] = 0;
		} else if ((unsigned char)*s < 0x20) {
			snprintf(e, sizeof(e), "\\u%04x", (unsigned char)*s);
		} else {
			e[0] = *s, e[1] = 0;
		}
		bj_raw(j, e);
	}
	bj_raw(j, "\"");
}

static inline void bj_key(struct bj *j, const char *key)
{
	if (!j->first[j->depth])
		bj_raw(j, ",");
	j->first[j->depth] = 0;
	bj_quoted(j, key);
	bj_raw(j, ":");
}

/* A string member; NULL is written as null. */
static inline void bj_str(struct bj *j, const char *key, const char *v)
{
	bj_key(j, key);
	if (v)
		bj_quoted(j, v);
	else
		bj_raw(j, "null");
}

/* A number with up to 4 decimals (trailing zeros dropped); null if not finite. */
static inline void bj_num(struct bj *j, const char *key, double v)
{
	char s[64];
	size_t l;

	bj_key(j, key);
	if (!isfinite(v)) {
		bj_raw(j, "null");
		return;
	}
	if (fabs(v) >= 1e15) {
		snprintf(s, sizeof(s), "%.17g", v);
	} else {
		snprintf(s, sizeof(s), "%.4f", v);
		l = strlen(s);
		while (l > 0 && s[l - 1] == '0')
			s[--l] = 0;
		if (l > 0 && s[l - 1] == '.')
			s[--l] = 0;
		if (!strcmp(s, "-0"))
			strcpy(s, "0");
	}
	bj_raw(j, s);
}

static inline void bj_int(struct bj *j, const char *key, long long v)
{
	char s[32];

	bj_key(j, key);
	snprintf(s, sizeof(s), "%lld", v);
	bj_raw(j, s);
}

/* Opens the object member @key ("params", "stats"); bj_close() ends it. */
static inline void bj_open(struct bj *j, const char *key)
{
	bj_key(j, key);
	bj_raw(j, "{");
	if (j->depth < 3)
		j->first[++j->depth] = 1;
}

static inline void bj_close(struct bj *j)
{
	bj_raw(j, "}");
	if (j->depth > 0)
		j->depth--;
}

/* A measured value, NAN when the measurement failed (-1 or 0). */
static inline double bj_pos(double v)
{
	return v > 0 ? v : NAN;
}

/*
 * The common members of every record.  @baseline and @ratio_of may be
 * NULL (no comparison: baseline and ratio null); @ratio_of says which way
 * the ratio goes, "lock/baseline" or "baseline/lock", as the human line
 * states it.  @threads <= 0 and @vcpus <= 0 are written as null.
 */
static inline void bj_start(struct bj *j, const char *benchmark, const char *case_,
		     const char *lock, const char *baseline, double value, const char *unit,
		     double ratio, const char *ratio_of, int threads, int vcpus)
{
	j->n = 0;
	j->buf[0] = 0;
	j->depth = 0;
	j->first[0] = 1;
	bj_raw(j, "{");
	bj_str(j, "benchmark", benchmark);
	bj_str(j, "case", case_);
	bj_str(j, "lock", lock);
	bj_str(j, "baseline", baseline);
	bj_num(j, "value", value);
	bj_str(j, "unit", unit);
	bj_num(j, "ratio", baseline ? ratio : NAN);
	bj_str(j, "ratio_of", baseline ? ratio_of : NULL);
	if (threads > 0)
		bj_int(j, "threads", threads);
	else
		bj_str(j, "threads", NULL);
	if (vcpus > 0)
		bj_int(j, "vcpus", vcpus);
}

/* Ends the record and prints it as one "# bench-json " line. */
static inline void bj_emit(struct bj *j)
{
	while (j->depth > 0)
		bj_close(j);
	bj_raw(j, "}");
	printf("# bench-json %s\n", j->buf);
	fflush(stdout);
}

#endif /* ALOCK_TESTS_BENCH_JSON_H */
