"""sgdcheck from Python: run experiments and get their tables as pandas DataFrames, compute the
constants of a data set (L, mu, sigma2, the critical parameter M) from NumPy or SciPy arrays, and
evaluate closed-form bounds at chosen parameters.

    import sgdcheck
    res = sgdcheck.run("experiments/quickstart.yaml", quick=True, jobs=2, force=True)
    res.checks[["check", "status"]]
    sgdcheck.critical(X, y, objective="logistic", lam=1e-3)["M_grad"]
    sgdcheck.bound("delayed_sgd.strongly_convex.dist2", L=1, mu=0.1, ..., t=[0, 10, 100])

Every function calls the same C++ code as the `sgdcheck` command; bad input raises
sgdcheck.ConfigError (a ValueError) with the command's one-line message. See docs/python.md.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
from typing import Any, Iterable, Mapping

from . import _sgdcheck

ConfigError = _sgdcheck.ConfigError
__version__ = _sgdcheck.version()

__all__ = ["run", "load", "critical", "bound", "bounds", "Results", "ConfigError", "__version__"]

# The tables of a results folder and the file each comes from (docs/results-format.md).
_TABLES = {
    "summary": "summary.csv",
    "bounds": "bounds.csv",
    "constants": "constants.csv",
    "cells": "cells.csv",
    "runs": "runs.csv",
    "run_scalars": "run_scalars.csv",
    "scalar_summary": "scalar_summary.csv",
    "tuned": "tuned.csv",
    "results": "results.csv",
}


class Results:
    """One results folder (OUT/<experiment name>/) with its tables as pandas DataFrames.

    Attributes: ``dir`` (pathlib.Path), ``name``, ``manifest`` (dict), ``checks`` (DataFrame: one row
    per check with its status pass / fail / report / skipped), ``checks_summary`` (dict),
    ``figures`` (list of paths), ``exit_code`` (of the run that made it: 0 ok, 1 a check failed,
    3 figures missing; None when loaded), and one DataFrame per table, read when first used:
    ``summary``, ``bounds``, ``constants``, ``cells``, ``runs``, ``run_scalars``, ``scalar_summary``,
    ``tuned`` and ``results`` (None when the run did not write that table).
    """

    def __init__(self, directory: str | os.PathLike, exit_code: int | None = None):
        self.dir = pathlib.Path(directory)
        manifest = self.dir / "manifest.json"
        if not manifest.is_file():
            raise ConfigError(f"{self.dir}: not a complete results folder (no manifest.json)")
        with open(manifest, encoding="utf-8") as f:
            self.manifest = json.load(f)
        self.name = self.dir.name
        self.exit_code = exit_code
        self._tables: dict[str, Any] = {}
        checks_file = self.dir / "checks.json"
        if checks_file.is_file():
            with open(checks_file, encoding="utf-8") as f:
                checks = json.load(f)
        else:
            checks = {}
        self.checks_summary = checks.get("summary", {})
        self._checks_rows = checks.get("checks", [])
        plots = self.dir / "plots"
        self.figures = sorted(p for p in plots.glob("*") if p.suffix in (".png", ".svg", ".pdf")) if plots.is_dir() else []

    def table(self, name: str):
        """The DataFrame of table ``name`` (a key of the tables above), or None if it was not written."""
        if name not in _TABLES:
            raise KeyError(f"unknown table {name!r}; the tables are {', '.join(_TABLES)}")
        if name not in self._tables:
            import pandas as pd

            path = self.dir / _TABLES[name]
            self._tables[name] = pd.read_csv(path) if path.is_file() else None
        return self._tables[name]

    def __getattr__(self, name: str):
        if name in _TABLES:
            return self.table(name)
        raise AttributeError(name)

    @property
    def checks(self):
        import pandas as pd

        return pd.DataFrame(self._checks_rows)

    @property
    def passed(self) -> bool:
        """True when no check failed (report-only and skipped checks do not fail)."""
        return all(c.get("status") != "fail" for c in self._checks_rows)

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for c in self._checks_rows:
            counts[c.get("status", "?")] = counts.get(c.get("status", "?"), 0) + 1
        verdicts = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no checks"
        return f"<sgdcheck.Results {self.name} at {self.dir}: {verdicts}; {len(self.figures)} figure file(s)>"


def load(directory: str | os.PathLike) -> Results:
    """The results folder written by `sgdcheck run` (or run()), e.g. load("results/quickstart")."""
    return Results(directory)


def run(experiment: str | os.PathLike | Mapping[str, Any], *, quick: bool = False, jobs: int = 1,
        out: str | os.PathLike = "results", seed: int | None = None, plots: bool = True,
        formats: Iterable[str] = ("png", "svg"), force: bool = False, traces: bool = False) -> Results:
    """Runs one experiment like `sgdcheck run` and returns its Results.

    ``experiment`` is the path of an experiment YAML file or a dict with the same keys (written to a
    temporary file first; messages name it). Options mirror the command: ``quick`` (the file's
    ``quick:`` form), ``jobs`` (threads; results are identical for any value), ``out`` (results go to
    OUT/<name>/), ``seed``, ``plots`` (False = --no-plots), ``formats``, ``force`` (replace results
    already at OUT/<name>/; without it that is a ConfigError), ``traces``.
    A failed check does not raise: see ``Results.exit_code`` / ``Results.passed`` / ``Results.checks``.
    """
    if isinstance(experiment, Mapping):
        with tempfile.TemporaryDirectory(prefix="sgdcheck-") as tmp:
            # The file name only makes messages readable: keep the name's safe characters, so a hostile
            # name ("../x", "/etc/y") cannot place the file outside the temporary folder.
            stem = "".join(c for c in str(experiment.get("name", "")) if c.isalnum() or c in "_-").strip() or "experiment"
            path = pathlib.Path(tmp) / f"{stem[:100]}.yaml"
            # JSON is YAML: one key per line, so messages still name a useful line.
            path.write_text(json.dumps(experiment, indent=2) + "\n", encoding="utf-8")
            return _run_file(str(path), quick, jobs, out, seed, plots, formats, force, traces)
    return _run_file(os.fspath(experiment), quick, jobs, out, seed, plots, formats, force, traces)


def _run_file(path, quick, jobs, out, seed, plots, formats, force, traces) -> Results:
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such experiment file")
    name = _sgdcheck.experiment_name(path, bool(quick))
    rc = _sgdcheck.run_files([path], bool(quick), int(jobs), os.fspath(out), seed, not plots, bool(force),
                             bool(traces), list(formats))
    return Results(pathlib.Path(out) / name, exit_code=rc)


def critical(X, y, objective: str = "least_squares", lam: float | None = None, *, standardize: bool = False,
             intercept: bool = False, seed: int = 0) -> dict:
    """The constants of the data (X, y) as `sgdcheck critical --json` reports them: L, L_max, mu,
    sigma2, M_grad, M_curv (with M_exact and M_method saying how they were found), Delta, the noise
    scale, critical batch and delay, guideline steps, warnings and notes.

    ``X``: a 2-D NumPy array (n x d) or a SciPy sparse matrix (converted to CSR); ``y``: n labels
    (real values for least squares, +-1 or 0/1 for logistic). ``objective``: "least_squares" or
    "logistic" (with L2 weight ``lam``, default 1e-3).
    """
    import numpy as np

    yv = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(-1))
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - SciPy is optional for dense input
        sp = None
    if sp is not None and sp.issparse(X):
        Xc = sp.csr_matrix(X, dtype=np.float64)
        Xc.sum_duplicates()
        text = _sgdcheck.critical_csr(Xc, yv, objective, lam, standardize, intercept, seed)
    else:
        Xd = np.asarray(X, dtype=np.float64)
        if Xd.ndim != 2:
            raise ConfigError(f"X has {Xd.ndim} dimension(s): expected a 2-D array (n samples x d features)")
        text = _sgdcheck.critical_dense(np.ascontiguousarray(Xd), yv, objective, lam, standardize, intercept, seed)
    return json.loads(text)


def bound(id: str, *, at: Iterable[float] | None = None, **params: float) -> dict:
    """Evaluates the closed-form bound ``id`` like `sgdcheck bound ID --set name=value --at ...`.

    ``params`` are the bound's parameters by their names (see ``bounds()``); the bound's axis variable
    (t, T, K, …) may be given as a list through its name or ``at``. Returns a dict with the bound's
    metadata (label, guarantee, reference, params) and ``table``: a DataFrame with one row per point
    (the parameters, ``value`` and any further outputs, ``hypotheses_hold``, ``reason``, ``vacuous``).
    Unknown or missing parameters raise ConfigError naming them.
    """
    scalars: dict[str, float] = {}
    points = list(at) if at is not None else []
    info = next((f for f in _sgdcheck.formulas() if f["id"] == id), None)
    for k, v in params.items():
        if info is not None and k == info["axis"] and not isinstance(v, (int, float)):
            points = list(v)
        else:
            scalars[k] = float(v)
    result = _sgdcheck.bound(id, scalars, [float(p) for p in points])
    import pandas as pd

    result["table"] = pd.DataFrame(result.pop("points"))
    return result


def bounds():
    """Every bound evaluable by bound(): a DataFrame with id, paper, label, guarantee, metric, axis,
    reference and the parameter names."""
    import pandas as pd

    rows = []
    for f in _sgdcheck.formulas():
        row = {k: f[k] for k in ("id", "paper", "label", "guarantee", "metric", "axis", "reference", "title")}
        row["params"] = [p["name"] for p in f["params"]]
        rows.append(row)
    return pd.DataFrame(rows, columns=["id", "paper", "label", "guarantee", "metric", "axis", "reference", "title", "params"])
