"""Shipped the way teams install extensions: `make release`'s index entry, served from a loopback HTTP server as a
team's own extension index, through azure-cli's own `az extension add/update/remove`. Installing is the subject:
every az here is its own process (az.process), as a team's shell runs it, never the warm interpreter."""
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile

import pytest

from tests.azcli import ROOT, Az, wheel_path
from tools.release import index_entry, wheel_metadata, write_index

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def serving(directory):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:{}".format(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def bumped_wheel(workdir):
    """The same source with the patch version raised by one: what the next release would be."""
    source = os.path.join(workdir, "src")
    os.makedirs(source)
    for name in ("setup.py", "README.md", "HISTORY.rst"):
        shutil.copy(os.path.join(ROOT, name), source)
    shutil.copytree(os.path.join(ROOT, "azext_acr_replication"), os.path.join(source, "azext_acr_replication"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    setup = os.path.join(source, "setup.py")
    text = open(setup).read()
    current = re.search(r"VERSION = '(\d+)\.(\d+)\.(\d+)'", text)
    new = "{}.{}.{}".format(current.group(1), current.group(2), int(current.group(3)) + 1)
    with open(setup, "w") as handle:
        handle.write(text.replace(current.group(0), "VERSION = '{}'".format(new)))
    out = os.path.join(workdir, "out")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out,
                    source], check=True, capture_output=True, cwd=workdir)
    return os.path.join(out, os.listdir(out)[0]), new


def test_release_entry_has_what_azure_clis_index_carries():
    entry = index_entry(wheel_path(), "https://example.invalid/ext")
    metadata = entry["metadata"]
    with zipfile.ZipFile(wheel_path()) as wheel:
        azext = json.loads(wheel.read("azext_acr_replication/azext_metadata.json"))
    assert entry["filename"] == os.path.basename(wheel_path())
    assert entry["downloadUrl"] == "https://example.invalid/ext/" + entry["filename"]
    assert len(entry["sha256Digest"]) == 64
    assert metadata["name"] == "acr-replication" and metadata["azext.minCliCoreVersion"] == azext[
        "azext.minCliCoreVersion"]
    assert metadata["version"] in entry["filename"] and metadata["license"] == "MIT"
    assert metadata["extensions"]["python.details"]["project_urls"]["Home"]
    assert "run_requires" not in metadata  # the extension installs nothing of its own
    assert wheel_metadata(wheel_path()) == metadata


def test_install_update_and_remove_from_a_teams_own_index(emu, guard_log, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    first = shutil.copy(wheel_path(), str(served))
    second_built, second_version = bumped_wheel(str(tmp_path / "build"))
    first_version = wheel_metadata(first)["version"]
    az = Az(emu, str(tmp_path / "config"), str(tmp_path / "extensions"), guard_log)
    os.makedirs(str(tmp_path / "extensions"))
    index = str(served / "index.json")
    with serving(str(served)) as url:
        write_index(index, index_entry(first, url))
        az.process("config set extension.index_url={}/index.json".format(url))
        az.process("extension add --name acr-replication --yes")
        listed = az.process("extension list").json
        assert [(e["name"], e["version"]) for e in listed] == [("acr-replication", first_version)]
        assert "altered by the following extension" in az.process("acr replication list --help").stderr
        assert [e["name"] for e in az.process("extension list-available").json if e["name"] == "acr-replication"]

        shutil.copy(second_built, str(served))
        write_index(index, index_entry(os.path.join(str(served), os.path.basename(second_built)), url))
        assert len(json.load(open(index))["extensions"]["acr-replication"]) == 2  # both versions offered
        az.process("extension update --name acr-replication")
        assert [(e["name"], e["version"]) for e in az.process("extension list").json] == [
            ("acr-replication", second_version)]
        assert "status" in az.process("acr replication --help").stdout  # the updated extension's commands

    az.process("extension remove --name acr-replication")
    assert az.process("extension list").json == []
    builtin_help = az.process("acr replication list --help")
    assert "altered by the following extension" not in builtin_help.stderr
    assert az.process("acr replication status -r demopremium", expect=2).code == 2  # the built-in has no status


@pytest.mark.parametrize("bad", ["0" * 64])
def test_a_wrong_digest_in_the_index_is_refused_by_azure_cli(emu, guard_log, tmp_path, bad):
    served = tmp_path / "served"
    served.mkdir()
    wheel = shutil.copy(wheel_path(), str(served))
    az = Az(emu, str(tmp_path / "config"), str(tmp_path / "extensions"), guard_log)
    os.makedirs(str(tmp_path / "extensions"))
    with serving(str(served)) as url:
        entry = index_entry(wheel, url)
        entry["sha256Digest"] = bad
        write_index(str(served / "index.json"), entry)
        az.process("config set extension.index_url={}/index.json".format(url))
        result = az.process("extension add --name acr-replication --yes", expect=1)
    assert "checksum" in result.stderr.lower()
    assert az.process("extension list").json == []
