#!/usr/bin/env python3
"""How far K-means goes on ECB+ dev when it is told the number of events.

    python3 scripts/experiments/kmeans_oracle.py ../shared/bench/clustering/ecbplus-dev.jsonl

Within each gold topic (two events), spherical K-means with K = 2 over TF-IDF vectors
(sublinear tf, idf over the whole file, English stop words dropped, words and word
bigrams), best of 20 seeded starts; prints pairwise F1 within topics. Then the question
an online clusterer must answer without K: does a 2-way split gain more on a group of
two events than on a group of one? For every topic and every gold event of 4+ reports,
prints the gain per report of the best 2-way split (sum of cosines to the centroids)
and the cosine between the two halves' centroids. Reads the gold labels, which the
clusterer never does. Standard library only.
"""
import collections
import json
import math
import random
import re
import sys

STOP = set("""a an the and or but if of to in on at by for with from as is was were be been being are
it its this that these those he she they them his her their we you i our your not no so than then
there here which who whom what when where why how all any each more most other some such only own
same too very can will just should would could may might must has have had do does did said says
say also after before over under into out up down about against between through during again
further once""".split())
WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d[\d,.:]*")


def tokens(text):
    words = [w.lower().strip("'.,") for w in WORD.findall(text)]
    words = [w for w in words if w not in STOP and (len(w) > 1 or w.isdigit())]
    return words + [a + "_" + b for a, b in zip(words, words[1:])]


def unit_vectors(docs):
    bags = [collections.Counter(tokens(d["text"])) for d in docs]
    df = collections.Counter(t for bag in bags for t in bag)
    n = len(docs)
    out = []
    for bag in bags:
        v = {t: (1 + math.log(c)) * (math.log((n + 1) / (df[t] + 1)) + 1) for t, c in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({t: x / norm for t, x in v.items()})
    return out


def cos(a, b):
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def centroid(members, vecs):
    c = collections.Counter()
    for m in members:
        c.update(vecs[m])
    norm = math.sqrt(sum(x * x for x in c.values())) or 1.0
    return {t: x / norm for t, x in c.items()}


def two_means(members, vecs, starts=20, seed=1):
    rng = random.Random(seed)
    best = None
    for _ in range(starts):
        cents = [vecs[m] for m in rng.sample(members, 2)]
        for _ in range(30):
            label = {m: max((0, 1), key=lambda k: cos(vecs[m], cents[k])) for m in members}
            groups = [[m for m in members if label[m] == k] for k in (0, 1)]
            cents = [centroid(g, vecs) for g in groups]
        fit = sum(cos(vecs[m], cents[label[m]]) for m in members)
        if best is None or fit > best[0]:
            best = (fit, groups)
    return [g for g in best[1] if g]


def pair_counts(groups, event):
    label = {m: k for k, g in enumerate(groups) for m in g}
    ms = sorted(label)
    tp = pred = true = 0
    for x in range(len(ms)):
        for y in range(x + 1, len(ms)):
            same_pred, same_gold = label[ms[x]] == label[ms[y]], event[ms[x]] == event[ms[y]]
            tp, pred, true = tp + (same_pred and same_gold), pred + same_pred, true + same_gold
    return tp, pred, true


def split_gain(members, vecs):
    whole = centroid(members, vecs)
    groups = two_means(members, vecs, starts=10)
    fit1 = sum(cos(vecs[m], whole) for m in members)
    fit2 = sum(cos(vecs[m], centroid(g, vecs)) for g in groups for m in g)
    halves = cos(*[centroid(g, vecs) for g in groups]) if len(groups) == 2 else 1.0
    return (fit2 - fit1) / len(members), halves


def main():
    docs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    vecs = unit_vectors(docs)
    event = [d["cluster"] for d in docs]
    topics, events = collections.defaultdict(list), collections.defaultdict(list)
    for i, d in enumerate(docs):
        topics[d["topic"]].append(i)
        events[d["cluster"]].append(i)
    totals = [0, 0, 0]
    for members in topics.values():
        totals = [a + b for a, b in zip(totals, pair_counts(two_means(members, vecs), event))]
    print(f"K-means, K = 2 in each topic: pair F1 within topics {2 * totals[0] / (totals[1] + totals[2]):.3f}")
    for name, groups in (("two-event groups (topics)", topics), ("one-event groups", events)):
        stats = [split_gain(m, vecs) for m in groups.values() if len(m) >= 4]
        gains, halves = [s[0] for s in stats], [s[1] for s in stats]
        print(f"{name}: {len(stats)}, split gain per report {min(gains):.3f}-{max(gains):.3f}, "
              f"cosine of the halves' centroids {min(halves):.3f}-{max(halves):.3f}")


if __name__ == "__main__":
    main()
