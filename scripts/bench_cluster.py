#!/usr/bin/env python3
"""Clustering benchmark: quality on ECB+ dev, speed and memory on synthetic streams.

Builds the release binary and the `gen_news` example, then
1. runs `newsfold cluster` on ../shared/bench/clustering/ecbplus-dev.jsonl in file order and
   in a fixed-seed shuffle, scores both with that folder's score.py and prints pairwise and
   B-cubed precision / recall / F1 (and the story count); then in --orders more shuffles
   (seeds 1..N), for the spread over arrival orders: mean, lowest, and how far the lowest
   falls under file order (issue 5 allows 0.01);
2. generates synthetic news streams (examples/gen_news.rs, seed fixed) of 10k, 100k and 1M
   articles, runs `newsfold cluster` on each under /usr/bin/time -v and prints articles/s
   (median over --runs runs; one run for 1M unless --runs-1m says otherwise), peak resident
   memory, and the pairwise / B-cubed F1 of the stream against its `event` labels;
3. with --stream-orders N, the 10k stream in N whole shuffles (seeds 1..N, `shuffle_stream.py`)
   and shuffled within blocks of 2,000 articles (about a day), then outlet by outlet, plain and
   with `cluster --by-date`, each scored like the stream: how much arrival order costs on dated
   input;
4. with --by-date-orders N, `cluster --by-date` on ECB+ dev in file order and N shuffles
   (seeds 1..N): its scores and whether every order gave the same stories, then its speed and
   peak memory on the streams of --by-date-sizes (median of --runs, --runs-1m at 1M), next to
   the plain command's when the scale step measured that size;
5. with --consensus-orders N, the same for `cluster --consensus` (--consensus-sizes).
Python 3 standard library only. Streams are cached in --work (default /tmp/newsfold-bench).

    python3 scripts/bench_cluster.py [--sizes 10000,100000,1000000] [--runs 3] [--runs-1m 1]
                                     [--seed 42] [--shuffle-seed 7] [--orders 63]
                                     [--stream-orders 0] [--by-date-orders 0]
                                     [--by-date-sizes 10000,100000,1000000] [--consensus-orders 0]
                                     [--consensus-sizes 10000,100000] [--no-build] [--skip-scale]
                                     [--skip-ecb] [--bench DIR] [--work DIR] [--bin PATH]
The load average is printed with each size: on a shared machine wall-clock articles/s follow
it, the per-CPU-second figure much less. --bin measures another build (implies --no-build).
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "newsfold"
GEN = ROOT / "target" / "release" / "examples" / "gen_news"


def find_bench(explicit):
    candidates = [Path(explicit)] if explicit else [
        ROOT.parent / "shared" / "bench" / "clustering",
        ROOT.parent.parent / "shared" / "bench" / "clustering",
        Path("/work/shared/bench/clustering"),
    ]
    for c in candidates:
        if (c / "ecbplus-dev.jsonl").is_file() and (c / "score.py").is_file():
            return c
    return None


def build():
    cmd = ["cargo", "build", "--release", "--bin", "newsfold", "--example", "gen_news"]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=ROOT, check=True)


def score(score_py, gold, pred, field="cluster"):
    out = subprocess.run(
        [sys.executable, str(score_py), str(gold), str(pred), "--json", "--gold-field", field],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["all"]


def cluster(src, dst, flags=()):
    """Runs `newsfold cluster [flags] src > dst` under /usr/bin/time -v: (wall s, CPU s, peak MB)."""
    with open(dst, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", str(BIN), "cluster", *flags, str(src)],
                              stdout=out, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"newsfold cluster {src} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    peak_mb = int(m.group(1)) / 1024 if m else float("nan")
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr))
    return elapsed, cpu, peak_mb


def quality_line(name, s):
    return (f"{name:<12} pair P {s['pair_P']:.3f} R {s['pair_R']:.3f} F1 {s['pair_F1']:.3f} | "
            f"B3 P {s['b3_P']:.3f} R {s['b3_R']:.3f} F1 {s['b3_F1']:.3f} | "
            f"stories {s['pred_clusters']} (gold {s['gold_clusters']})")


def ecb(bench, work, shuffle_seed):
    gold = bench / "ecbplus-dev.jsonl"
    lines = [l for l in gold.read_text(encoding="utf-8").split("\n") if l.strip()]
    random.Random(shuffle_seed).shuffle(lines)
    shuffled = work / f"ecbplus-dev.shuf{shuffle_seed}.jsonl"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"ECB+ dev ({len(lines)} articles), newsfold cluster, scored by score.py")
    results = {}
    for name, src in [("file order", gold), (f"shuffle {shuffle_seed}", shuffled)]:
        pred = work / ("pred-" + name.replace(" ", "-") + ".jsonl")
        cluster(src, pred)
        s = score(bench / "score.py", gold, pred)
        results[name] = s
        print("  " + quality_line(name, s))
    return results


def orders(bench, work, count, file_order):
    """Clusters `count` shuffles of ECB+ dev (seeds 1..count): the spread over orders."""
    if count <= 0:
        return
    gold = bench / "ecbplus-dev.jsonl"
    lines = [l for l in gold.read_text(encoding="utf-8").split("\n") if l.strip()]
    scores = [file_order]
    for seed in range(1, count + 1):
        shuffled = list(lines)
        random.Random(seed).shuffle(shuffled)
        src = work / "ecbplus-dev.order.jsonl"
        src.write_text("\n".join(shuffled) + "\n", encoding="utf-8")
        pred = work / "pred-order.jsonl"
        cluster(src, pred)
        scores.append(score(bench / "score.py", gold, pred))
    pair = [s["pair_F1"] for s in scores]
    b3 = [s["b3_F1"] for s in scores]
    worst = min(range(len(pair)), key=lambda i: pair[i])
    print(f"  {len(scores)} orders (file order, shuffles 1-{count}): pair F1 mean "
          f"{statistics.mean(pair):.4f} lowest {pair[worst]:.4f} (shuffle {worst}), "
          f"file order - lowest {pair[0] - pair[worst]:+.4f} | B3 F1 mean {statistics.mean(b3):.4f} "
          f"lowest {min(b3):.4f}, file order - lowest {b3[0] - min(b3):+.4f}")


def scale(bench, work, sizes, runs, runs_1m, seed):
    print(f"Synthetic streams (gen_news seed {seed}), newsfold cluster, single thread")
    print("  (articles/s over wall time; per CPU-s over user+sys, which a busy machine distorts less)")
    print(f"  {'articles':>9} {'MB in':>7} {'articles/s':>11} {'per CPU-s':>10} {'wall runs (s)':<24}"
          f" {'peak MB':>8}  synthetic pair F1 / B3 F1")
    rows = []
    for n in sizes:
        src = work / f"news-{n}-seed{seed}.jsonl"
        if not src.exists():
            tmp = src.with_suffix(".tmp")
            with open(tmp, "wb") as out:
                subprocess.run([str(GEN), str(n), str(seed)], stdout=out, check=True)
            tmp.rename(src)
        pred = work / f"pred-news-{n}.jsonl"
        k = runs_1m if n >= 1_000_000 else runs
        times, cpus, peaks = [], [], []
        for _ in range(max(1, k)):
            t, c, p = cluster(src, pred)
            times.append(t)
            cpus.append(c)
            peaks.append(p)
        med = statistics.median(times)
        cpu = statistics.median(cpus)
        s = score(bench / "score.py", src, pred, field="event") if bench else None
        q = f"{s['pair_F1']:.3f} / {s['b3_F1']:.3f}" if s else "-"
        mb_in = src.stat().st_size / 1e6
        runs_txt = " ".join(f"{t:.2f}" for t in times)
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  {n:>9} {mb_in:>7.0f} {n / med:>11.0f} {n / max(cpu, 1e-9):>10.0f} {runs_txt:<24}"
              f" {max(peaks):>8.0f}  {q}  (load {load})")
        rows.append({"articles": n, "per_s": n / med, "per_cpu_s": n / max(cpu, 1e-9),
                     "runs": times, "peak_mb": max(peaks)})
    return rows


def stream_orders(bench, work, n, seed):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from shuffle_stream import reorder
    src = work / f"news-10000-seed{seed}.jsonl"
    if not src.exists():
        sys.exit(f"{src} is missing: run the scale step for 10,000 articles first")
    with open(src, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    print(f"The 10k stream (seed {seed}) in other arrival orders: pair / B3 F1")
    variants = [(f"shuffle {k}", dict(seed=k), ()) for k in range(1, n + 1)] + [
        ("blocks of 2000", dict(block=2000), ()),
        ("outlet by outlet", dict(by_outlet=True), ()),
        ("same, --by-date", dict(by_outlet=True), ("--by-date",)),
        ("same, --consensus", dict(by_outlet=True), ("--consensus",)),
        ("shuffle 1, --consensus", dict(seed=1), ("--consensus",)),
    ]
    for name, how, flags in variants:
        shuffled = work / "news-10000-reordered.jsonl"
        with open(shuffled, "w", encoding="utf-8") as f:
            f.write("\n".join(reorder(lines, **how)) + "\n")
        pred = work / "pred-news-10000-reordered.jsonl"
        cluster(shuffled, pred, flags)
        s = score(bench / "score.py", shuffled, pred, field="event")
        print(f"  {name:<24} {s['pair_F1']:.4f} / {s['b3_F1']:.4f}  (pair P {s['pair_P']:.3f})")


def fixed_orders(bench, work, flags, count, sizes, runs, runs_1m, seed, plain_rows):
    """`cluster FLAGS` (`--by-date`, `--consensus`): ECB+ in file order and `count` shuffles
    (do all give the same stories?), then speed and peak at `sizes`."""
    gold = bench / "ecbplus-dev.jsonl"
    lines = [l for l in gold.read_text(encoding="utf-8").split("\n") if l.strip()]
    what = {"--by-date": "dated by date, then the undated; ties in a hash order of the ids",
            "--consensus": "three runs in fixed orders, majority of pairs"}
    print(f"newsfold cluster {' '.join(flags)} ({'; '.join(what.get(f, f) for f in flags)})")
    outputs, scores = [], []
    for k in range(count + 1):
        src = gold
        if k:
            shuffled = list(lines)
            random.Random(k).shuffle(shuffled)
            src = work / "ecbplus-dev.order.jsonl"
            src.write_text("\n".join(shuffled) + "\n", encoding="utf-8")
        pred = work / "pred-fixed-order.jsonl"
        cluster(src, pred, flags)
        outputs.append(sorted(pred.read_text(encoding="utf-8").splitlines()))
        scores.append(score(bench / "score.py", gold, pred))
    same = all(o == outputs[0] for o in outputs)
    pair = [s["pair_F1"] for s in scores]
    print("  " + quality_line("file order", scores[0]))
    print(f"  {len(scores)} orders (file order, shuffles 1-{count}): the same stories in every "
          f"order: {'yes' if same else 'NO'}; pair F1 lowest {min(pair):.4f}, "
          f"file order - lowest {pair[0] - min(pair):+.4f}")
    plain = {r["articles"]: r for r in plain_rows}
    for n in sizes:
        src = work / f"news-{n}-seed{seed}.jsonl"
        if not src.exists():
            print(f"  {src} is missing: run the scale step for {n} articles first")
            continue
        pred = work / f"pred-news-{n}-fixed-order.jsonl"
        k = runs_1m if n >= 1_000_000 else runs
        measured = [cluster(src, pred, flags) for _ in range(max(1, k))]
        med = statistics.median(t for t, _, _ in measured)
        cpu = statistics.median(c for _, c, _ in measured)
        s = score(bench / "score.py", src, pred, field="event")
        versus = ""
        if n in plain:
            versus = f", {plain[n]['per_s'] / (n / med):.2f}x the plain command's time"
        print(f"  {n:>9} articles: {n / med:.0f} articles/s, {n / max(cpu, 1e-9):.0f} per CPU-s "
              f"(runs {' '.join(f'{t:.2f}' for t, _, _ in measured)} s{versus}), peak "
              f"{max(p for _, _, p in measured):.0f} MB, pair / B3 F1 {s['pair_F1']:.4f} / "
              f"{s['b3_F1']:.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--runs-1m", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--shuffle-seed", type=int, default=7)
    ap.add_argument("--orders", type=int, default=63, help="ECB+ shuffles for the spread (0: none)")
    ap.add_argument("--stream-orders", type=int, default=0,
                    help="whole shuffles of the 10k stream to score (and blocks, outlets)")
    ap.add_argument("--by-date-orders", type=int, default=0,
                    help="ECB+ shuffles to run `cluster --by-date` on (0: skip that step)")
    ap.add_argument("--by-date-sizes", default="10000,100000,1000000",
                    help="stream sizes to time `cluster --by-date` on")
    ap.add_argument("--consensus-orders", type=int, default=0,
                    help="ECB+ shuffles to run `cluster --consensus` on (0: skip that step)")
    ap.add_argument("--consensus-sizes", default="10000,100000",
                    help="stream sizes to time `cluster --consensus` on")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-ecb", action="store_true")
    ap.add_argument("--bench", help="benchmark folder (default: ../shared/bench/clustering)")
    ap.add_argument("--work", default="/tmp/newsfold-bench")
    ap.add_argument("--bin", help="the newsfold binary to measure (default: target/release)")
    a = ap.parse_args()
    if a.bin:
        global BIN
        BIN = Path(a.bin).resolve()
        a.no_build = True
    bench = find_bench(a.bench)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    if not a.no_build:
        build()
    if not a.skip_ecb:
        if bench is None:
            sys.exit("no ecbplus-dev.jsonl + score.py found; pass --bench DIR")
        results = ecb(bench, work, a.shuffle_seed)
        orders(bench, work, a.orders, results["file order"])
    rows = []
    if not a.skip_scale:
        sizes = [int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip()]
        rows = scale(bench, work, sizes, a.runs, a.runs_1m, a.seed)
    if a.stream_orders > 0 and bench is not None:
        stream_orders(bench, work, a.stream_orders, a.seed)
    for flags, count, sizes in [(("--by-date",), a.by_date_orders, a.by_date_sizes),
                                (("--consensus",), a.consensus_orders, a.consensus_sizes)]:
        if count > 0 and bench is not None:
            sizes = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
            fixed_orders(bench, work, flags, count, sizes, a.runs, a.runs_1m, a.seed, rows)


if __name__ == "__main__":
    main()
