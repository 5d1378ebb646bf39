"""`az acr replication delete` through the real az: without a terminal it deletes as the built-in does (no
question, the same output, stdin closed too); on a terminal it asks unless --yes or azure-cli's
core.disable_confirm_prompt; --no-wait; and the home replica (the one in the home region, whatever its name,
decided by a registry GET) is refused unless --allow-home-replica."""
import json
import os
import subprocess
import time

import pytest

from emulator.harness import admin
from tests.azcli import AZ
from tests.helpers import REG, writes

pytestmark = pytest.mark.e2e


def test_delete_without_a_terminal_deletes_as_the_builtin_does(az, builtin_az, emu):
    """Pipelines call `delete -r R -n N` with no --yes and no terminal; the built-in has no confirmation, so
    neither may we."""
    results = {}
    for kind, client in (("builtin", builtin_az), ("ours", az)):
        emu.reset()
        emu.add_replicas("demopremium", "eastus")
        emu.knobs(operation_seconds=0.2, retry_after=1)
        results[kind] = client("acr replication delete -n eastus {}".format(REG))  # stdin: /dev/null
        assert writes(emu) == [("DELETE", "eastus")], kind
        client("acr replication show -n eastus {}".format(REG), expect=3)
    assert results["ours"].stdout == results["builtin"].stdout
    assert "tty" not in results["ours"].stderr and "cancelled" not in results["ours"].stderr


def test_delete_with_stdin_closed_deletes_as_the_builtin(az, builtin_az, emu):
    """`az ... <&-`: no stdin at all (sys.stdin is None); the built-in deletes, and so must ours (no traceback).
    A real process: a shell closes its stdin."""
    for cli in (builtin_az, az):
        emu.reset()
        emu.add_replicas("demopremium", "eastus")
        emu.knobs(operation_seconds=0, retry_after=1)
        proc = subprocess.run(["bash", "-c", '"$0" "$@" <&-', AZ, "acr", "replication", "delete", "-n", "eastus"] +
                              REG.split(), env=cli.env, cwd=cli.cwd, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert cli("acr replication list {} --query [].name -o tsv".format(REG)).stdout.split() == ["westus"]


def test_delete_on_a_terminal_asks_and_n_cancels(az, emu):
    emu.add_replicas("demopremium", "eastus", "japaneast")
    emu.knobs(operation_seconds=0)
    code, printed = az.on_terminal("acr replication delete -n eastus {}".format(REG), answer="n")
    assert "Delete replication 'eastus' of registry 'demopremium'? (y/n)" in printed
    assert code == 1 and "Operation cancelled" in printed
    assert emu.writes() == []
    code, printed = az.on_terminal("acr replication delete -n eastus {}".format(REG), answer="y")
    assert "(y/n)" in printed and code == 0, printed
    assert writes(emu) == [("DELETE", "eastus")]
    # --yes, and azure-cli's core.disable_confirm_prompt, skip the question on a terminal too
    emu.clear_log()
    code, printed = az.on_terminal("acr replication delete -n japaneast {} --yes --no-wait".format(REG))
    assert code == 0 and "(y/n)" not in printed, printed
    az("config set core.disable_confirm_prompt=true")
    code, printed = az.on_terminal("acr replication delete -n westus {} --allow-home-replica --no-wait".format(REG))
    assert code == 0 and "(y/n)" not in printed, printed
    assert writes(emu) == [("DELETE", "japaneast"), ("DELETE", "westus")]


def test_delete_with_yes_and_no_wait(az, emu):
    emu.add_replicas("demopremium", "eastus", "japaneast")
    emu.knobs(operation_seconds=0.3)
    az("acr replication delete -n eastus {} --yes".format(REG))
    az("acr replication show -n eastus {}".format(REG), expect=3)
    emu.knobs(operation_seconds=2)
    started = time.monotonic()
    az("acr replication delete -n japaneast {} --yes --no-wait".format(REG))
    assert time.monotonic() - started < 2 + 3  # did not wait for the 2 s operation (plus az start-up)
    az("acr replication wait -n japaneast {} --deleted --interval 1 --timeout 30".format(REG))
    az("acr replication show -n japaneast {}".format(REG), expect=3)


# --- the home replica ----------------------------------------------------------------------------------------------
def test_delete_refuses_home_replica_unless_allowed(az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0)
    for confirm in ("", "--yes"):  # no terminal (a script), with and without --yes
        result = az("acr replication delete -n westus {} {}".format(REG, confirm), expect=1)
        assert "home replica" in result.stderr and "--allow-home-replica" in result.stderr
    assert emu.writes() == []
    az("acr replication delete -n westus {} --allow-home-replica".format(REG))
    assert writes(emu) == [("DELETE", "westus")]


def test_home_replica_is_found_by_location_not_name(az, emu):
    admin(emu.url, emu.cert_path, "registries", {"group": "demo-rg", "name": "customhome", "location": "westus",
                                                 "home_replica_name": "primary"})
    emu.add_replicas("customhome", "eastus")
    emu.knobs(operation_seconds=0)
    refused = az("acr replication delete -r customhome -n primary --yes", expect=1)
    assert "home replica" in refused.stderr and "westus" in refused.stderr
    assert emu.writes() == []
    az("acr replication delete -r customhome -n eastus --yes")  # a geo-replica: allowed
    assert writes(emu) == [("DELETE", "eastus")]


def test_stale_cached_home_region_does_not_refuse_a_geo_replica(az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0)
    az("acr replication list {}".format(REG))  # remembers the registry's group and home region
    cache = os.path.join(az.config_dir, "acr_replication_groups.json")
    with open(cache) as handle:
        entries = json.load(handle)
    for entry in entries.values():
        entry["location"] = "eastus"  # wrong: the registry's home is westus
    with open(cache, "w") as handle:
        json.dump(entries, handle)
    emu.clear_log()
    az("acr replication delete -n eastus {} --yes".format(REG))
    gets = [e["path"] for e in emu.requests() if e["method"] == "GET"]
    assert any(p.endswith("/registries/demopremium") for p in gets)  # the refusal was checked by a GET
    assert writes(emu) == [("DELETE", "eastus")]
