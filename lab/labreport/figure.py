"""labreport.figure - what the sweeps share: the markdown report around their table, and the
gnuplot PNG (pngcairo where gnuplot has it, plain png otherwise; no gnuplot, no PNG)."""
import os
import shutil
import subprocess
import sys


def markdown(d, name, title, intro, head, align, lines, after):
    """Write d/NAME.md (# TITLE, INTRO, the table: HEAD's columns aligned by ALIGN's "l"/"r",
    LINES its rows as lists of cells, AFTER the text below it, then the plot) and print the
    table."""
    table = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"]
    table += ["| " + " | ".join(str(c) for c in row) + " |" for row in lines]
    doc = [f"# {title}", "", intro, ""] + table + ["", after, "", f"![{name}]({name}.png)", ""]
    with open(os.path.join(d, f"{name}.md"), "w") as f:
        f.write("\n".join(doc))
    print("\n".join(table))


def has_cairo():
    try:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True, timeout=10)
        return "pngcairo" in (r.stdout + r.stderr)
    except (OSError, subprocess.SubprocessError):
        return False


def png(d, name, settings, plots):
    """d/NAME.png from gnuplot (script kept as NAME.gp): SETTINGS lines, then PLOTS as one
    plot command. True when drawn or gnuplot is not installed (said on stderr), False when
    gnuplot failed."""
    if not shutil.which("gnuplot"):
        print(f"gnuplot not installed: no {name}.png", file=sys.stderr)
        return True
    gp = "\n".join([
        "set terminal pngcairo size 1200,700 font ',11' noenhanced" if has_cairo()
        else "set terminal png size 1200,700 noenhanced",
        f"set output '{name}.png'",
    ] + settings + ["plot " + ", \\\n     ".join(plots)]) + "\n"
    with open(os.path.join(d, f"{name}.gp"), "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", f"{name}.gp"], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        print("gnuplot failed: " + r.stderr, file=sys.stderr)
        return False
    print(f"plot: {os.path.join(d, name + '.png')}")
    return True
