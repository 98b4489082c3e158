"""labreport.cli - the commands of lab/report.py.

    report.py run RUN_DIR                   report of one run (exit 1 if an expectation fails)
    report.py line RUN_DIR                  one summary line of a reported run
    report.py sweep SWEEP_DIR               sweep.json, sweep.md, sweep.dat, sweep.png (gnuplot)
    report.py fec-sweep DIR                 the redundancy sweep: report.json, fec-sweep.md/.dat/.png
    report.py baseline RUN_DIR FILE         compare a run with a stored baseline (CI)
    report.py save-baseline RUN_DIR FILE    store a run's figures as a baseline

Confidence intervals are Wilson score intervals for a binomial proportion at the run's level
(meta "level", default 0.99). The theory (labreport.theory) takes each path's configured loss
from mpbridge's own effective settings.
"""
import json
import os
import sys

from .analyse import analyse
from .baselines import cmd_baseline, cmd_save_baseline
from .common import read_json
from .render import markdown, summary_line, table_lines
from .fecsweep import cmd_fec_sweep
from .sweep import cmd_sweep


def cmd_run(run):
    rep = analyse(run)
    with open(os.path.join(run, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    with open(os.path.join(run, "report.md"), "w") as f:
        f.write(markdown(rep))
    print("\n".join(table_lines(rep)))
    return 0 if rep["verdict"] == "PASS" else 1


def cmd_line(run):
    rep = read_json(os.path.join(run, "report.json"))
    if not rep:
        print("no report")
        return 1
    print(summary_line(rep))
    return 0


def main(argv):
    cmds = {"run": (1, cmd_run), "line": (1, cmd_line), "sweep": (1, cmd_sweep), "fec-sweep": (1, cmd_fec_sweep),
            "baseline": (2, cmd_baseline), "save-baseline": (2, cmd_save_baseline)}
    if argv and argv[0] in cmds and len(argv) - 1 >= cmds[argv[0]][0]:
        n, fn = cmds[argv[0]]
        return fn(*argv[1:1 + n])
    print(__doc__, file=sys.stderr)
    return 2
