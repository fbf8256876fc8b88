#!/usr/bin/env python3
"""Writes a JSONL stream in another arrival order, to measure how much order matters.

    python3 scripts/shuffle_stream.py IN OUT --seed 1            # the whole stream shuffled
    python3 scripts/shuffle_stream.py IN OUT --block 2000        # shuffled within blocks
    python3 scripts/shuffle_stream.py IN OUT --by-outlet         # one outlet after another

`--seed S` shuffles all lines with `random.Random(S)`; `--block N` instead shuffles each run of
N lines with `random.Random(the block's first line number)` (about a day of the synthetic
streams at 2,000), the order a crawler of many feeds might see; `--by-outlet` puts each outlet's lines (its
`outlet` field) after the previous outlet's, each in its own order, as files concatenated
outlet by outlet are. Then run `newsfold cluster OUT`
and score it with `../shared/bench/clustering/score.py OUT PRED --gold-field event`.
"""
import argparse
import json
import random


def reorder(lines, seed=1, block=0, by_outlet=False):
    """`lines` in another order: shuffled whole with `random.Random(seed)`, or, when `block`
    is positive, each run of `block` lines shuffled with `random.Random(its first line number)`,
    or with `by_outlet`, grouped by outlet (outlets by name, each outlet's lines in order)."""
    if by_outlet:
        return sorted(lines, key=lambda line: json.loads(line).get("outlet") or "")
    if block > 0:
        out = []
        for start in range(0, len(lines), block):
            part = lines[start:start + block]
            random.Random(start).shuffle(part)
            out += part
        return out
    out = list(lines)
    random.Random(seed).shuffle(out)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--block", type=int, default=0)
    parser.add_argument("--by-outlet", action="store_true")
    args = parser.parse_args()
    with open(args.src, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    with open(args.dst, "w", encoding="utf-8") as f:
        f.write("\n".join(reorder(lines, args.seed, args.block, args.by_outlet)) + "\n")


if __name__ == "__main__":
    main()
