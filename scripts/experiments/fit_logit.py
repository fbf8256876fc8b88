#!/usr/bin/env python3
"""Fits a logistic story score on labelled comparisons (scripts/experiments/decisions.py).

    python3 scripts/experiments/fit_logit.py 'ROWS_GLOB' b,all,anc,noanc,mis,conf,inv [MIN_ALL]

reads the files ROWS_GLOB matches (decisions.py output, one per input order), keeps comparisons whose word
cosine is at least MIN_ALL (0.1), and fits P(the story's majority event is the article's)
by Newton's method with a small L2 penalty, on all topics, odd topics and even topics.
Signal names: see X(). Standard library only. Result of 2026-12-02: not better than the
hand-set score (see README.md).
"""
import json,sys,math,glob
def load(pattern):
    rows=[]
    for f in sorted(glob.glob(pattern)):
        rows+= [json.loads(l) for l in open(f)]
    return rows
def X(r,names):
    x=r["x"]; a=r["anchors"]
    F={"b":1.0,"all":r["all"],"anc":a if a is not None else 0.0,"noanc":float(a is None),
       "mis":float(r["mismatch"]),"conf":float(r["conflict"]),"inv":1.0/r["reports"],
       "dhit":x["doc_hit"],"shit":x["story_hit"],"dtop3":x["doc_top3"],"stop3":x["story_top3"],
       "dmiss":x["doc_miss"],"smiss":x["story_miss"],
       "und":float(not r["doc_dated"]), "sdat":float(r["story_dated"]),
       "both_und":float(not r["doc_dated"] and not r["story_dated"]),
       "yis":float(r["year_in_span"]),
       "sim":r["sim"],
      }
    return [F[n] for n in names]
def solve(A,b):
    n=len(b); M=[A[i][:]+[b[i]] for i in range(n)]
    for c in range(n):
        p=max(range(c,n),key=lambda r:abs(M[r][c])); M[c],M[p]=M[p],M[c]
        for r in range(n):
            if r!=c:
                f=M[r][c]/M[c][c]
                for k in range(c,n+1): M[r][k]-=f*M[c][k]
    return [M[i][n]/M[i][i] for i in range(n)]
def fit(rows,names,l2=1.0):
    data=[(X(r,names),1.0 if r["right"] else 0.0) for r in rows]
    w=[0.0]*len(names)
    for it in range(30):
        g=[0.0]*len(w); H=[[0.0]*len(w) for _ in w]
        for x,y in data:
            z=sum(a*b for a,b in zip(w,x)); p=1/(1+math.exp(-max(-30,min(30,z))))
            for i in range(len(w)):
                g[i]+=(p-y)*x[i]
                for j in range(len(w)): H[i][j]+=p*(1-p)*x[i]*x[j]
        for i in range(1,len(w)): g[i]+=l2*w[i]; H[i][i]+=l2
        step=solve(H,g); w=[a-b for a,b in zip(w,step)]
        if max(abs(s) for s in step)<1e-6: break
    ll=0
    for x,y in data:
        z=sum(a*b for a,b in zip(w,x)); p=1/(1+math.exp(-max(-30,min(30,z))))
        ll+= -math.log(max(1e-9,p if y else 1-p))
    return w,ll/len(data)
if __name__=="__main__":
    tag=sys.argv[1]; names=sys.argv[2].split(","); lo=float(sys.argv[3]) if len(sys.argv)>3 else 0.1
    rows=[r for r in load(tag) if r["all"]>=lo]
    for part,sel in [("all",lambda r:True),("odd",lambda r:int(r["topic"])%2==1),("even",lambda r:int(r["topic"])%2==0)]:
        rs=[r for r in rows if sel(r)]
        w,ll=fit(rs,names)
        print(part,len(rs),"ll %.4f"%ll," ".join(f"{n}={v:.3f}" for n,v in zip(names,w)))
