#!/usr/bin/env python3
"""Batch study of the story similarity on ECB+ dev, outside the online clusterer.

    cargo run --release --example pair_sims -- GOLD.jsonl > pairs.tsv
    python3 scripts/experiments/batch_similarity.py GOLD.jsonl pairs.tsv SCORE_PY

Prints (1) how well each pairwise signal separates same-event from other-event pairs
within a topic (AUC), (2) average-link clustering of all articles at several thresholds
with the clusterer's score (anchor mix 0.5, anchor veto 0.15, x far_factor when the days
of two dated articles lie more than 45 days apart), scored by SCORE_PY, and (3) the same
dendrogram cut at the best threshold of each topic (an oracle: the ceiling of any rule
that sets the threshold per group of stories). Reads the gold topic and event, which the
clusterer never does. Standard library only.
"""
import bisect
import collections
import datetime
import json
import os
import subprocess
import sys
import tempfile

MIX, FLOOR, WINDOW = 0.5, 0.15, 45


def load(gold_path, pairs_path):
    gold = {}
    for line in open(gold_path, encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            gold[d["id"]] = (d["cluster"], d["topic"])
    ids, days, pairs = [], [], {}
    for line in open(pairs_path, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "D":
            ids.append(f[1])
            days.append(datetime.date.fromisoformat(f[2]) if f[2] else None)
        else:
            pairs[(int(f[1]), int(f[2]))] = [float(x) for x in f[3:]]
    return gold, ids, days, pairs


def score(sig, far, di, dj):
    """The clusterer's article-to-story score on an article-to-article pair."""
    every, anchors = sig[0], sig[1]
    if anchors < 0:
        s = every
    elif anchors < FLOOR:
        return 0.0
    else:
        s = (1 - MIX) * every + MIX * anchors
    if di and dj and abs((di - dj).days) > WINDOW:
        s *= far
    return s


def auc(pos, neg):
    neg = sorted(neg)
    hits = sum(bisect.bisect_left(neg, p) + (bisect.bisect_right(neg, p) - bisect.bisect_left(neg, p)) / 2 for p in pos)
    return hits / (len(pos) * len(neg))


def average_link(members, sim):
    """Merges (height, a, b) of average-link clustering over `members`; sim[(i, j)], i < j."""
    size = {m: 1 for m in members}
    live = {k: v for k, v in sim.items() if k[0] in size and k[1] in size and v > 0}
    merges = []
    while live:
        (a, b), s = max(live.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
        merges.append((s, a, b))
        na, nb = size[a], size.pop(b)
        size[a] = na + nb
        rest = {k: v for k, v in live.items() if a not in k and b not in k}
        for c in size:
            if c != a:
                key = lambda x, y: (min(x, y), max(x, y))
                v = (live.get(key(a, c), 0.0) * na + live.get(key(b, c), 0.0) * nb) / (na + nb)
                if v > 0:
                    rest[key(a, c)] = v
        live = rest
    return merges


def cut(members, merges, threshold):
    parent = {m: m for m in members}

    def root(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for s, a, b in merges:
        if s >= threshold:
            parent[root(b)] = root(a)
    return {m: root(m) for m in members}


def pair_counts(labels, event):
    tp = pred = true = 0
    ms = list(labels)
    for x in range(len(ms)):
        for y in range(x + 1, len(ms)):
            same_pred = labels[ms[x]] == labels[ms[y]]
            same_gold = event[ms[x]] == event[ms[y]]
            tp += same_pred and same_gold
            pred += same_pred
            true += same_gold
    return tp, pred, true


def main():
    gold_path, pairs_path, score_py = sys.argv[1:4]
    gold, ids, days, pairs = load(gold_path, pairs_path)
    event = [gold[i][0] for i in ids]
    topic = [gold[i][1] for i in ids]
    n = len(ids)
    same_topic = [(i, j) for i in range(n) for j in range(i + 1, n) if topic[i] == topic[j]]
    names = ["every term", "anchors", "title", "title anchors", "lead", "lead anchors"]
    print("AUC, same-event vs other-event pairs of one topic:")
    for k, name in enumerate(names):
        vals = [(pairs.get(p, [0.0, -1.0] * 3)[k], event[p[0]] == event[p[1]]) for p in same_topic]
        print(f"  {name:14} {auc([v for v, s in vals if s], [v for v, s in vals if not s]):.4f}")
    for far in (0.6, 1.0):
        sim = {p: score(s, far, days[p[0]], days[p[1]]) for p, s in pairs.items()}
        merges = average_link(list(range(n)), sim)
        for threshold in (0.15, 0.2, 0.25):
            labels = cut(list(range(n)), merges, threshold)
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
                for m, root in labels.items():
                    out.write(json.dumps({"id": ids[m], "story": str(root)}) + "\n")
            run = subprocess.run([sys.executable, score_py, gold_path, out.name, "--json"],
                                 capture_output=True, text=True, check=True)
            os.unlink(out.name)
            s = json.loads(run.stdout)["all"]
            print(f"average link, far factor {far}, threshold {threshold}: pair P/R/F1 "
                  f"{s['pair_P']:.3f}/{s['pair_R']:.3f}/{s['pair_F1']:.3f}, B3 F1 {s['b3_F1']:.3f}, "
                  f"{s['pred_clusters']} stories")
        by_topic = collections.defaultdict(list)
        for m in range(n):
            by_topic[topic[m]].append(m)
        totals = [0, 0, 0]
        for members in by_topic.values():
            merges_t = average_link(members, sim)
            best = max((pair_counts(cut(members, merges_t, t / 100), event) for t in range(5, 60)),
                       key=lambda c: 2 * c[0] / (c[1] + c[2]))
            totals = [a + b for a, b in zip(totals, best)]
        print(f"  oracle threshold per topic, far factor {far}: pair F1 within topics "
              f"{2 * totals[0] / (totals[1] + totals[2]):.3f}")


if __name__ == "__main__":
    main()
