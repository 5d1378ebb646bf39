"""The benchmark's scenarios: the same user task through the built-in commands and through ours."""
import os

from azext_acr_replication.arm.group_cache import FILE_NAME

REG = "demopremium"
FIVE = ["japaneast", "eastus", "westeurope", "uksouth", "australiaeast"]


def forget_groups(az):
    path = os.path.join(az.config_dir, FILE_NAME)
    if os.path.exists(path):
        os.remove(path)


def warm(az):
    az("acr replication list -r {} -o none".format(REG), expect=None)


class Scenario:
    """commands(kind) -> list of az commands for one sample; prepare(emu, az) runs before each sample."""

    def __init__(self, name, builtin, ours, prepare=None, knobs=None, rounds=None, extra_registries=0):
        self.name, self.builtin, self.ours = name, builtin, ours
        self.prepare = prepare or (lambda emu, az, kind: None)
        self.knobs = knobs or {}
        self.rounds = rounds
        self.extra_registries = extra_registries


def _with_replica(emu, az, kind):
    emu.knobs(operation_seconds=0)
    az("acr replication create -r {} -l eastus -g demo-rg -o none".format(REG))
    emu.knobs(operation_seconds=3)


def _with_replica_warm(emu, az, kind):
    _with_replica(emu, az, kind)
    warm(az)


def _cold(emu, az, kind):
    forget_groups(az)


def _warm(emu, az, kind):
    warm(az)


def _bulk_cold(emu, az, kind):
    emu.emulator.state.add_registry("bulk-rg-last", "lastpremium", "Premium", "westus")
    forget_groups(az)


def _bulk_warm(emu, az, kind):
    _bulk_cold(emu, az, kind)
    az("acr replication list -r lastpremium -o none")


SCENARIOS = [
    Scenario("list -g -o table", ["acr replication list -r {} -g demo-rg -o table".format(REG)],
             ["acr replication list -r {} -g demo-rg -o table".format(REG)]),
    Scenario("list -o table (no -g, first call)", ["acr replication list -r {} -o table".format(REG)],
             ["acr replication list -r {} -o table".format(REG)], prepare=_cold),
    Scenario("list -o table (no -g, later calls)", ["acr replication list -r {} -o table".format(REG)],
             ["acr replication list -r {} -o table".format(REG)], prepare=_warm),
    Scenario("show", ["acr replication show -r {} -n eastus".format(REG)],
             ["acr replication show -r {} -n eastus".format(REG)], prepare=_with_replica_warm),
    Scenario("create 1 region (3 s operation)", ["acr replication create -r {} -l japaneast".format(REG)],
             ["acr replication create -r {} -l japaneast".format(REG)], prepare=_warm,
             knobs={"operation_seconds": 3}, rounds=3),
    Scenario("create 5 regions (3 s operations)",
             ["acr replication create -r {} -l {}".format(REG, loc) for loc in FIVE],
             ["acr replication create -r {} -l {}".format(REG, " ".join(FIVE))], prepare=_warm,
             knobs={"operation_seconds": 3}, rounds=2),
    Scenario("list --help (load cost)", ["acr replication list --help"], ["acr replication list --help"]),
    Scenario("list, 2,000 registries (first call)", ["acr replication list -r lastpremium -o table"],
             ["acr replication list -r lastpremium -o table"], prepare=_bulk_cold, extra_registries=2000),
    Scenario("list, 2,000 registries (later calls)", ["acr replication list -r lastpremium -o table"],
             ["acr replication list -r lastpremium -o table"], prepare=_bulk_warm, extra_registries=2000),
]
