"""`az extension add` of the wheel and what az then runs, through the real az: the install prints nothing, the
extension is listed with the wheel's version, the only note afterwards is azure-cli's own (the built-in group is
altered), and the commands run from the installed wheel, never from the checkout."""
import os

import pytest

from tests.azcli import ROOT, Az, wheel_path

pytestmark = pytest.mark.e2e


def test_extension_add_from_wheel_prints_no_warning(emu, guard_log, tmp_path):
    az_fresh = Az(emu, str(tmp_path / "config"), str(tmp_path / "extensions"), guard_log)
    result = az_fresh(["extension", "add", "--source", wheel_path(), "--yes"])
    assert result.stderr.strip() == "" and result.stdout.strip() == ""
    listed = az_fresh("extension list").json
    version = os.path.basename(wheel_path()).split("-")[1]
    assert [(e["name"], e["version"]) for e in listed] == [("acr-replication", version)]
    shown = az_fresh("acr replication list --help")
    assert [line for line in shown.stderr.splitlines() if line.strip()] == [
        "WARNING: The behavior of this command has been altered by the following extension: acr-replication"]


def test_az_runs_the_installed_wheel_not_the_checkout(az):
    result = az("extension show --name acr-replication --query path -o tsv")
    installed = result.stdout.strip()
    assert installed and not os.path.abspath(installed).startswith(ROOT + os.sep + "azext")
    assert os.path.exists(os.path.join(installed, "azext_acr_replication", "custom.py"))
    assert az.cwd != ROOT and not os.path.exists(os.path.join(az.cwd, "azext_acr_replication"))
