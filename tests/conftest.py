import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from emulator.harness import running_emulator  # noqa: E402
from tests.azcli import fresh_az, make_template  # noqa: E402


KINDS = ("unit", "e2e", "journey")


def pytest_collection_modifyitems(items):
    """Every test says what it is (a module's pytestmark): `make unit` and friends select by it."""
    unmarked = [item.nodeid for item in items if sum(1 for kind in KINDS if item.get_closest_marker(kind)) != 1]
    if unmarked:
        raise pytest.UsageError("tests without exactly one of the markers {}: {}".format(
            ", ".join(KINDS), ", ".join(unmarked[:10])))


@pytest.fixture(scope="session")
def guard_log(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("guard") / "violations.log")
    open(path, "w").close()
    yield path
    with open(path) as handle:
        violations = handle.read()
    assert not violations, "requests tried to leave loopback:\n" + violations


@pytest.fixture(scope="session")
def emu(tmp_path_factory):
    with running_emulator(workdir=str(tmp_path_factory.mktemp("emulator"))) as running:
        yield running
        assert running.leaks() == [], "requests through the proxy to hosts that are not registries"


@pytest.fixture(scope="session")
def ours_template(emu, guard_log, tmp_path_factory):
    return make_template(emu, str(tmp_path_factory.mktemp("ours")), guard_log, with_extension=True)


@pytest.fixture(scope="session")
def builtin_template(emu, guard_log, tmp_path_factory):
    return make_template(emu, str(tmp_path_factory.mktemp("builtin")), guard_log, with_extension=False)


@pytest.fixture
def az(emu, ours_template, guard_log, tmp_path):
    """`az` with the extension installed, its own config dir, against a freshly reset emulator."""
    emu.reset()
    return fresh_az(emu, ours_template, str(tmp_path / "azure"), guard_log)


@pytest.fixture
def builtin_az(emu, builtin_template, guard_log, tmp_path):
    """`az` without the extension (the built-in commands), its own config dir."""
    emu.reset()
    return fresh_az(emu, builtin_template, str(tmp_path / "azure-builtin"), guard_log)
