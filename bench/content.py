"""`make bench-content`: issue 17, what each region holds, measured in one run against the emulator.

1. `status --all-repositories` over 1,000 repositories x 20 tags x 6 regions, 40 ms per request emulated:
   wall time (goal < 60 s), data-plane requests per region by kind (catalog pages, tag pages, tokens), peak RSS
   of the az process, and the same over 100 repositories (is memory bounded by the repository, not the
   registry?).
2. `status --repository app` (20 tags) over 10 regions vs 1 region, A/B alternating (goal: ratio <= 1.3).
3. `status --image` with 20 images in 20 repositories over 10 regions: data-plane requests per region per image
   (goal <= 1.2; one token request per endpoint covers every repository).
4. A new replica syncing steadily (the emulator spreads the existing content over its sync time): `--all-repositories
   --wait --verbose` logs after each read the time it estimates is left; compared with when the replica really
   had its last tag (goal: within 20% once 30% is done).

Usage: python -m bench.content [--rounds N] [--repositories N] [--render]. Writes bench/content_results.json,
prints a table and puts it into docs/benchmark.md between <!-- bench-content:start/end --> (--render: only that,
from the results of the last run).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter

from bench.measure import run
from bench.run import update_doc
from emulator.harness import running_emulator
from tests.helpers import call, registry_path
from tests.azcli import AZ, ROOT, fresh_az, make_template

RESULTS = os.path.join(ROOT, "bench", "content_results.json")
LATENCY_MS = 40
FIVE = ["eastus", "japaneast", "uksouth", "australiaeast", "brazilsouth"]
NINE = FIVE + ["centralindia", "koreacentral", "canadacentral", "westeurope"]
ESTIMATE = re.compile(r"INFO: (\w+): (\d+) of (\d+) tags present \(([\d.]+)%.*about (\d+)s left\)")


def regional_endpoints(emu, registry, group):
    assert call(emu, "PATCH", registry_path(rg=group, reg=registry),
                {"properties": {"regionalEndpoints": "Enabled"}}).status == 200


def kinds(emu):
    """Data-plane requests per region, by kind."""
    counts = {}
    for entry in emu.dataplane_requests():
        region = entry["host"].split(".")[1]
        path = entry["path"]
        kind = ("catalog pages" if path == "/acr/v1/_catalog" else "tag pages" if path.endswith("/_tags") else
                "token" if path == "/oauth2/token" else "exchange" if path == "/oauth2/exchange" else
                "challenge" if path == "/v2/" else "other")
        counts.setdefault(region, Counter())[kind] += 1
    return counts


def catalog_case(emu, az, repositories, rounds):
    """prodpremium2 (home westeurope) + 5 replicas; repositories x 20 tags, a few differences."""
    emu.reset()
    emu.knobs(operation_seconds=0)
    az("acr replication create -r prodpremium2 -l {} -o none".format(" ".join(FIVE)))
    regional_endpoints(emu, "prodpremium2", "prod-rg")
    emu.seed("prodpremium2", repositories, 20)
    width = len(str(max(1, repositories - 1)))  # the seed's names: repo000 ... repo999
    emu.push("prodpremium2", "repo{:0{}d}".format(1, width), "hotfix", lag_seconds={"japaneast": 3600})
    emu.delete_tag("prodpremium2", "repo{:0{}d}".format(2, width), "v3", lag_seconds={"uksouth": 3600})
    az("acr replication list -r prodpremium2 -o none")  # the group remembered
    emu.knobs(latency_ms=LATENCY_MS)
    samples = [run(az, "acr replication status -r prodpremium2 --all-repositories -o json", emu, expect=1)
               for _ in range(rounds)]
    per_region = kinds(emu)  # of the last run
    emu.knobs(latency_ms=0)
    return {"repositories": repositories, "tags": repositories * 20, "regions": 6,
            "seconds_median": round(statistics.median(s["seconds"] for s in samples), 2),
            "seconds": [round(s["seconds"], 2) for s in samples],
            "rss_mb_max": round(max(s["rss_mb"] for s in samples), 1),
            "requests_per_region": {region: dict(counter) for region, counter in sorted(per_region.items())}}


def repository_case(emu, az, rounds):
    """`--repository app` (20 tags) over demopremium (10 regions) vs prodpremium (1 region), A/B alternating."""
    emu.reset()
    emu.knobs(operation_seconds=0)
    az("acr replication create -r demopremium -l {} -o none".format(" ".join(NINE)))
    for registry, group in (("demopremium", "demo-rg"), ("prodpremium", "prod-rg")):
        regional_endpoints(emu, registry, group)
        for tag in range(20):
            emu.push(registry, "app", "v{}".format(tag))
        az("acr replication list -r {} -o none".format(registry))
    emu.knobs(latency_ms=LATENCY_MS)
    ten, one = [], []
    for index in range(rounds):
        for kind in (("ten", "one") if index % 2 == 0 else ("one", "ten")):
            registry = "demopremium" if kind == "ten" else "prodpremium"
            sample = run(az, "acr replication status -r {} --repository app -o none".format(registry), emu)
            (ten if kind == "ten" else one).append(sample["seconds"])
    emu.knobs(latency_ms=0)
    return {"ten_regions_median_s": round(statistics.median(ten), 3),
            "one_region_median_s": round(statistics.median(one), 3),
            "ratio": round(statistics.median(ten) / statistics.median(one), 3)}


def image_case(emu, az):
    """Requests per region per image for `status --image` with 20 images in 20 repositories (10 regions), and
    with 5 images of one repository (the figure before: 1.6)."""
    for index in range(20):
        emu.push("demopremium", "svc{:02d}".format(index), "v1")
    emu.emulator.clear_log()
    az("acr replication status -r demopremium --image {} -o none".format(
        " ".join("svc{:02d}:v1".format(i) for i in range(20))))
    twenty = len(emu.dataplane_requests()) / (10.0 * 20)
    tokens = Counter(e["host"] for e in emu.dataplane_requests() if e["path"] == "/oauth2/token")
    emu.emulator.clear_log()
    az("acr replication status -r demopremium --image {} -o none".format(
        " ".join("app:v{}".format(i) for i in range(5))))
    five = len(emu.dataplane_requests()) / (10.0 * 5)
    return {"requests_per_region_per_image_20_images_20_repositories": twenty,
            "token_requests_per_endpoint_20_repositories": max(tokens.values()),
            "requests_per_region_per_image_5_images": five}


def last_arrival(emu, registry_name, region):
    """When the region really holds its last tag (the emulator knows each tag's arrival)."""
    state = emu.emulator.state
    registry = state.registry_by_name(registry_name)
    since, until = registry.sync_window(region)
    lag = float(emu.emulator.controls["replication_lag_seconds"])
    return max(event.arrival(region, since, lag, until)
               for events in registry.images.events.values() for event in events)


def progress_case(emu, az, sync_seconds, repositories):
    """eupremium (home northeurope): repositories x 10 tags, then a replica in eastus syncing over
    sync_seconds; `--all-repositories --wait --verbose` estimates, against the real end."""
    emu.reset()
    emu.knobs(operation_seconds=0)
    regional_endpoints(emu, "eupremium", "eu-rg")
    emu.seed("eupremium", repositories, 10)
    az("acr replication list -r eupremium -o none")
    emu.knobs(sync_seconds=sync_seconds, latency_ms=10)
    az("acr replication create -r eupremium -l eastus -o none")
    started = time.time()
    proc = subprocess.Popen([AZ, "acr", "replication", "status", "-r", "eupremium", "--all-repositories", "--wait",
                             "--timeout", str(int(sync_seconds * 3)), "--verbose", "-o", "none"], env=az.env,
                            cwd=az.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []

    def read():
        for line in proc.stderr:
            lines.append((time.time(), line.rstrip()))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code = proc.wait()
    reader.join(5)
    returned = time.time()
    end = last_arrival(emu, "eupremium", "eastus")
    estimates = []
    for when, line in lines:
        match = ESTIMATE.match(line)
        if match and match.group(1) == "eastus":
            left = end - when
            percent = float(match.group(4))
            estimate = float(match.group(5))
            estimates.append({"at_s": round(when - started, 1), "percent": percent, "estimate_s": estimate,
                              "real_s": round(left, 1),
                              "error": round(abs(estimate - left) / left, 3) if left > 0 else None})
    emu.knobs(latency_ms=0, sync_seconds=0)
    judged = [e for e in estimates if e["percent"] >= 30 and e["error"] is not None]
    middle = [e for e in judged if e["percent"] <= 90]
    return {"exit_code": code, "tags": repositories * 10, "sync_seconds": sync_seconds,
            "returned_after_last_tag_s": round(returned - end, 2), "estimates": estimates,
            "max_error_from_30_percent": max((e["error"] for e in judged), default=None),
            "max_error_30_to_90_percent": max((e["error"] for e in middle), default=None),
            "median_error_from_30_percent": statistics.median([e["error"] for e in judged]) if judged else None,
            "max_abs_error_s_from_30_percent": max((abs(e["estimate_s"] - e["real_s"]) for e in judged),
                                                   default=None)}


def render(r):
    c, small, rep, img, p = r["catalog"], r["catalog_small"], r["repository"], r["image"], r["progress"]
    east = c["requests_per_region"].get("eastus", {})
    rows = [
        "| measure | value | goal |",
        "|---|---|---|",
        "| `--all-repositories`, {repositories:,} repositories x 20 tags x 6 regions, {lat} ms per request "
        "(median of {n}) | **{seconds_median} s** | < 60 s |".format(lat=LATENCY_MS, n=len(c["seconds"]), **c),
        "| requests per region (eastus): catalog pages + tag pages + tokens (+ exchange, challenge) | {} + {} + {} "
        "(+ {}, {}) | about catalog pages + tag pages |".format(
            east.get("catalog pages", 0), east.get("tag pages", 0), east.get("token", 0), east.get("exchange", 0),
            east.get("challenge", 0)),
        "| peak RSS of az, {:,} vs {:,} repositories | {} MB vs {} MB | bounded by the largest repository |".format(
            small["repositories"], c["repositories"], small["rss_mb_max"], c["rss_mb_max"]),
        "| `--repository app` (20 tags), 10 regions vs 1 region (median of {}) | {:.2f} s / {:.2f} s = **{:.2f}** "
        "| <= 1.3 |".format(r["rounds"], rep["ten_regions_median_s"], rep["one_region_median_s"], rep["ratio"]),
        "| `--image`, 20 images in 20 repositories: data-plane requests per region per image | **{:.2f}** "
        "({} token request per endpoint) | <= 1.2 |".format(
            img["requests_per_region_per_image_20_images_20_repositories"],
            img["token_requests_per_endpoint_20_repositories"]),
        "| `--image`, 5 images of one repository: requests per region per image | {:.2f} | (was 1.6) |".format(
            img["requests_per_region_per_image_5_images"]),
        "| new replica, {tags:,} tags synced over {sync_seconds} s: time-left estimate vs real, once 30% done "
        "| max error {max_error_from_30_percent}, median {median_error_from_30_percent} (30-90%: max "
        "{max_error_30_to_90_percent}); max {max_abs_error_s_from_30_percent:.1f} s off | within 20% |".format(**p),
    ]
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repositories", type=int, default=1000)
    parser.add_argument("--sync-seconds", type=int, default=90)
    parser.add_argument("--render", action="store_true")
    args = parser.parse_args(argv)
    if args.render:
        with open(RESULTS) as handle:
            update_doc(render(json.load(handle)), "bench-content")
        return
    workdir = tempfile.mkdtemp(prefix="acr-bench-content-")
    guard_log = os.path.join(workdir, "guard.log")
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        template = make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=True)
        az = fresh_az(emu, template, os.path.join(workdir, "az"), guard_log)
        report = {"rounds": args.rounds, "latency_ms": LATENCY_MS}
        report["catalog_small"] = catalog_case(emu, az, max(1, args.repositories // 10), 1)
        report["catalog"] = catalog_case(emu, az, args.repositories, 2)
        report["repository"] = repository_case(emu, az, args.rounds)
        report["image"] = image_case(emu, az)
        report["progress"] = progress_case(emu, az, args.sync_seconds, 300)
        leaks = emu.leaks()
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    print(render(report))
    update_doc(render(report), "bench-content")
    if leaks or (os.path.exists(guard_log) and open(guard_log).read()):
        raise SystemExit("requests tried to leave loopback")


if __name__ == "__main__":
    main()
