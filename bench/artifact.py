"""`make bench-artifact`: the whole artifact in every region (`status --image`), measured in one run against the
emulator, 6 regions, 40 ms per request emulated.

1. Data-plane requests per region, by kind, for one 2-platform image with 2 referrers (a signature on the index,
   an SBOM on a platform), and per image for 20 such images in 20 repositories.
2. The time of `status --image` over those 20 images: this release's whole-artifact check against the
   single-manifest check of the release before it (the tag's manifest only: 0.3.0, built from git), A/B
   alternating in the same run, whole `az` processes; the ratio is what counts. And `--referrers none` (the
   platforms, without referrers) for comparison.

Usage: python -m bench.artifact [--rounds N] [--render]. Writes bench/artifact_results.json, prints a table and puts
it into docs/benchmark.md between <!-- bench-artifact:start/end --> (--render: only that, from the last results).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
from collections import Counter

from bench.measure import run
from bench.run import update_doc
from emulator.harness import running_emulator
from tests.azcli import ROOT, fresh_az, make_template

RESULTS = os.path.join(ROOT, "bench", "artifact_results.json")
LATENCY_MS = 40
PREVIOUS = "a3980e3"  # 0.3.0: status --image asks each region for the tag's manifest only
REGIONS = ["eastus", "japaneast", "uksouth", "australiaeast", "brazilsouth"]
SIGNATURE, SBOM = "application/vnd.dev.cosign.artifact.sig.v1+json", "application/spdx+json"


def kind(entry):
    path, method = entry["path"], entry["method"]
    if path in ("/oauth2/token", "/oauth2/exchange", "/v2/"):
        return "sign-in"
    if "/referrers/" in path:
        return "referrers"
    if "/blobs/" in path:
        return "blobs"
    if "/manifests/sha256-" in path:
        return "referrer tags"
    return "manifest " + method


def per_region(emu):
    counts = {}
    for entry in emu.dataplane_requests():
        counts.setdefault(entry["host"].split(".")[1], Counter())[kind(entry)] += 1
    return {region: dict(counter) for region, counter in sorted(counts.items())}


def push_images(emu, count):
    for n in range(count):
        pushed = emu.push_index("prodpremium2", "app{:02d}".format(n), "1.0")
        emu.attach("prodpremium2", "app{:02d}".format(n), pushed["digest"], SIGNATURE)
        emu.attach("prodpremium2", "app{:02d}".format(n), pushed["children"]["linux/arm64"], SBOM)


def previous_wheel(workdir):
    """The wheel of the release before (git archive of PREVIOUS, built as `make wheel` builds)."""
    source = os.path.join(workdir, "previous")
    os.makedirs(source)
    archive = subprocess.run(["git", "-C", ROOT, "archive", PREVIOUS], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", source], input=archive, check=True)
    python = os.path.join(ROOT, ".venv", "bin", "python")
    subprocess.run([python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    os.path.join(source, "dist"), source], check=True, capture_output=True)
    return source


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--render", action="store_true")
    args = parser.parse_args(argv)
    if args.render:
        with open(RESULTS) as handle:
            update_doc(render(json.load(handle)), "bench-artifact")
        return
    workdir = tempfile.mkdtemp(prefix="acr-bench-artifact-")
    guard_log = os.path.join(workdir, "guard.log")
    previous = previous_wheel(workdir)
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        ours = fresh_az(emu, make_template(emu, os.path.join(workdir, "ours"), guard_log, True),
                        os.path.join(workdir, "az-ours"), guard_log)
        import tests.azcli as azcli
        current_root, azcli.ROOT = azcli.ROOT, previous  # make_template installs the wheel under ROOT/dist
        try:
            before = fresh_az(emu, make_template(emu, os.path.join(workdir, "before"), guard_log, True),
                              os.path.join(workdir, "az-before"), guard_log)
        finally:
            azcli.ROOT = current_root
        emu.reset()
        emu.replicated("prodpremium2", *REGIONS)
        push_images(emu, 20)
        for az in (ours, before):
            az("acr replication list -r prodpremium2 -o none")  # the group remembered
        emu.knobs(latency_ms=LATENCY_MS)
        report = {"rounds": args.rounds, "latency_ms": LATENCY_MS, "regions": 1 + len(REGIONS)}
        run(ours, "acr replication status -r prodpremium2 --image app00:1.0 -o json", emu)
        report["one_image"] = per_region(emu)
        images = " ".join("app{:02d}:1.0".format(n) for n in range(20))
        run(ours, "acr replication status -r prodpremium2 --image {} -o json".format(images), emu)
        report["twenty_images"] = per_region(emu)
        samples = {"whole": [], "before": [], "no_referrers": []}
        for _ in range(args.rounds):
            samples["whole"].append(run(ours, "acr replication status -r prodpremium2 --image {}".format(images),
                                        emu)["seconds"])
            samples["before"].append(run(before, "acr replication status -r prodpremium2 --image {}".format(images),
                                         emu)["seconds"])
            samples["no_referrers"].append(run(ours, "acr replication status -r prodpremium2 --image {} --referrers "
                                                     "none".format(images), emu)["seconds"])
        report["seconds"] = {k: [round(s, 2) for s in v] for k, v in samples.items()}
        report["medians"] = {k: round(statistics.median(v), 2) for k, v in samples.items()}
        report["ratio"] = round(report["medians"]["whole"] / report["medians"]["before"], 2)
        report["ratio_no_referrers"] = round(report["medians"]["no_referrers"] / report["medians"]["before"], 2)
        leaks = emu.leaks()
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    print(render(report))
    update_doc(render(report), "bench-artifact")
    if leaks or (os.path.exists(guard_log) and open(guard_log).read()):
        raise SystemExit("requests tried to leave loopback")


def _counts(counts):
    return ", ".join("{} {}".format(n, k) for k, n in sorted(counts.items()))


def render(r):
    one, twenty, m = r["one_image"], r["twenty_images"], r["medians"]
    home = "westeurope"
    other = next(region for region in sorted(one) if region != home)
    per_image = {region: sum(c.values()) / 20.0 for region, c in twenty.items()}
    rows = [
        "| measure | value |",
        "|---|---|",
        "| one 2-platform image, 2 referrers: requests in the home region ({}) | {} |".format(home, _counts(one[home])),
        "| ... in each other region (e.g. {}) | {} |".format(other, _counts(one[other])),
        "| 20 such images in 20 repositories: requests per image, home region | {:.2f} |".format(per_image[home]),
        "| ... per image, each other region (mean) | {:.2f} |".format(statistics.mean(
            v for k, v in per_image.items() if k != home)),
        "| `--image` of the 20 images over {} regions, {} ms a request: whole artifact vs the tag's manifest only "
        "(0.3.0), median of {} | {:.2f} s / {:.2f} s = **{:.2f}** |".format(
            r["regions"], r["latency_ms"], r["rounds"], m["whole"], m["before"], r["ratio"]),
        "| ... with `--referrers none` (platforms, no referrers) vs 0.3.0 | {:.2f} s / {:.2f} s = {:.2f} |".format(
            m["no_referrers"], m["before"], r["ratio_no_referrers"]),
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    main()
