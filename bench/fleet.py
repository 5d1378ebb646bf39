"""`make bench-fleet`: 10 registries x 3 new regions, `sync --file` against a shell loop of
single-registry `sync` calls (what teams do today), in one run, A/B alternating, 3 s operations.

Usage: python -m bench.fleet [--rounds N]. Writes bench/fleet_results.json and its table in docs/benchmark.md.
"""
import argparse
import json
import os
import statistics
import tempfile

from bench.measure import timed
from bench.run import update_doc
from emulator.harness import running_emulator
from tests.azcli import ROOT, fresh_az, make_template

RESULTS = os.path.join(ROOT, "bench", "fleet_results.json")
REGISTRIES = ["fleetreg{:02d}".format(i) for i in range(10)]
REGIONS = ["eastus", "japaneast", "westeurope"]
OPERATION_SECONDS = 3


def prepare(emu, az):
    emu.reset()
    for name in REGISTRIES:
        emu.emulator.state.add_registry("fleet-rg", name, "Premium", "westus")
    for name in REGISTRIES:  # the groups are remembered, as after any earlier run
        az("acr replication list -r {} -o none".format(name))
    emu.knobs(operation_seconds=OPERATION_SECONDS)


def fleet_file(workdir):
    path = os.path.join(workdir, "fleet.yaml")
    with open(path, "w") as handle:
        handle.write("registries:\n" + "".join(
            "  - name: {}\n    locations: [{}]\n".format(name, ", ".join(REGIONS)) for name in REGISTRIES))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="acr-bench-fleet-")
    guard_log = os.path.join(workdir, "guard.log")
    samples = {"file": [], "loop": []}
    writes = {}
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        template = make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=True)
        path = fleet_file(workdir)
        for index in range(args.rounds):
            order = ("file", "loop") if index % 2 == 0 else ("loop", "file")
            for kind in order:
                az = fresh_az(emu, template, os.path.join(workdir, "{}-{}".format(kind, index)), guard_log)
                prepare(emu, az)
                emu.emulator.clear_log()
                if kind == "file":
                    samples[kind].append(timed(lambda: az("acr replication sync --file {} -o none".format(path))))
                else:
                    samples[kind].append(timed(lambda: [az("acr replication sync -r {} -l {} -o none".format(
                        name, " ".join(REGIONS))) for name in REGISTRIES]))
                writes[kind] = len(emu.writes())
        leaks = emu.leaks()
    report = {"rounds": args.rounds, "operation_seconds": OPERATION_SECONDS,
              "file_median_s": round(statistics.median(samples["file"]), 2),
              "loop_median_s": round(statistics.median(samples["loop"]), 2),
              "ratio": round(statistics.median(samples["file"]) / statistics.median(samples["loop"]), 3),
              "writes_file": writes["file"], "writes_loop": writes["loop"]}
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    table = "\n".join([
        "| 10 registries x 3 new regions ({operation_seconds} s operations, median of {rounds}) | time | writes |",
        "|---|---|---|",
        "| shell loop of `sync -r X -l ...` | {loop_median_s:.1f} s | {writes_loop} |",
        "| `sync --file fleet.yaml` | {file_median_s:.1f} s | {writes_file} |",
        "| ratio file / loop | **{ratio:.2f}** (goal <= 0.2) | |"]).format(**report)
    print(table)
    update_doc(table, "bench-fleet")
    if leaks or (os.path.exists(guard_log) and open(guard_log).read()):
        raise SystemExit("requests tried to leave loopback")


if __name__ == "__main__":
    main()
