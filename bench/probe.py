"""`make bench-probe`: `az acr replication probe` has no built-in counterpart, so it is measured against itself, as a
ratio in one run: 10 regions with one hanging (every request to it held 60 s) vs 1 region hanging the same way, same
--timeout. Regions are probed at once, each within its own bound, so the ten take the bound, not the sum (goal <= 1.3).

Usage: python -m bench.probe [--rounds N]. Writes bench/probe_results.json and its table in docs/benchmark.md.
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

RESULTS = os.path.join(ROOT, "bench", "probe_results.json")
NINE = ["eastus", "japaneast", "westeurope", "uksouth", "australiaeast", "brazilsouth", "centralindia",
        "koreacentral", "canadacentral"]
TIMEOUT = 3  # --timeout: each region's bound


def prepare(emu):
    """demopremium: home westus + 9 geo-replicas, japaneast hangs; prodpremium: home eastus only, hanging too."""
    emu.reset()
    emu.replicated("demopremium", *NINE)
    emu.set_registry("prodpremium", regional_endpoints=True)
    emu.fault(status=200, host=r"demopremium\.japaneast\.geo", delay=60, times=10 ** 6)
    emu.fault(status=200, host=r"prodpremium\.eastus\.geo", delay=60, times=10 ** 6)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="acr-bench-probe-")
    guard_log = os.path.join(workdir, "guard.log")
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        template = make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=True)
        az = fresh_az(emu, template, os.path.join(workdir, "az"), guard_log)
        prepare(emu)
        az("acr replication list -r prodpremium -o none")  # both groups remembered: the same ARM calls each time
        az("acr replication list -r demopremium -o none")
        ten, one = [], []
        for index in range(args.rounds):  # A/B alternating
            order = ("ten", "one") if index % 2 == 0 else ("one", "ten")
            for kind in order:
                registry, bucket = ("demopremium", ten) if kind == "ten" else ("prodpremium", one)
                bucket.append(timed(lambda: az("acr replication probe -r {} --timeout {} --slow-ms 100000 -o none"
                                               .format(registry, TIMEOUT), expect=None)))
        leaks = emu.leaks()
    report = {"rounds": args.rounds, "timeout_s": TIMEOUT,
              "ten_regions_one_hanging_median_s": round(statistics.median(ten), 3),
              "one_region_median_s": round(statistics.median(one), 3),
              "ratio_ten_over_one": round(statistics.median(ten) / statistics.median(one), 3)}
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    table = render(report)
    print(table)
    update_doc(table, "bench-probe")
    if leaks or (os.path.exists(guard_log) and open(guard_log).read()):
        raise SystemExit("requests tried to leave loopback")


def render(r):
    return "\n".join([
        "| measure | value | goal |",
        "|---|---|---|",
        "| `probe`, 10 regions with one hanging vs 1 region hanging (median of {rounds}, --timeout {timeout_s})"
        " | {ten_regions_one_hanging_median_s:.2f} s / {one_region_median_s:.2f} s = **{ratio_ten_over_one:.2f}**"
        " | <= 1.3 |".format(**r),
    ])


if __name__ == "__main__":
    main()
