"""`make bench-polling` (issue 20): how soon after the service each wait ends, and how many ARM reads it costs,
ours against the built-in in the same run.

Each case runs the built-in and ours at the same time against one emulator, each in its own subscription (its own
registries, its own ARM read bucket), so that a 300 s case costs ~5 minutes, not 10:
- one region, a create of 3, 30, 90 and 300 s;
- 10 regions x 90 s (the built-in: 10 `create` processes at once, the fastest a script can do);
- a fleet of 30 writes, 10 registries x 3 regions, 30 s each (ours: one `sync --file`; the built-in: one shell
  loop of 3 `create` per registry, the 10 loops at once).
When several built-in processes start together they are started 3 s after ours, so that their start-up does not
slow ours down. Time is the wall clock of the whole `az` run(s); "after the end" is from the last operation's end
(the emulator's log: when it took the write, plus the operation's length) to the last exit; reads are the GETs in
the side's subscription, and the peak is the most GETs started within one second.

Usage: python -m bench.polling [--only TEXT] [--rounds N]. Writes bench/polling_results.json (with --only, the
other cases keep their rows), prints a table (and puts it into README.md between <!-- bench-polling:start/end -->
when those markers exist).
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import tempfile
import threading
import time

from bench.run import update_readme
from emulator.harness import running_emulator
from emulator.state.arm import SECOND_SUBSCRIPTION_ID, SUBSCRIPTION_ID
from tests.azcli import AZ, ROOT, fresh_az, make_template

RESULTS = os.path.join(ROOT, "bench", "polling_results.json")
TEN = ["japaneast", "westeurope", "uksouth", "australiaeast", "northeurope", "southeastasia", "canadacentral",
       "brazilsouth", "koreacentral", "francecentral"]
THREE = ["japaneast", "westeurope", "uksouth"]
FLEET = 10  # registries
STAGGER = 3.0  # seconds the built-in's many processes start after ours
SUSTAINED = 10  # seconds: reads a second over the busiest this many seconds (the rate, bursts averaged out)


class Side:  # pylint: disable=too-few-public-methods
    """One side of a case: its subscription and registry, and the az to run it with."""

    def __init__(self, kind, az, subscription, group, registry):
        self.kind, self.az, self.subscription = kind, az, subscription
        self.group, self.registry = group, registry


def run_all(az, commands, delay=0.0, sequential=False):
    """Run az commands (all at once, or one after another); (first start, last exit, exit codes)."""
    if delay:
        time.sleep(delay)
    started = time.time()
    codes = []

    def one(command):
        proc = subprocess.run([AZ] + shlex.split(command), env=az.env, cwd=az.cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        codes.append(proc.returncode)
        if proc.returncode:
            print("az {} -> {}: {}".format(command, proc.returncode, proc.stderr[-1500:]), flush=True)
    if sequential:
        for command in commands:
            one(command)
    else:
        threads = [threading.Thread(target=one, args=(c,)) for c in commands]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return started, time.time(), codes


def side_metrics(emu, side, started, ended, seconds):
    log = [e for e in emu.requests() if e["path"].lower().startswith("/subscriptions/" + side.subscription)]
    puts = [e["start"] for e in log if e["method"] == "PUT"]
    gets = sorted(e["start"] for e in log if e["method"] == "GET")
    last_end = max(puts) + seconds if puts else started
    return {"seconds": round(ended - started, 2), "after_end": round(ended - last_end, 2), "gets": len(gets),
            "peak_reads_per_s": peak(gets, 1), "sustained_reads_per_s": round(peak(gets, SUSTAINED) / SUSTAINED, 1),
            "writes": len(puts), "throttled": sum(1 for e in log if e["status"] == 429)}


def peak(times, window):
    """The most of `times` within `window` seconds."""
    return max((sum(1 for u in times if t <= u < t + window) for t in times), default=0)


def run_case(emu, sides, case):
    """Both sides at once; {kind: metrics}."""
    emu.reset()
    for side in sides.values():
        for index in range(case.get("fleet", 0)):
            emu.emulator.state.add_registry(side.group, "{}{:02d}".format(side.registry, index), "Premium", "westus",
                                            sub=side.subscription)
    emu.knobs(operation_seconds=case["seconds"])
    results, threads = {}, []
    for kind, side in sides.items():
        commands, delay, sequential = case["commands"](side, kind)
        if kind == "builtin" and len(commands) > 1 and case.get("stagger", True):
            delay = STAGGER

        def go(kind=kind, side=side, commands=commands, delay=delay, sequential=sequential):
            if isinstance(commands, dict):  # loops: {name: [commands one after another]}, the loops at once
                spans = []
                loops = [threading.Thread(target=lambda c=c: spans.append(run_all(side.az, c, sequential=True)))
                         for c in commands.values()]
                time.sleep(delay)
                for loop in loops:
                    loop.start()
                for loop in loops:
                    loop.join()
                results[kind] = (min(s[0] for s in spans), max(s[1] for s in spans), [c for s in spans for c in s[2]])
            else:
                results[kind] = run_all(side.az, commands, delay, sequential)
        threads.append(threading.Thread(target=go))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out = {}
    for kind, (started, ended, codes) in results.items():
        assert not any(codes), "{} failed: {}".format(kind, codes)
        out[kind] = side_metrics(emu, sides[kind], started, ended, case["seconds"])
    return out


def one_region(seconds):
    def commands(side, kind):
        return (["acr replication create -r {} -l japaneast --subscription {} -o none".format(
            side.registry, side.subscription)], 0.0, False)
    return {"name": "1 region, {} s create".format(seconds), "seconds": seconds, "commands": commands}


def ten_regions(seconds=90):
    def commands(side, kind):
        if kind == "builtin":
            return (["acr replication create -r {} -l {} --subscription {} -o none".format(
                side.registry, region, side.subscription) for region in TEN], 0.0, False)
        return (["acr replication create -r {} -l {} --subscription {} -o none".format(
            side.registry, " ".join(TEN), side.subscription)], 0.0, False)
    return {"name": "10 regions x {} s".format(seconds), "seconds": seconds, "commands": commands}


def fleet(workdir, seconds=30):
    def commands(side, kind):
        names = ["{}{:02d}".format(side.registry, i) for i in range(FLEET)]
        if kind == "builtin":
            return ({name: ["acr replication create -r {} -l {} --subscription {} -o none".format(
                name, region, side.subscription) for region in THREE] for name in names}, 0.0, True)
        path = os.path.join(workdir, "fleet.yaml")
        with open(path, "w") as handle:
            entry = "  - name: {}\n    subscription: {}\n    locations: [{}]\n"
            entries = [entry.format(name, side.subscription, ", ".join(THREE)) for name in names]
            handle.write("registries:\n" + "".join(entries))
        return (["acr replication sync --file {} -o none".format(path)], 0.0, False)
    return {"name": "fleet: 30 writes ({} registries x 3 regions, {} s)".format(FLEET, seconds), "seconds": seconds,
            "commands": commands, "fleet": FLEET}


def startup_seconds(side, rounds=3):
    """Wall time of az for one ARM read with our extension (start-up, one GET, exit): the 'az start-up' of the
    goal."""
    samples = []
    for _ in range(rounds):
        started, ended, _ = run_all(side.az, ["acr replication list -r {} -g {} --subscription {} -o none".format(
            side.registry, side.group, side.subscription)])
        samples.append(ended - started)
    return round(statistics.median(samples), 2)


def summarize(case, samples):
    """Medians over rounds, per side."""
    row = {"case": case["name"], "operation_s": case["seconds"], "rounds": len(samples)}
    for kind in ("builtin", "ours"):
        for key in samples[0][kind]:
            row["{}_{}".format(kind, key)] = statistics.median(s[kind][key] for s in samples)
    row["ours_minus_op_s"] = round(row["ours_seconds"] - case["seconds"], 2)
    row["ratio"] = round(row["ours_seconds"] / row["builtin_seconds"], 3)
    return row


def render(report):
    lines = ["| case (rounds) | built-in | ours | ours - operation | ratio ours / built-in | returned after the "
             "operation's end: built-in / ours | GETs built-in / ours | GETs/s at peak, in 1 s / over 10 s: "
             "built-in; ours |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["cases"]:
        lines.append("| {case} ({rounds}) | {builtin_seconds:.1f} s | {ours_seconds:.1f} s | {ours_minus_op_s:.1f} s "
                     "| **{ratio:.2f}** | {builtin_after_end:.1f} s / {ours_after_end:.1f} s | {builtin_gets:g} / "
                     "{ours_gets:g} | {builtin_peak_reads_per_s:g} / {builtin_sustained_reads_per_s:g}; "
                     "{ours_peak_reads_per_s:g} / {ours_sustained_reads_per_s:g} |".format(**r))
    lines.append("")
    lines.append("az start-up (ours, one ARM read, whole process, median of 3): {} s; goal: ours <= operation + 2 s + "
                 "start-up. 429s from ARM: {}.".format(report["startup_s"], report["throttled"]))
    return "\n".join(lines)


CASES = [one_region(3), one_region(30), one_region(90), one_region(300), ten_regions(), None]
ROUNDS = {3: 3, 30: 3, 90: 2, 300: 2}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="acr-bench-polling-")
    guard_log = os.path.join(workdir, "guard.log")
    cases = [c or fleet(workdir) for c in CASES]
    report = {"cases": []}
    if args.only and os.path.exists(RESULTS):  # rerun some cases: the others keep their rows of an earlier run
        with open(RESULTS) as handle:
            report["cases"] = [r for r in json.load(handle).get("cases", []) if args.only not in r["case"]]
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        templates = {"builtin": make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=False),
                     "ours": make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=True)}
        sides = {"builtin": Side("builtin", fresh_az(emu, templates["builtin"], os.path.join(workdir, "b"), guard_log),
                                 SUBSCRIPTION_ID, "demo-rg", "demopremium"),
                 "ours": Side("ours", fresh_az(emu, templates["ours"], os.path.join(workdir, "o"), guard_log),
                              SECOND_SUBSCRIPTION_ID, "team-rg", "teampremium")}
        # fleets: registries of their own in each side's subscription
        fleet_sides = {k: Side(k, s.az, s.subscription, s.group, "fleet" + k[:4]) for k, s in sides.items()}
        emu.reset()
        report["startup_s"] = startup_seconds(sides["ours"])
        for case in cases:
            if args.only and args.only not in case["name"]:
                continue
            rounds = args.rounds or ROUNDS.get(case["seconds"] if "1 region" in case["name"] else 0, 1)
            samples = []
            for _ in range(rounds):
                for side in sides.values():  # a cold start each time: no remembered resource group
                    path = os.path.join(side.az.config_dir, "acr_replication_groups.json")
                    if os.path.exists(path):
                        os.remove(path)
                samples.append(run_case(emu, fleet_sides if case.get("fleet") else sides, case))
                print(case["name"], json.dumps(samples[-1]), flush=True)
            report["cases"].append(summarize(case, samples))
        order = [c["name"] for c in cases]
        report["cases"].sort(key=lambda row: order.index(row["case"]) if row["case"] in order else len(order))
        report["throttled"] = sum(r["builtin_throttled"] + r["ours_throttled"] for r in report["cases"])
        leaks = emu.leaks()
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    table = render(report)
    print(table)
    update_readme(table, "bench-polling")
    if leaks or (os.path.exists(guard_log) and open(guard_log).read()):
        raise SystemExit("requests tried to leave loopback")


if __name__ == "__main__":
    main()
