"""`make bench`: the built-in `az acr replication` and ours, side by side, A/B alternating, same emulator.

Prints a table, writes bench/results.json and the table into docs/benchmark.md (between the bench markers).
Usage: python -m bench.run [--rounds N] [--only SUBSTRING]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

from emulator.harness import running_emulator
from bench.measure import run
from bench.scenarios import SCENARIOS
from tests.azcli import ROOT, fresh_az, make_template

BENCH_DOC = os.path.join(ROOT, "docs", "benchmark.md")  # the full tables; README.md keeps a short summary
RESULTS = os.path.join(ROOT, "bench", "results.json")


def sample(scenario, kind, emu, template, workdir, guard_log, index):
    emu.reset(extra_registries=scenario.extra_registries)
    az = fresh_az(emu, template, os.path.join(workdir, "{}-{}-{}".format(kind, id(scenario), index)), guard_log)
    scenario.prepare(emu, az, kind)
    emu.knobs(**scenario.knobs)
    runs = [run(az, command, emu) for command in (scenario.builtin if kind == "builtin" else scenario.ours)]
    return {"seconds": sum(r["seconds"] for r in runs), "requests": sum(r["requests"] for r in runs),
            "rss_mb": max(r["rss_mb"] for r in runs)}


def import_cost_ms():
    """Self time of every module of ours on the loader path (the package, its command table and arguments)
    after azure.cli.core, summed (python -X importtime, median of 5)."""
    code = ("import azure.cli.core, knack.help_files, azure.cli.core.commands, azure.cli.core.commands.parameters; "
            "import azext_acr_replication, azext_acr_replication.commands, azext_acr_replication._params")
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure importing, as an installed wheel does, not compiling
    subprocess.run([sys.executable, "-c", code], env=env, check=True)  # writes the bytecode once
    samples = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True,
                             text=True, check=True).stderr
        total = 0
        for line in out.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(azext_acr_replication\S*)$", line)
            if match:
                total += int(match.group(1))
        samples.append(total / 1000.0)
    return statistics.median(samples)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default=None)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="acr-bench-")
    guard_log = os.path.join(workdir, "guard.log")
    rows = []
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        templates = {"builtin": make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=False),
                     "ours": make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=True)}
        for scenario in SCENARIOS:
            if args.only and args.only not in scenario.name:
                continue
            rounds = scenario.rounds or args.rounds
            results = {"builtin": [], "ours": []}
            for index in range(rounds):
                order = ("builtin", "ours") if index % 2 == 0 else ("ours", "builtin")
                for kind in order:
                    results[kind].append(sample(scenario, kind, emu, templates[kind], workdir, guard_log, index))
            row = summarize(scenario.name, rounds, results)
            rows.append(row)
            print(format_row(row), flush=True)
    report = {"scenarios": rows, "extension_import_ms": round(import_cost_ms(), 1)}
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    table = render(report)
    print(table)
    update_doc(table)
    if os.path.exists(guard_log) and open(guard_log).read():
        raise SystemExit("requests tried to leave loopback")


def summarize(name, rounds, results):
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    return {"scenario": name, "rounds": rounds,
            "builtin_median_s": round(med["builtin"], 3), "ours_median_s": round(med["ours"], 3),
            "ratio": round(med["ours"] / med["builtin"], 3),
            "builtin_requests": statistics.median(r["requests"] for r in results["builtin"]),
            "ours_requests": statistics.median(r["requests"] for r in results["ours"]),
            "builtin_peak_rss_mb": round(max(r["rss_mb"] for r in results["builtin"]), 1),
            "ours_peak_rss_mb": round(max(r["rss_mb"] for r in results["ours"]), 1),
            "rss_ratio": round(max(r["rss_mb"] for r in results["ours"]) /
                               max(r["rss_mb"] for r in results["builtin"]), 3)}


def format_row(row):
    return "| {scenario} | {builtin_median_s:.2f} s | {ours_median_s:.2f} s | {ratio:.2f} | {builtin_requests:g} | " \
           "{ours_requests:g} | {builtin_peak_rss_mb:.0f} / {ours_peak_rss_mb:.0f} MB ({rss_ratio:.2f}) |".format(**row)


def render(report):
    lines = ["| scenario | built-in median | ours median | ratio ours/built-in | ARM requests built-in | "
             "ARM requests ours | peak RSS built-in / ours (ratio) |",
             "|---|---|---|---|---|---|---|"]
    lines += [format_row(row) for row in report["scenarios"]]
    lines.append("")
    lines.append("Extension import cost on the loader path (package, command table, arguments; self time of our "
                 "modules after azure.cli.core, `python -X importtime`, median of 5): "
                 "{} ms.".format(report["extension_import_ms"]))
    return "\n".join(lines)


def update_doc(table, marker="bench"):
    """Write `table` between the marker comments of docs/benchmark.md."""
    if not os.path.exists(BENCH_DOC):
        return
    with open(BENCH_DOC) as handle:
        text = handle.read()
    start, end = "<!-- {}:start -->".format(marker), "<!-- {}:end -->".format(marker)
    if start in text and end in text:
        text = text[:text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
        with open(BENCH_DOC, "w") as handle:
            handle.write(text)


update_readme = update_doc  # the name bench modules used when the tables lived in README.md


if __name__ == "__main__":
    main()
