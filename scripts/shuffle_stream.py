#!/usr/bin/env python3
"""Writes a JSONL stream in another arrival order, to measure how much order matters.

    python3 scripts/shuffle_stream.py IN OUT --seed 1            # the whole stream shuffled
    python3 scripts/shuffle_stream.py IN OUT --block 2000        # shuffled within blocks

`--seed S` shuffles all lines with `random.Random(S)`; `--block N` instead shuffles each run of
N lines with `random.Random(the block's first line number)` (about a day of the synthetic
streams at 2,000), the order a crawler of many feeds might see. Then run `newsfold cluster OUT`
and score it with `../shared/bench/clustering/score.py OUT PRED --gold-field event`.
"""
import argparse
import random

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("src")
parser.add_argument("dst")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--block", type=int, default=0)
args = parser.parse_args()
with open(args.src, encoding="utf-8") as f:
    lines = [line for line in f.read().splitlines() if line.strip()]
if args.block > 0:
    out = []
    for start in range(0, len(lines), args.block):
        block = lines[start:start + args.block]
        random.Random(start).shuffle(block)
        out += block
else:
    out = list(lines)
    random.Random(args.seed).shuffle(out)
with open(args.dst, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
