"""Tests of the Python module `sgdcheck` (python/): constants against NumPy's own linear algebra,
dense vs sparse input, runs against the `sgdcheck` command on the same file, errors as ConfigError.

Run by ctest ("python: module") with PYTHONPATH=<build>/python and SGDCHECK_BIN=<build>/cli/sgdcheck.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import sgdcheck

SGDCHECK_BIN = os.environ.get("SGDCHECK_BIN", "sgdcheck")


def lsq_data(n=60, d=5, seed=3, noise=0.3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.linspace(0.5, 2.0, d)
    y = X @ rng.standard_normal(d) + noise * rng.standard_normal(n)
    return X, y


def numpy_constants(X, y):
    """Least squares f = (1/2n) sum (a_i'x - y_i)^2: the constants by NumPy only (independent of the C++)."""
    n = X.shape[0]
    A = X.T @ X / n
    norms2 = (X * X).sum(axis=1)
    B = (X * norms2[:, None]).T @ X / n
    evals, V = np.linalg.eigh(A)
    x_star = np.linalg.solve(A, X.T @ y / n)
    grads = X * (X @ x_star - y)[:, None]
    Ainv = V @ np.diag(1 / evals) @ V.T
    Aihalf = V @ np.diag(evals ** -0.5) @ V.T
    L = evals.max()
    return {
        "L": L,
        "mu": evals.min(),
        "L_max": norms2.max(),
        "sigma2": (grads * grads).sum(axis=1).mean(),
        "M_grad": np.linalg.eigvalsh(Ainv @ B @ Ainv).max() - 1,
        "M_curv": np.linalg.eigvalsh(Aihalf @ B @ Aihalf).max() / L - 1,
    }


def test_critical_of_a_dense_array_matches_numpy_linear_algebra():
    X, y = lsq_data()
    got = sgdcheck.critical(X, y)
    want = numpy_constants(X, y)
    assert got["n"] == 60 and got["d"] == 5
    assert got["M_exact"] is True
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=1e-9), k


def test_critical_of_a_scipy_csr_matrix_equals_the_dense_result():
    X, y = lsq_data(n=80, d=6, seed=5)
    X[np.abs(X) < 0.4] = 0.0  # some structure
    X[:, 0] += 1.0             # no all-zero row
    dense = sgdcheck.critical(X, y)
    sparse = sgdcheck.critical(sp.csr_matrix(X), y)
    for k in ("L", "mu", "L_max", "sigma2", "M_grad", "M_curv", "Delta"):
        assert sparse[k] == pytest.approx(dense[k], rel=1e-9), k
    # CSC and COO input are converted, not rejected
    assert sgdcheck.critical(sp.csc_matrix(X), y)["L"] == pytest.approx(dense["L"], rel=1e-12)


def test_critical_of_logistic_data_equals_the_command_on_the_same_data_file(tmp_path):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((50, 4))
    y = np.where(X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.5 * rng.standard_normal(50) > 0, 1.0, -1.0)
    path = tmp_path / "data.libsvm"
    with open(path, "w") as f:
        for yi, row in zip(y, X):
            f.write(f"{int(yi)} " + " ".join(f"{j + 1}:{v!r}" for j, v in enumerate(row)) + "\n")
    cli = json.loads(subprocess.run([SGDCHECK_BIN, "critical", "--data", str(path), "--objective", "logistic",
                                     "--lambda", "0.01", "--json"], check=True, capture_output=True, text=True).stdout)
    py = sgdcheck.critical(X, y, objective="logistic", lam=0.01)
    for k in ("L", "L_max", "mu", "sigma2", "M_grad", "M_curv"):
        assert py[k] == pytest.approx(cli[k], rel=1e-12), k


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([1.0, 2.0]), "X holds"),
        (np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, np.inf]), "y holds"),
        (np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 2.0, 3.0]), "one label per row"),
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), "2-D array"),
        (np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([1.0, 2.0]), "all zero"),
        (np.array([[1e60, 2.0], [0.0, 1.0]]), np.array([1.0, 2.0]), "1e50"),
    ],
)
def test_critical_rejects_bad_arrays_with_a_config_error(X, y, message):
    with pytest.raises(sgdcheck.ConfigError, match=message):
        sgdcheck.critical(X, y)
    assert issubclass(sgdcheck.ConfigError, ValueError)


def small_experiment(name):
    return {
        "name": name,
        "seeds": 16,
        "seed": 7,
        "problem": {"family": "least_squares", "n": 40, "d": 4, "noise": 0.1},
        "runner": {"kind": "minibatch_sgd", "iterations": 50, "step": {"rule": "constant", "gamma": 0.05}},
        "sweep": {"batch": [1, 4]},
        "bounds": ["oracle.minibatch_lsq.dist2"],
        "checks": [{"matches_exact": {"oracle": "oracle.minibatch_lsq.dist2", "k": 5}}],
        "plots": [{"name": "dist2", "x": "iter", "y": "dist2", "scale": "loglog"}],
    }


def test_run_of_a_dict_gives_the_tables_of_the_command_on_the_same_file(tmp_path):
    exp = small_experiment("py_small")
    res = sgdcheck.run(exp, out=tmp_path / "py", jobs=2, formats=["svg"])
    assert res.exit_code == 0 and res.passed
    path = tmp_path / "py_small.yaml"
    path.write_text(json.dumps(exp))
    subprocess.run([SGDCHECK_BIN, "run", str(path), "--out", str(tmp_path / "cli"), "--no-plots"],
                   check=True, capture_output=True)
    cli = sgdcheck.load(tmp_path / "cli" / "py_small")
    for table in ("summary", "bounds", "constants", "cells"):
        pd.testing.assert_frame_equal(getattr(res, table), getattr(cli, table), check_exact=True)
    assert set(res.summary["cell"]) == {0, 1}
    assert list(res.checks["status"]) == ["pass"]
    assert [p.suffix for p in res.figures] == [".svg"]
    assert res.tuned is None  # not written by this experiment
    assert "py_small" in repr(res)


def test_run_of_a_file_with_quick_and_force_replaces_earlier_results(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(json.dumps(small_experiment("py_force")))
    sgdcheck.run(path, out=tmp_path, plots=False)
    with pytest.raises(sgdcheck.ConfigError, match="force"):
        sgdcheck.run(path, out=tmp_path, plots=False)
    assert sgdcheck.run(path, out=tmp_path, plots=False, force=True).exit_code == 0


def test_a_failing_check_does_not_raise_but_shows_in_the_results(tmp_path):
    exp = small_experiment("py_fail")
    # An exact oracle cannot hold at k = 0 standard errors for a Monte Carlo mean with noise.
    exp["checks"] = [{"matches_exact": {"oracle": "oracle.minibatch_lsq.dist2", "k": 0.0001}}]
    res = sgdcheck.run(exp, out=tmp_path, plots=False)
    assert res.exit_code == 1
    assert not res.passed
    assert list(res.checks["status"]) == ["fail"]


def test_bad_experiments_raise_a_config_error_naming_the_line(tmp_path):
    exp = small_experiment("py_bad")
    exp["runner"]["iterations"] = -5
    with pytest.raises(sgdcheck.ConfigError, match=r"py_bad\.yaml:\d+: .*iterations"):
        sgdcheck.run(exp, out=tmp_path)
    assert not (tmp_path / "py_bad").exists()
    with pytest.raises(sgdcheck.ConfigError, match="no such experiment file"):
        sgdcheck.run(tmp_path / "missing.yaml", out=tmp_path)
    with pytest.raises(sgdcheck.ConfigError, match="jobs"):
        sgdcheck.run(small_experiment("py_jobs"), out=tmp_path, jobs=0)


def test_load_refuses_a_folder_that_is_not_a_complete_result(tmp_path):
    with pytest.raises(sgdcheck.ConfigError, match="manifest.json"):
        sgdcheck.load(tmp_path)


def test_bound_lists_and_errors():
    table = sgdcheck.bounds()
    assert list(table.columns)[:3] == ["id", "paper", "label"]
    with pytest.raises(sgdcheck.ConfigError, match="unknown bound"):
        sgdcheck.bound("no.such.bound", L=1)


def test_a_hostile_name_in_a_dict_writes_nothing_outside_the_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    exp = small_experiment("../../escaped")
    with pytest.raises(sgdcheck.ConfigError, match="name"):
        sgdcheck.run(exp, out=tmp_path / "out", plots=False)
    assert not (tmp_path / "escaped.yaml").exists()
    assert not any(tmp_path.rglob("escaped*"))
