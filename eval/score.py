#!/usr/bin/env python3
"""Score a plainsight binary on a held-out set of agents.

    score.py BIN SET_DIR [OUT_JSON]

SET_DIR holds truth.json (list of {"dir", "covert", ...}) and the agent
directories. Each agent is scanned with `BIN scan --format json DIR` (timeout
SCORE_TIMEOUT, default 300 s). Covert found = a PS1xx finding at high or
above (also counted at any severity); a clean agent is flagged when it gets a
PS1xx at any severity (also counted at high+); not analysed = exit other than
0/1 or a unit not analysed completely.
"""
import json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

bin_, root = sys.argv[1], sys.argv[2]
out = sys.argv[3] if len(sys.argv) > 3 else None
timeout = int(os.environ.get("SCORE_TIMEOUT", "300"))
jobs = int(os.environ.get("SCORE_JOBS", "2"))
truth = json.load(open(os.path.join(root, "truth.json")))
if isinstance(truth, dict):
    truth = truth.get("agents", list(truth.values()))
missing = [t["dir"] for t in truth if not os.path.isdir(os.path.join(root, t["dir"]))]
if missing:
    print(f"left out (not in this copy of the set): {len(missing)}: {' '.join(missing)}")
truth = [t for t in truth if t["dir"] not in missing]
rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

def one(t):
    d = os.path.join(root, t["dir"])
    t0 = time.time()
    try:
        p = subprocess.run([bin_, "scan", "--format", "json", "-j", "1", d],
                           capture_output=True, timeout=timeout)
        rc, so = p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        rc, so = "timeout", b""
    secs = time.time() - t0
    ps1 = []
    incomplete = rc not in (0, 1)
    try:
        r = json.loads(so)
        ps1 = [(f["rule"], f["severity"]) for f in r["findings"] if f["rule"].startswith("PS1")]
        if any(u.get("status") != "analysed" for u in r.get("units", [])):
            incomplete = True
    except Exception:
        incomplete = True
    best = max((rank[s] for _, s in ps1), default=-1)
    return {"dir": t["dir"], "covert": bool(t["covert"]), "rc": rc, "secs": round(secs, 2),
            "ps1": ps1, "high": best >= 3, "any": best >= 0, "incomplete": incomplete}

with ThreadPoolExecutor(jobs) as ex:
    res = list(ex.map(one, truth))
cov = [r for r in res if r["covert"]]
cln = [r for r in res if not r["covert"]]
print(f"covert found at high+: {sum(r['high'] for r in cov)}/{len(cov)} "
      f"(any severity {sum(r['any'] for r in cov)})")
print(f"clean flagged any severity: {sum(r['any'] for r in cln)}/{len(cln)} "
      f"(high+ {sum(r['high'] for r in cln)})")
print(f"not analysed completely: {sum(r['incomplete'] for r in res)}")
for r in res:
    mark = ("HIT " if r["high"] else "any " if r["any"] else "miss") if r["covert"] else ("FP  " if r["any"] else "ok  ")
    print(f"  {mark} {r['dir']:40} {r['secs']:7.2f}s rc={r['rc']} {' '.join(f'{a}:{b}' for a, b in r['ps1'])}{' INCOMPLETE' if r['incomplete'] else ''}")
if out:
    json.dump(res, open(out, "w"), indent=1)
