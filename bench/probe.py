"""`make bench-probe`: `az acr replication probe` asks every region at once, each within its own bound (--timeout),
so one region that hangs is reported when its bound ends, not after the others' times added up. Measured as ratios
in one run, A/B alternating: 10 regions with one hanging vs 1 region hanging (the goal: <= 1.3, the same bound
whatever the number of regions), and 10 healthy regions vs 1 healthy region (are regions asked in parallel?).

A hang is the emulator's knob degraded_regions with a latency far beyond the bound: every request to that region's
regional endpoint waits a minute.

Usage: python -m bench.probe [--rounds N]. Writes bench/probe_results.json and its table in docs/benchmark.md
(between <!-- bench-probe:start --> and <!-- bench-probe:end --> when present).
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
HANGING = "eastus"   # a geo-replica of demopremium (home westus) and prodpremium's home region
TIMEOUT = 2          # --timeout: each region's bound, seconds
SAMPLES = 3
LATENCY_MS = 40      # per request, ARM and registry alike: regions asked one after another would pay it each time


def prepare(emu):
    """demopremium: home westus + 9 geo-replicas (10 regions); prodpremium: home eastus only (1 region); regional
    endpoints on for both."""
    emu.reset()
    emu.knobs(operation_seconds=0)
    emu.replicated("demopremium", *NINE)
    emu.set_registry("prodpremium", regional_endpoints=True)


def probe(az, registry, expect):
    return timed(lambda: az("acr replication probe -r {} --timeout {} --samples {} -o none".format(
        registry, TIMEOUT, SAMPLES), expect=expect))


def measure(emu, az, rounds, hanging):
    """(medians of 10 regions, of 1 region) in seconds."""
    emu.knobs(degraded_regions={HANGING: {"latency_ms": 60000}} if hanging else {}, latency_ms=LATENCY_MS)
    expect = 1 if hanging else 0
    ten, one = [], []
    for index in range(rounds):  # A/B alternating
        order = ("ten", "one") if index % 2 == 0 else ("one", "ten")
        for kind in order:
            if kind == "ten":
                ten.append(probe(az, "demopremium", expect))
            else:
                one.append(probe(az, "prodpremium", expect))
    return statistics.median(ten), statistics.median(one)


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
        healthy_ten, healthy_one = measure(emu, az, args.rounds, hanging=False)
        hanging_ten, hanging_one = measure(emu, az, args.rounds, hanging=True)
        emu.knobs(degraded_regions={}, latency_ms=0)
        leaks = emu.leaks()
    report = {
        "rounds": args.rounds, "timeout_s": TIMEOUT, "samples": SAMPLES, "latency_ms": LATENCY_MS,
        "hanging_ten_median_s": round(hanging_ten, 3), "hanging_one_median_s": round(hanging_one, 3),
        "ratio_hanging_ten_over_one": round(hanging_ten / hanging_one, 3),
        "healthy_ten_median_s": round(healthy_ten, 3), "healthy_one_median_s": round(healthy_one, 3),
        "ratio_healthy_ten_over_one": round(healthy_ten / healthy_one, 3),
    }
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
        "| 10 regions, one hanging, vs 1 region hanging (median of {rounds}, --timeout {timeout_s}, --samples "
        "{samples}, {latency_ms} ms per request) | {hanging_ten_median_s:.2f} s / {hanging_one_median_s:.2f} s = "
        "**{ratio_hanging_ten_over_one:.2f}** | <= 1.3 |".format(**r),
        "| 10 healthy regions vs 1 healthy region | {healthy_ten_median_s:.2f} s / {healthy_one_median_s:.2f} s = "
        "**{ratio_healthy_ten_over_one:.2f}** | <= 1.3 |".format(**r),
    ])


if __name__ == "__main__":
    main()
