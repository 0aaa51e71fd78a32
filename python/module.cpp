// _sgdcheck: the C++ side of the Python module `sgdcheck` (python/sgdcheck/__init__.py wraps it).
// Every entry point calls the code the CLI calls; bad input raises sgdcheck.ConfigError (a ValueError)
// with the same one-line message the CLI prints.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <csignal>
#include <cmath>
#include <memory>
#include <sstream>

#include "bounds/formula.hpp"
#include "cli/bound_command.hpp"
#include "cli/commands.hpp"
#include "cli/critical_command.hpp"
#include "config/experiment.hpp"
#include "core/errors.hpp"
#include "core/interrupt.hpp"
#include "papers/registry.hpp"
#include "problems/dataset.hpp"

namespace py = pybind11;
using namespace sgdcheck;

namespace {

/// SIGINT / SIGTERM stop a run between runs, as on the command line; Python's own handlers are put
/// back afterwards, and an interrupted run raises KeyboardInterrupt.
class CppInterruptHandlers {
 public:
  CppInterruptHandlers() {
    sigaction(SIGINT, nullptr, &old_int_);
    sigaction(SIGTERM, nullptr, &old_term_);
    reset_interrupt();
    install_interrupt_handlers();
  }
  ~CppInterruptHandlers() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  CppInterruptHandlers(const CppInterruptHandlers&) = delete;
  CppInterruptHandlers& operator=(const CppInterruptHandlers&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

int run_files(const std::vector<std::string>& files, bool quick, int jobs, const std::string& out,
              std::optional<std::uint64_t> seed, bool no_plots, bool force, bool traces,
              const std::vector<std::string>& formats) {
  cli::RunArgs a;
  a.files = files;
  a.quick = quick;
  a.jobs = jobs;
  a.out = out;
  a.seed = seed;
  a.no_plots = no_plots;
  a.force = force;
  a.traces = traces;
  a.formats = formats;
  if (jobs < 1 || jobs > 1024) throw ConfigError("jobs = " + std::to_string(jobs) + ": expected 1..1024");
  int rc = 0;
  {
    py::gil_scoped_release release;
    CppInterruptHandlers handlers;
    try {
      rc = cli::cmd_run(a);
    } catch (const Interrupted&) {
      rc = cli::kExitSignalBase + interrupt_signal();
    }
  }
  if (rc > cli::kExitSignalBase) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  return rc;
}

/// The data must be what a data file may contain: finite, |value| <= kMaxAbsDataValue, n labels.
void check_values(const double* v, Eigen::Index count, const char* what) {
  for (Eigen::Index i = 0; i < count; ++i)
    if (!std::isfinite(v[i]) || std::abs(v[i]) > problems::kMaxAbsDataValue)
      throw DataError(std::string(what) + " holds " + std::to_string(v[i]) + " at position " + std::to_string(i) +
                      ": expected finite values with magnitude <= 1e50");
}

std::string critical_of(std::shared_ptr<problems::Dataset> data, const std::string& objective,
                        std::optional<double> lam, bool standardize, bool intercept, std::uint64_t seed) {
  if (data->y.size() != data->rows())
    throw DataError("y has " + std::to_string(data->y.size()) + " entries but X has " + std::to_string(data->rows()) +
                    " rows: expected one label per row");
  check_values(data->y.data(), data->y.size(), "y");
  data->source = "<array " + std::to_string(data->rows()) + "x" + std::to_string(data->cols()) + ">";
  problems::check_finite_sum_data(*data);
  cli::CriticalArgs a;
  a.dataset = std::move(data);
  a.objective = objective;
  a.lambda = lam;
  a.standardize = standardize;
  a.intercept = intercept;
  a.seed = seed;
  a.json = true;
  std::ostringstream out;
  a.out = &out;
  {
    py::gil_scoped_release release;
    cli::cmd_critical(a);
  }
  return out.str();
}

py::dict formula_info(const bounds::Formula& f) {
  py::dict d;
  d["id"] = f.info.id;
  d["title"] = f.info.title;
  d["paper"] = f.paper;
  d["label"] = bounds::to_string(f.info.label);
  d["guarantee"] = bounds::to_string(f.info.guarantee);
  d["metric"] = f.info.metric;
  d["reference"] = f.info.reference;
  d["axis"] = f.axis;
  py::list params;
  for (const auto& p : f.params) {
    py::dict q;
    q["name"] = p.name;
    q["meaning"] = p.meaning;
    q["default"] = p.default_value ? py::cast(*p.default_value) : py::none();
    q["integer"] = p.integer;
    q["min"] = p.min;
    q["max"] = p.max;
    params.append(q);
  }
  d["params"] = params;
  return d;
}


/// Evaluates formula `id` at `params` (and at every value of its axis in `at`, if given).
py::dict evaluate_formula(const std::string& id, const std::map<std::string, double>& params,
                          const std::vector<double>& at) {
  const bounds::Formula& f = cli::find_formula(id);
  const std::vector<bounds::FormulaArgs> points = cli::formula_points(f, params, at);
  py::dict d = formula_info(f);
  py::list rows;
  for (const auto& p : points) {
    py::dict row;
    for (const auto& [k, v] : p.values()) row[py::str(k)] = v;
    const auto violated = f.hypotheses ? f.hypotheses(p) : std::nullopt;
    row["hypotheses_hold"] = !violated.has_value();
    row["reason"] = violated ? py::cast(*violated) : py::none();
    if (!violated) {
      const bounds::FormulaResult r = f.evaluate(p);
      for (const auto& o : r.outputs) row[py::str(o.name)] = o.value;
      row["value"] = r.outputs.empty() ? py::none() : py::cast(r.outputs.front().value);
      row["vacuous"] = r.vacuous ? py::cast(*r.vacuous) : py::none();
    } else {
      row["value"] = py::none();
      row["vacuous"] = py::none();
    }
    rows.append(row);
  }
  d["points"] = rows;
  return d;
}

}  // namespace

PYBIND11_MODULE(_sgdcheck, m) {
  m.doc() = "C++ core of the sgdcheck Python module (use the package `sgdcheck`, not this module).";
  static py::exception<ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ConfigError& e) {
      config_error(e.what());
    }
  });
  m.def("version", &cli::version_string);
  m.def("run_files", &run_files, py::arg("files"), py::arg("quick"), py::arg("jobs"), py::arg("out"),
        py::arg("seed"), py::arg("no_plots"), py::arg("force"), py::arg("traces"), py::arg("formats"),
        "Runs experiment files exactly like `sgdcheck run`; returns the exit code (0 ok, 1 a check failed, "
        "3 figures missing). Bad input raises ConfigError.");
  m.def(
      "critical_dense",
      [](const Eigen::Ref<const sgdcheck::RowMat>& X, const Eigen::Ref<const sgdcheck::Vec>& y,
         const std::string& objective, std::optional<double> lam, bool standardize, bool intercept,
         std::uint64_t seed) {
        check_values(X.data(), X.size(), "X");
        auto data = std::make_shared<problems::Dataset>();
        data->dense = X;
        data->y = y;
        return critical_of(std::move(data), objective, lam, standardize, intercept, seed);
      },
      py::arg("X"), py::arg("y"), py::arg("objective"), py::arg("lam"), py::arg("standardize"),
      py::arg("intercept"), py::arg("seed"));
  m.def(
      "critical_csr",
      [](const sgdcheck::SpMat& X, const Eigen::Ref<const sgdcheck::Vec>& y, const std::string& objective,
         std::optional<double> lam, bool standardize, bool intercept, std::uint64_t seed) {
        check_values(X.valuePtr(), X.nonZeros(), "X");
        auto data = std::make_shared<problems::Dataset>();
        data->sparse = X;
        data->sparse.makeCompressed();
        data->is_sparse = true;
        data->y = y;
        return critical_of(std::move(data), objective, lam, standardize, intercept, seed);
      },
      py::arg("X"), py::arg("y"), py::arg("objective"), py::arg("lam"), py::arg("standardize"),
      py::arg("intercept"), py::arg("seed"));
  m.def(
      "experiment_name",
      [](const std::string& path, bool quick) { return config::read_experiment(path, quick).name; },
      py::arg("path"), py::arg("quick"), "The `name` of an experiment file (its results go to OUT/<name>/).");
  m.def("formulas", [] {
    py::list l;
    for (const auto& f : papers::registry().formulas()) l.append(formula_info(f));
    return l;
  });
  m.def("bound", &evaluate_formula, py::arg("id"), py::arg("params"), py::arg("at"));
}
