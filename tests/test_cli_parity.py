"""Drop-in parity with the built-in command table of the azure-cli under test (issue 11).

The BUILT-IN acr module's `az acr replication` commands and arguments are loaded from the az under test
(an empty extension dir), ours from the same az with the wheel installed. Every option name the built-in
accepts (long and short), with its enum values, must be accepted by ours, unless listed below with a
reason. Runs under `make test` (azure-cli 2.91.0) and `make compat` (2.75.0, 2.86.0): on 2.75 the built-in's
routing flag is `--region-endpoint-enabled`, on 2.86 it has both names (the old one deprecated by a breaking-change
announcement), from 2.87 only `--global-endpoint-routing`.
"""
import json
import os
import subprocess

import pytest

from tests.azcli import AZ, ROOT

DUMP = os.path.join(ROOT, "tests", "tools", "dump_command_args.py")

# (command, option) -> why ours does not accept it. Empty: ours accepts everything the built-in does.
DROPPED = {}
# option -> why ours marks it deprecated where the built-in of the release under test does not
DEPRECATED_BY_US = {"--region-endpoint-enabled": "azure-cli deprecates it from 2.86 and removes it in 2.87; ours warns "
                                                 "on every release (2.75-2.85 offer only this name, as preview)"}


def command_table(extension_dir, config_dir):
    python = os.path.join(os.path.dirname(AZ), "python")
    env = {"PATH": os.environ.get("PATH", ""), "AZURE_EXTENSION_DIR": extension_dir,
           "AZURE_CONFIG_DIR": config_dir, "AZURE_CORE_COLLECT_TELEMETRY": "false",
           "HOME": os.environ.get("HOME", "/tmp")}
    out = subprocess.run([python, DUMP, "acr replication"], env=env, capture_output=True, text=True, timeout=300,
                         cwd=os.path.dirname(config_dir))
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def options_of(arguments):
    """option name -> (dest, choices) for every name on the command line (long and short)."""
    found = {}
    for dest, argument in arguments.items():
        for option in argument["options"]:
            if not option.startswith("--__"):
                found[option] = (dest, argument["choices"])
    return found


@pytest.fixture(scope="module")
def tables(builtin_template, ours_template, tmp_path_factory):
    builtin = command_table(builtin_template[1], str(tmp_path_factory.mktemp("parity") / "builtin"))
    ours = command_table(ours_template[1], str(tmp_path_factory.mktemp("parity") / "ours"))
    return builtin, ours


def test_the_builtin_table_was_really_loaded(tables):
    builtin, ours = tables
    assert {"acr replication create", "acr replication list", "acr replication show", "acr replication update",
            "acr replication delete"} <= set(builtin)
    assert "acr replication sync" not in builtin and "acr replication sync" in ours  # the extension is loaded


@pytest.mark.parametrize("command", ["create", "list", "show", "update", "delete"])
def test_ours_accepts_every_option_and_enum_value_of_the_builtin(tables, command):
    builtin, ours = tables
    name = "acr replication " + command
    theirs, mine = options_of(builtin[name]), options_of(ours[name])
    problems = []
    for option, (_, choices) in sorted(theirs.items()):
        if (command, option) in DROPPED:
            continue
        if option not in mine:
            problems.append(f"{option} is not accepted")
            continue
        my_choices = mine[option][1]
        if choices and not (my_choices and {c.lower() for c in choices} <= {c.lower() for c in my_choices}):
            problems.append(f"{option} takes {choices}, ours {my_choices}")
    assert problems == [], f"az {name}: " + "; ".join(problems)


def test_dropped_options_are_still_offered_by_the_builtin(tables):
    builtin, _ = tables
    for (command, option), reason in DROPPED.items():
        assert reason and option in options_of(builtin["acr replication " + command]), (command, option)


def deprecated_options(arguments):
    return {option for argument in arguments.values() for option in argument["deprecated"]}


def test_renamed_routing_flag_is_a_deprecated_alias(tables):
    _, ours = tables
    for command in ("create", "update", "sync"):
        arguments = ours["acr replication " + command]
        assert arguments["global_endpoint_routing"]["options"] == ["--global-endpoint-routing"]
        assert arguments["global_endpoint_routing"]["deprecated"] == []  # azure-cli 2.86 tagged it (issue 19)
        assert arguments["region_endpoint_enabled"]["options"] == ["--region-endpoint-enabled"]
        assert arguments["region_endpoint_enabled"]["deprecated"] == ["--region-endpoint-enabled"]


@pytest.mark.parametrize("command", ["create", "list", "show", "update", "delete"])
def test_ours_deprecates_what_the_builtin_deprecates_and_nothing_else(tables, command):
    builtin, ours = tables
    name = "acr replication " + command
    theirs = deprecated_options(builtin[name])
    mine = deprecated_options(ours[name]) & set(options_of(builtin[name]))
    assert theirs <= mine, f"az {name}: the built-in deprecates {sorted(theirs - mine)}, ours does not"
    extra = {option for option in mine - theirs if option not in DEPRECATED_BY_US}
    assert extra == set(), f"az {name}: ours deprecates {sorted(extra)}, the built-in does not"
