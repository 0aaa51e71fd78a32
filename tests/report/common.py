"""Shared helpers of the Python-driven output-format tests (run by ctest with /usr/bin/python3)."""
import os
import subprocess
import sys
import tempfile

QUICKSTART_BODY = """
problem:
  family: least_squares
  n: 200
  d: 10
  spectrum: {kind: geometric, cond: 10}
  noise: 0.1
runner:
  kind: minibatch_sgd
  iterations: 3000
  step: {rule: critical, scale: SCALE, m: grad}
sweep:
  batch: [1, 8, 64]
bounds: [oracle.minibatch_lsq.dist2, sgd.strongly_convex.dist2]
"""


def experiment(name, seeds, scale, checks, plots=""):
    """The quickstart problem (least squares, mini-batch SGD at b = 1, 8, 64) with the given checks."""
    text = f"name: {name}\nseed: 1\nseeds: {seeds}\n" + QUICKSTART_BODY.replace("SCALE", str(scale))
    text += "checks:\n" + "".join(f"  - {c}\n" for c in checks)
    if plots:
        text += "plots:\n" + "".join(f"  - {p}\n" for p in plots)
    return text


def run(cmd, timeout=300):
    """Runs a command, returns (exit code, stdout, stderr); a hang fails the test instead of blocking."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def tempdir():
    return tempfile.TemporaryDirectory(prefix="sgdcheck-report-test-")
