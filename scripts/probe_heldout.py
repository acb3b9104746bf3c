#!/usr/bin/env python3
"""Score `plainsight probe` on a held-out set of runnable agents.

Reads only the manifest fields id, label, run and base_url_env (never the
agents' source), runs `plainsight probe --format json --base-url-env VAR --
<run...>` from the manifest's directory for each agent, and reports recall
(covert agents with a PS601-PS605 imperceptible-variation finding) and false
positives (clean agents with one).

usage: scripts/probe_heldout.py MANIFEST [PLAINSIGHT] [--budget SECS] [--only ID,ID]
"""
import json
import os
import subprocess
import sys
import time

VARIATION = {"PS601", "PS602", "PS603", "PS604", "PS605"}


def main():
    args = sys.argv[1:]
    budget = "30"
    only = None
    if "--budget" in args:
        i = args.index("--budget")
        budget = args[i + 1]
        del args[i : i + 2]
    if "--only" in args:
        i = args.index("--only")
        only = set(args[i + 1].split(","))
        del args[i : i + 2]
    manifest = os.path.abspath(args[0])
    exe = os.path.abspath(args[1]) if len(args) > 1 else "plainsight"
    root = os.path.dirname(manifest)
    agents = json.load(open(manifest))
    rows = []
    for a in agents:
        aid, label, run, var = a["id"], a["label"], a["run"], a["base_url_env"]
        if only and aid not in only:
            continue
        cmd = [exe, "probe", "--format", "json", "--fail-on", "critical", "--budget", budget,
               "--base-url-env", var, "--"] + run
        t = time.time()
        p = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        dt = time.time() - t
        codes, err = [], ""
        if p.returncode in (0, 1):
            rep = json.loads(p.stdout)
            codes = sorted({f["rule"] for f in rep["findings"]})
        else:
            err = p.stderr.strip().splitlines()[0][:160] if p.stderr.strip() else f"exit {p.returncode}"
        flagged = bool(VARIATION & set(codes))
        rows.append((aid, label, flagged, codes, err, dt))
        print(f"{aid} {label:6} {'FLAG' if flagged else '----'} {dt:5.1f}s {','.join(codes)} {err}", flush=True)
    covert = [r for r in rows if r[1] == "covert"]
    clean = [r for r in rows if r[1] == "clean"]
    tp = sum(r[2] for r in covert)
    fp = sum(r[2] for r in clean)
    errors = sum(1 for r in rows if r[4])
    print(f"\nrecall {tp}/{len(covert)} covert flagged; false positives {fp}/{len(clean)} clean flagged; {errors} error(s)")
    print(f"wall {sum(r[5] for r in rows):.0f}s over {len(rows)} agents")


if __name__ == "__main__":
    main()
