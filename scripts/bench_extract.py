#!/usr/bin/env python3
"""Extraction benchmark: F1 and pages/s of `newsfold extract` on ../shared/bench/extraction.

Builds the release binary, runs `newsfold extract` single-threaded (NEWSFOLD_THREADS=1) over
the benchmark's html/ folder several times, converts the output to score.py's format
({"id", "articleBody"} JSONL, id = file name without .html.gz), and prints score.py's F1 /
precision / recall overall, on English pages (--lang en) and on the others
(--exclude-lang en), then the median pages/s over the runs, two ways: by the process's CPU
time (user+sys, the figure to quote on a shared machine) and by wall clock (equal to it on an
idle machine). The time is the whole command: read + gunzip + decode + parse + extract +
boilerplate + JSON. Python 3 standard library only. Exits quietly when the benchmark folder
is absent.

    python3 scripts/bench_extract.py --runs 7
    python3 scripts/bench_extract.py [--runs N] [--bench DIR] [--no-build] [--debug]
                                     [--per-doc N] [--save PRED.jsonl]

On a shared machine the timings move with the load; --instructions also counts the
instructions of one run under valgrind's cachegrind (when installed), a figure that does
not, for comparing two builds.

For where the time goes, stage by stage:
    cargo build --release --example extract_stages
    taskset -c 0 target/release/examples/extract_stages ../shared/bench/extraction/html 5
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find_bench(explicit):
    candidates = [Path(explicit)] if explicit else [
        ROOT.parent / "shared" / "bench" / "extraction",
        ROOT.parent.parent / "shared" / "bench" / "extraction",
        Path("/work/shared/bench/extraction"),
    ]
    for c in candidates:
        if (c / "html").is_dir() and (c / "score.py").is_file():
            return c
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bench", help="benchmark folder (default: ../shared/bench/extraction)")
    ap.add_argument("--no-build", action="store_true", help="use the binary as built")
    ap.add_argument("--debug", action="store_true", help="debug build (quality only, slow)")
    ap.add_argument("--per-doc", type=int, default=0, help="list the N worst pages")
    ap.add_argument("--save", help="also write the predictions (score.py JSONL) to this file")
    ap.add_argument("--instructions", action="store_true",
                    help="also count one run's instructions with valgrind (cachegrind)")
    args = ap.parse_args()

    bench = find_bench(args.bench)
    if bench is None:
        print("benchmark folder not found (../shared/bench/extraction): nothing to do")
        return 0
    profile = "debug" if args.debug else "release"
    if not args.no_build:
        cmd = ["cargo", "build", "--quiet", "--bin", "newsfold"] + ([] if args.debug else ["--release"])
        subprocess.run(cmd, cwd=ROOT, check=True)
    binary = ROOT / "target" / profile / "newsfold"
    pages = sorted((bench / "html").glob("*.html.gz"))
    env = dict(os.environ, NEWSFOLD_THREADS="1")

    rates, cpu_rates, output = [], [], b""
    for _ in range(max(1, args.runs)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run = subprocess.run([str(binary), "extract", str(bench / "html")],
                             env=env, capture_output=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpu_rates.append(len(pages) / cpu if cpu > 0 else float("inf"))
        if run.returncode not in (0, 1):
            sys.stderr.write(run.stderr.decode(errors="replace"))
            return 1
        rates.append(len(pages) / elapsed)
        output = run.stdout

    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "newsfold.jsonl"
        with pred.open("w", encoding="utf-8") as f:
            for line in output.decode("utf-8").splitlines():
                obj = json.loads(line)
                page_id = Path(obj["source"]).name.removesuffix(".html.gz")
                f.write(json.dumps({"id": page_id, "articleBody": obj["text"]}) + "\n")
        if args.save:
            Path(args.save).write_bytes(pred.read_bytes())
        for label, extra in [("all pages", []), ("English (--lang en)", ["--lang", "en"]),
                             ("other languages (--exclude-lang en)", ["--exclude-lang", "en"])]:
            print(f"== {label}")
            per_doc = ["--per-doc", str(args.per_doc)] if args.per_doc and not extra else []
            subprocess.run([sys.executable, str(bench / "score.py"), str(pred), "--bootstrap", "200"]
                           + extra + per_doc, check=True)
    if args.instructions:
        count_instructions(binary, bench, env)
    print(f"pages/s, single thread, {profile}, median of {len(rates)} runs "
          f"(read+gunzip+decode+parse+extract+boilerplate+JSON):")
    print(f"  by CPU time (user+sys): {statistics.median(cpu_rates):.0f}"
          f"  [runs: {', '.join(f'{r:.0f}' for r in cpu_rates)}]")
    print(f"  by wall clock:          {statistics.median(rates):.0f}"
          f"  [runs: {', '.join(f'{r:.0f}' for r in rates)}]  (load average now: "
          f"{os.getloadavg()[0]:.1f})")
    return 0


def count_instructions(binary, bench, env):
    """Prints the instructions (cachegrind's I refs) of one run, if valgrind is installed."""
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           str(binary), "extract", str(bench / "html")]
    try:
        run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        print("instructions: valgrind not installed")
        return
    refs = [line.split()[-1] for line in run.stderr.splitlines() if "I   refs" in line]
    print(f"instructions of one run (cachegrind I refs): {refs[-1] if refs else 'not found'}")


if __name__ == "__main__":
    sys.exit(main())
