#!/usr/bin/env python3
"""Prints the ratios a benchmark suite promises, from Google Benchmark JSON output.

    bench/report.py RESULTS.json [--suite NAME ...] [--strict]

Ratio definitions live in bench/<suite>/ratios.json, so a new suite only adds its own file.
Without --suite, every suite whose benchmarks appear in RESULTS.json is reported. Each ratio
names a numerator benchmark and optionally a denominator (without one the value is absolute),
a metric ("time": per-operation time, reported for real and CPU time; "items_per_second"), and
optionally a target {"max": x} or {"min": x}, judged on the real-time value. "{size}" in a name
matches any path component and the ratio is reported once per size found. Repeated runs
(--benchmark_repetitions) are reduced to their median.

--strict exits with status 1 when a target is missed.
"""
import argparse
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load_runs(path):
    with open(path) as f:
        doc = json.load(f)
    by_name = {}
    medians = {}
    for b in doc.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name") or b["name"]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = b
            continue
        by_name.setdefault(name, []).append(b)
    runs = {}
    for name, entries in by_name.items():
        if name in medians:
            runs[name] = medians[name]
            continue
        # Several plain runs: take the median of each value.
        merged = dict(entries[0])
        for key in ("real_time", "cpu_time", "items_per_second"):
            values = [e[key] for e in entries if key in e]
            if values:
                merged[key] = statistics.median(values)
        runs[name] = merged
    # With --benchmark_report_aggregates_only there are medians and no plain runs.
    for name, median in medians.items():
        runs.setdefault(name, median)
    return doc.get("context", {}), runs


def value(run, metric, clock):
    if metric == "time":
        unit = UNIT_NS.get(run.get("time_unit", "ns"), 1.0)
        return run[clock] * unit
    return run.get(metric)


def pattern(name):
    return re.compile("^" + re.escape(name).replace(re.escape("{size}"), "(?P<size>[^/]+)") + "$")


def sizes_for(ratio, runs):
    rx = pattern(ratio["numerator"])
    found = []
    for name in runs:
        m = rx.match(name)
        if m:
            found.append(m.groupdict().get("size", ""))
    return sorted(set(found), key=lambda s: (len(s), s))


def fmt(x, metric, absolute):
    if x is None:
        return "-"
    if absolute:
        if metric == "time":
            return f"{x:,.0f} ns"
        return f"{x:,.0f}/s"
    return f"{x:.2f}x"


def judge(x, target):
    if not target or x is None:
        return "", None
    if "max" in target:
        return f"<= {target['max']}", x <= target["max"]
    if "min" in target:
        return f">= {target['min']:,}", x >= target["min"]
    return "", None


def report(suite, spec, runs):
    missed = 0
    print(f"\n{suite}: {spec.get('description', '')}")
    header = f"{'size':<6} {'ratio':<52} {'real':>14} {'cpu':>14}  {'target':<14} result"
    print(header)
    print("-" * len(header))
    for ratio in spec["ratios"]:
        metric = ratio.get("metric", "time")
        absolute = "denominator" not in ratio
        for size in sizes_for(ratio, runs):
            num = runs.get(ratio["numerator"].replace("{size}", size))
            den = None if absolute else runs.get(ratio["denominator"].replace("{size}", size))
            if num is None or (not absolute and den is None):
                continue
            cols = []
            for clock in ("real_time", "cpu_time"):
                if metric != "time" and clock == "cpu_time":
                    cols.append(None)
                    continue
                n = value(num, metric, clock)
                d = None if absolute else value(den, metric, clock)
                cols.append(n if absolute else (n / d if n is not None and d else None))
            target, ok = judge(cols[0], ratio.get("target"))
            result = "" if ok is None else ("ok" if ok else "MISSED")
            missed += ok is False
            print(f"{size:<6} {ratio['name']:<52} {fmt(cols[0], metric, absolute):>14} "
                  f"{fmt(cols[1], metric, absolute):>14}  {target:<14} {result}")
    return missed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--suite", action="append", default=[])
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()

    context, runs = load_runs(args.results)
    if not runs:
        print(f"{args.results}: no benchmark results", file=sys.stderr)
        return 2
    suites = args.suite or sorted(d for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "ratios.json")))
    print(f"{args.results}: {context.get('date', '')}, {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz, load {context.get('load_avg', '?')}")
    missed = 0
    reported = 0
    for suite in suites:
        path = os.path.join(HERE, suite, "ratios.json")
        if not os.path.isfile(path):
            print(f"no ratio definitions at {path}", file=sys.stderr)
            return 2
        with open(path) as f:
            spec = json.load(f)
        if not any(sizes_for(r, runs) for r in spec["ratios"]):
            if args.suite:
                print(f"{suite}: no matching benchmarks in {args.results}", file=sys.stderr)
            continue
        reported += 1
        missed += report(suite, spec, runs)
    if reported == 0:
        print("no suite matched these results", file=sys.stderr)
        return 2
    if missed:
        print(f"\n{missed} target(s) missed")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
