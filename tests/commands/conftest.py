"""Fixtures of the command tests (besides tests/conftest.py's)."""
import pytest

from tests.helpers import command_table


@pytest.fixture(scope="session")
def tables(builtin_template, ours_template, tmp_path_factory):
    """The built-in's command table (the az under test, no extension) and ours (the wheel installed): read once per
    worker, it takes two az start-ups."""
    builtin = command_table(builtin_template[1], str(tmp_path_factory.mktemp("parity") / "builtin"))
    ours = command_table(ours_template[1], str(tmp_path_factory.mktemp("parity") / "ours"))
    return builtin, ours
