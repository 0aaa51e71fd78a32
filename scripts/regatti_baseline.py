#!/usr/bin/python3
"""Writes the C6 baseline of a Regatti 2019 experiment from an *independent* run's checks.json.

    build/cli/sgdcheck run experiments/regatti2019_e2_cvx_delay.yaml --quick --seed 7 --out /tmp/base
    /usr/bin/python3 scripts/regatti_baseline.py /tmp/base/regatti2019_e2_cvx_delay/checks.json \
        experiments/baselines/regatti2019_e2_cvx_delay_quick.json

The regatti2019.baseline check records rho = bound/measured at the last point of every regatti.*
series in checks.json (values named "rho <cell> | <bound id>") whether or not a baseline exists; this
script copies them into the baseline file. Use a seed other than the experiment's, so the stored
baseline is not the run it is compared with.
"""
import json
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        checks = json.load(f)["checks"]
    rho = {}
    for c in checks:
        if c.get("check") != "regatti2019.baseline":
            continue
        for name, value in c.get("values", {}).items():
            if name.startswith("rho ") and isinstance(value, (int, float)):
                rho[name[len("rho "):]] = value
    if not rho:
        print("no regatti2019.baseline values in " + argv[1], file=sys.stderr)
        return 1
    out = {"generated_from": argv[1].split("/")[-2] if "/" in argv[1] else argv[1],
           "note": "C6 baseline: rho = bound/measured at the last point, from an independent run (other seed)",
           "rho": dict(sorted(rho.items()))}
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(rho)} series written to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
