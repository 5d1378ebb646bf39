"""`make demo`: the extension against the local emulator, start to finish, in a project-local sandbox.

Nothing is written outside .local/demo: the az config and extension dirs live there, telemetry is
off, and every request goes to the emulator on 127.0.0.1 (anything else hits a closed proxy).
"""
import os
import shutil
import sys

from emulator.harness import running_emulator
from tests.azcli import ROOT, Az, make_template

SANDBOX = os.path.join(ROOT, ".local", "demo")
REGISTRY = "demopremium"  # seeded: Premium, home region westus, resource group demo-rg


def show(az, command, expect=0):
    print("$ az " + command, flush=True)
    result = az(command, expect=None)
    sys.stdout.write(result.stdout)
    for line in result.stderr.splitlines():
        if "altered by the following extension" not in line:
            print(line)
    print(flush=True)
    if result.code != expect:
        raise SystemExit(result.code or 1)
    if expect:
        print("(exit code {})\n".format(result.code))
    return result


def main():
    shutil.rmtree(SANDBOX, ignore_errors=True)
    os.makedirs(SANDBOX)
    guard_log = os.path.join(SANDBOX, "network-guard.log")
    with running_emulator(workdir=os.path.join(SANDBOX, "emulator")) as emu:
        print("Emulated ARM at {} (TLS certificate {})".format(emu.url, emu.cert_path))
        emu.knobs(operation_seconds=3, sync_seconds=4)
        print("Logging in to the emulator and installing the extension wheel (az extension add --source)...\n")
        config_dir, extension_dir = make_template(emu, os.path.join(SANDBOX, "az"), guard_log, with_extension=True)
        az = Az(emu, config_dir, extension_dir, guard_log)
        show(az, "acr replication create --registry {} --location japaneast".format(REGISTRY))
        show(az, "acr replication create --registry {} --location eastus westeurope --wait-ready -o table".format(REGISTRY))
        show(az, "acr replication list --registry {} -o table".format(REGISTRY))
        show(az, "acr replication sync --registry {} -l japaneast eastus --prune --dry-run -o table".format(REGISTRY))
        show(az, "acr update -n {} --regional-endpoints enabled --query regionalEndpointHostNames".format(REGISTRY))
        show(az, "acr replication status --registry {} -o table".format(REGISTRY))
        pushed = emu.push(REGISTRY, "hello", "v1", lag_seconds={"eastus": 2, "japaneast": 4, "westeurope": 6})
        print("Pushed hello:v1 ({}) to westus; it reaches eastus, japaneast and westeurope 2, 4 and 6 s "
              "later.\n".format(pushed["digest"][:19]))
        show(az, "acr replication status --registry {} --image hello:v1 -o table".format(REGISTRY), expect=1)
        show(az, "acr replication status --registry {} --image hello:v1 --wait --timeout 60 -o table".format(
            REGISTRY))
        writes = len(emu.writes())
        print("The emulator served {} ARM requests ({} writes) and {} registry requests. Stopping it.".format(
            len(emu.requests()), writes, len(emu.dataplane_requests())))


if __name__ == "__main__":
    main()
