"""`make bench-status`: `az acr replication status --image` has no built-in counterpart, so it is measured
against itself, as ratios in one run: one image over 10 regions vs over 1 region (are regions checked
in parallel?), data-plane requests per region per image, and with --wait, how long after the image
reaches the last region the command returns.

Usage: python -m bench.status [--rounds N]. Writes bench/status_results.json and its table in docs/benchmark.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

from bench.measure import timed
from bench.run import update_doc
from emulator.harness import running_emulator
from tests.helpers import call, registry_path
from tests.azcli import AZ, ROOT, fresh_az, make_template

RESULTS = os.path.join(ROOT, "bench", "status_results.json")
NINE = ["eastus", "japaneast", "westeurope", "uksouth", "australiaeast", "brazilsouth", "centralindia",
        "koreacentral", "canadacentral"]
LATENCY_MS = 40  # per request, ARM and registry alike: a sequential check would pay it region after region


def prepare(emu, az):
    """demopremium: home westus + 9 geo-replicas (10 regions); prodpremium: home eastus only (1 region)."""
    emu.reset()
    emu.knobs(operation_seconds=0)
    az("acr replication create -r demopremium -l {} -o none".format(" ".join(NINE)))
    for registry, group in (("demopremium", "demo-rg"), ("prodpremium", "prod-rg")):
        assert call(emu, "PATCH", registry_path(rg=group, reg=registry),
                    {"properties": {"regionalEndpoints": "Enabled"}}).status == 200
        for tag in ("v1", "v2", "v3", "v4", "v5"):
            emu.push(registry, "hello", tag)
    az("acr replication list -r prodpremium -o none")  # both groups remembered: the same ARM calls each time
    emu.knobs(latency_ms=LATENCY_MS)


def requests_per_region_per_image(emu, az, images):
    emu.emulator.clear_log()
    az("acr replication status -r demopremium --image {}".format(" ".join("hello:" + i for i in images)))
    return len(emu.dataplane_requests()) / (10.0 * len(images))


def wait_delay(emu, az, lag):
    """Seconds between the image reaching its last region and `status --wait` returning."""
    tag = "w{}".format(int(time.time() * 1000))
    lags = {region: lag * (i + 1) / len(NINE) for i, region in enumerate(NINE)}
    pushed = emu.push("demopremium", "hello", tag, lag_seconds=lags)
    proc = subprocess.run([AZ, "acr", "replication", "status", "-r", "demopremium", "--image", "hello:" + tag,
                           "--wait", "--timeout", "120", "-o", "none"], env=az.env, cwd=az.cwd,
                          capture_output=True, text=True)
    returned = time.time()
    assert proc.returncode == 0, proc.stderr
    return returned - (pushed["at"] + lag)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="acr-bench-status-")
    guard_log = os.path.join(workdir, "guard.log")
    with running_emulator(workdir=os.path.join(workdir, "emulator")) as emu:
        template = make_template(emu, os.path.join(workdir, "t"), guard_log, with_extension=True)
        az = fresh_az(emu, template, os.path.join(workdir, "az"), guard_log)
        prepare(emu, az)
        ten, one = [], []
        for index in range(args.rounds):  # A/B alternating
            order = ("ten", "one") if index % 2 == 0 else ("one", "ten")
            for kind in order:
                if kind == "ten":
                    ten.append(timed(lambda: az("acr replication status -r demopremium --image hello:v1 -o none")))
                else:
                    one.append(timed(lambda: az("acr replication status -r prodpremium --image hello:v1 -o none")))
        per_one = requests_per_region_per_image(emu, az, ["v1"])
        per_five = requests_per_region_per_image(emu, az, ["v1", "v2", "v3", "v4", "v5"])
        emu.knobs(latency_ms=0)
        # lags that fall at different points of the polling schedule
        delays = [wait_delay(emu, az, lag=lag) for lag in (5, 6.3, 7.1, 8.6, 9.4, 10.8, 12.2)[:max(3, args.rounds)]]
        leaks = emu.leaks()
    report = {
        "rounds": args.rounds, "latency_ms": LATENCY_MS,
        "ten_regions_median_s": round(statistics.median(ten), 3), "one_region_median_s": round(statistics.median(one), 3),
        "ratio_ten_over_one": round(statistics.median(ten) / statistics.median(one), 3),
        "requests_per_region_per_image_1_image": per_one, "requests_per_region_per_image_5_images": per_five,
        "wait_delay_median_s": round(statistics.median(delays), 2), "wait_delay_max_s": round(max(delays), 2),
    }
    with open(RESULTS, "w") as handle:
        json.dump(report, handle, indent=2)
    table = render(report)
    print(table)
    update_doc(table, "bench-status")
    if leaks or (os.path.exists(guard_log) and open(guard_log).read()):
        raise SystemExit("requests tried to leave loopback")


def render(r):
    return "\n".join([
        "| measure | value | goal |",
        "|---|---|---|",
        "| one image, 10 regions vs 1 region (median of {rounds}, {latency_ms} ms per request) | {ten_regions_median_s:.2f} s"
        " / {one_region_median_s:.2f} s = **{ratio_ten_over_one:.2f}** | <= 1.3 |".format(**r),
        "| data-plane requests per region per image, 1 image | {:.1f} (GET /v2/, exchange, token, HEAD) | |".format(
            r["requests_per_region_per_image_1_image"]),
        "| data-plane requests per region per image, 5 images | {:.1f} (tokens reused: one HEAD per image) | |".format(
            r["requests_per_region_per_image_5_images"]),
        "| `--wait`: image in the last region -> command returned (lags 5-12 s) | median {wait_delay_median_s:.2f} s,"
        " max {wait_delay_max_s:.2f} s | <= 2 s |".format(**r),
    ])


if __name__ == "__main__":
    main()
