#!/usr/bin/env python3
"""lab/report.py - turn a lab run folder into report.json, report.md and a terminal table.
The code is the package lab/labreport/ (readers, theory, analyse, verdicts, render, baselines,
sweep); `report.py --help` lists the commands."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labreport.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
