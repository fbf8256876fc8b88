#!/usr/bin/env python3
"""Labels every article-vs-story comparison of one `newsfold cluster` run on ECB+ dev.

    NF_TUNE="explain=1" newsfold cluster IN.jsonl > OUT.jsonl 2> EXPLAIN.jsonl
    python3 scripts/experiments/decisions.py GOLD.jsonl OUT.jsonl EXPLAIN.jsonl > rows.jsonl

Each explain line (one comparison, in run order) gets: `gold` (the article's event),
`story_event` (the majority event of the story's members at that moment), `right` (they
agree), `purity` (the majority's share), `chosen` (the article went to that story) and
`topic` (for cross-validation by topic only; the clusterer never reads it).
Standard library only.
"""
import collections
import json
import sys


def main():
    gold_path, out_path, explain_path = sys.argv[1:4]
    gold = {}
    for line in open(gold_path, encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            gold[str(d["id"])] = (d["cluster"], d["topic"])
    order = [json.loads(l) for l in open(out_path, encoding="utf-8") if l.strip()]
    story_of = {o["id"]: o["story"] for o in order}
    position = {o["id"]: i for i, o in enumerate(order)}
    by_doc = collections.defaultdict(list)
    for line in open(explain_path, encoding="utf-8"):
        if line.startswith("{"):
            e = json.loads(line)
            by_doc[e["doc"]].append(e)
    members = collections.defaultdict(collections.Counter)
    for o in order:
        doc = o["id"]
        g, topic = gold[doc]
        for e in by_doc.get(doc, []):
            m = members[e["story"]]
            if not m:
                continue
            event, count = m.most_common(1)[0]
            e.update(gold=g, topic=topic, story_event=event, right=event == g,
                     purity=count / sum(m.values()), has_event=m[g] > 0,
                     chosen=story_of[doc] == e["story"], pos=position[doc])
            print(json.dumps(e))
        members[o["story"]][g] += 1


if __name__ == "__main__":
    main()
