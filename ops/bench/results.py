#!/usr/bin/env python3
"""Benchmark results: one JSON object per comparison, a line per comparison in a results file (JSON lines).

  results.py add FILE --bench B --case C --base-label L --base "s s s" --label L --runs "s s s"
                 --metric ratio|speedup|added|difference|deviation [--target X] [--unit U] [--note TEXT]
                 [--extra KEY=VALUE ...]
      ratio      = cluster median / baseline median       (target: at most X)
      speedup    = baseline median / cluster median       (target: at least X)
      added      = cluster median - baseline median       (target: under X seconds)
      difference = cluster median - baseline median       (target: at most X either way, in the unit)
      deviation  = cluster median / baseline median - 1   (target: at most X either way, a fraction)
  --unit names what the values are (default s, seconds); a record in another unit keeps them as "median" and
  "runs" with a "unit", not as "median_s" and "runs_s".
  results.py table FILE...        the table of every comparison in the files
  results.py json OUT FILE...     the comparisons as one JSON document
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys


def number(text):
    try:
        return float(text)
    except ValueError:
        return text


def value_of(text):
    """An --extra value: a number, a list of numbers (space-separated), or text."""
    parts = text.split()
    return [number(p) for p in parts] if len(parts) > 1 and all(isinstance(number(p), float) for p in parts) \
        else number(text)


def add(args):
    base = [float(x) for x in args.base.split()]
    runs = [float(x) for x in args.runs.split()]
    mb, mr = statistics.median(base), statistics.median(runs)
    value = {"ratio": mr / mb, "speedup": mb / mr, "added": mr - mb, "difference": mr - mb,
             "deviation": mr / mb - 1}[args.metric]
    met = None
    if args.target is not None:
        met = value <= args.target if args.metric == "ratio" else value >= args.target if args.metric == "speedup" \
            else abs(value) <= args.target if args.metric in ("difference", "deviation") else value < args.target
    record = {
        "benchmark": args.bench, "case": args.case, "metric": args.metric, "value": round(value, 6),
        "target": args.target, "met": met,
        "baseline": side(args.base_label, mb, base, args.unit),
        "cluster": side(args.label, mr, runs, args.unit),
        "extra": {k: value_of(v) for k, v in (e.split("=", 1) for e in args.extra)},
    }
    if args.unit != "s":
        record["unit"] = args.unit
    if args.note:
        record["note"] = args.note
    with open(args.file, "a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"{args.bench} [{args.case}]: {args.base_label} {shown(record, 'baseline')}, {args.label} "
          f"{shown(record, 'cluster')}, {describe(record)}"
          + (f" (target {target_text(record)}: {'met' if met else 'MISSED'})" if met is not None else ""))


def side(label, median, runs, unit):
    if unit == "s":
        return {"label": label, "median_s": round(median, 3), "runs_s": runs}
    return {"label": label, "median": round(median, 6), "runs": runs}


def shown(r, which):
    """A side's median with its unit: seconds to the hundredth, other units (dB, SSIM, kb/s) to 6 digits."""
    unit = r.get("unit", "s")
    if unit == "s":
        return f"{r[which]['median_s']:.2f} s"
    return f"{r[which]['median']:.6g}" + ("" if unit == "-" else f" {unit}")


def describe(r):
    v, unit = r["value"], r.get("unit", "s")
    return {"ratio": f"{v:.3f}x the time", "speedup": f"{v:.2f}x faster", "added": f"{v:+.2f} s",
            "difference": f"{v:+.6f}" if unit == "-" else f"{v:+.4g} {unit}", "deviation": f"{v * 100:+.2f} %"}[r["metric"]]


def target_text(r):
    t, unit = r["target"], r.get("unit", "s")
    if t is None:
        return "-"
    return {"ratio": f"<= {t:g}x", "speedup": f">= {t:g}x", "added": f"< +{t:g} s",
            "difference": f"within ±{t:g}" + ("" if unit == "-" else f" {unit}"),
            "deviation": f"within ±{t * 100:g} %"}[r["metric"]]


def load(files):
    records = []
    for name in files:
        if os.path.exists(name):
            with open(name) as f:
                records += [json.loads(line) for line in f if line.strip()]
    return records


def table(args):
    records = load(args.files)
    rows = [("benchmark", "case", "baseline", "median", "cluster", "median", "result", "target", "met", "n")]
    for r in records:
        runs = "runs_s" if r.get("unit", "s") == "s" else "runs"
        rows.append((r["benchmark"], r["case"], r["baseline"]["label"], shown(r, "baseline"),
                     r["cluster"]["label"], shown(r, "cluster"), describe(r), target_text(r),
                     "-" if r["met"] is None else "yes" if r["met"] else "NO",
                     f"{len(r['baseline'][runs])}/{len(r['cluster'][runs])}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for r in records:
        if r.get("note"):
            print(f"note [{r['benchmark']}, {r['case']}]: {r['note']}")


def dump(args):
    load_avg = os.getloadavg() if hasattr(os, "getloadavg") else None
    doc = {
        "written_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "load_average": load_avg,
                    "cpu": cpu_model()},
        "results": load(args.files),
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add")
    a.add_argument("file")
    for name in ("--bench", "--case", "--base-label", "--base", "--label", "--runs"):
        a.add_argument(name, required=True)
    a.add_argument("--metric", choices=("ratio", "speedup", "added", "difference", "deviation"), required=True)
    a.add_argument("--target", type=float)
    a.add_argument("--unit", default="s")
    a.add_argument("--note")
    a.add_argument("--extra", action="append", default=[])
    a.set_defaults(func=add)
    t = sub.add_parser("table")
    t.add_argument("files", nargs="+")
    t.set_defaults(func=table)
    j = sub.add_parser("json")
    j.add_argument("out")
    j.add_argument("files", nargs="+")
    j.set_defaults(func=dump)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
