"""The extension's loader, which runs on every `az acr ...` call: its command table and arguments as azdev's linter
would check them (azdev cannot start offline): help and examples for every command, help for every parameter, short
option names, --no-wait only with a wait command, delete confirms, the registry's configured default; and its import
cost (the loader path imports no SDK)."""
import os

import pytest
import yaml
from azure.cli.core.mock import DummyCli
from knack.help_files import helps

from azext_acr_replication import AcrReplicationCommandsLoader

pytestmark = pytest.mark.unit

GROUP = "acr replication"


@pytest.fixture(scope="module")
def loaded():
    loader = AcrReplicationCommandsLoader(cli_ctx=DummyCli())
    loader.skip_applicability = True  # no invocation here: register every argument context
    table = loader.load_command_table(None)
    for name in table:
        loader.command_name = name
        table[name].load_arguments()
        loader.load_arguments(name)
    for name, command in table.items():  # what the CLI does with the registries at invocation time
        for dest, argument in loader.extra_argument_registry[name].items():
            command.arguments[dest] = argument
        for dest in command.arguments:
            command.update_argument(dest, loader.argument_registry.get_cli_argument(name, dest))
    return table


def test_command_set(loaded):
    assert sorted(loaded) == sorted(GROUP + " " + c for c in
                                    ("create", "list", "show", "update", "delete", "wait", "sync", "status", "probe",
                                     "drain", "undrain"))


def test_group_and_every_command_have_help_and_examples(loaded):
    assert yaml.safe_load(helps[GROUP])["short-summary"]
    for name in loaded:
        entry = yaml.safe_load(helps[name])
        assert entry["short-summary"], name
        assert entry.get("examples"), name
        for example in entry["examples"]:
            assert example["text"].startswith("az " + name), (name, example["text"])


def test_every_parameter_has_help(loaded):
    missing = []
    for name, command in loaded.items():
        for dest, argument in command.arguments.items():
            if dest in ("cmd", "client") or argument.type.settings.get("help") == "==SUPPRESS==":
                continue
            if not argument.type.settings.get("help"):
                missing.append("{} {}".format(name, dest))
    assert not missing


def excluded(command, dest, rule):
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "linter_exclusions.yml")
    with open(path) as handle:
        exclusions = yaml.safe_load(handle) or {}
    params = (exclusions.get(command) or {}).get("parameters") or {}
    return rule in ((params.get(dest) or {}).get("rule_exclusions") or [])


def test_option_names_are_short_unless_excluded_with_a_reason(loaded):
    for name, command in loaded.items():
        for dest, argument in command.arguments.items():
            for option in argument.type.settings.get("options_list") or []:
                option = str(getattr(option, "target", option))  # a deprecated alias is a Deprecated object
                if len(option) > 22:
                    assert excluded(name, dest, "option_length_too_long"), (name, option)


def test_no_wait_commands_have_a_wait_command_and_delete_confirms(loaded):
    assert any(cmd.supports_no_wait for cmd in loaded.values())
    assert GROUP + " wait" in loaded
    assert loaded[GROUP + " delete"].confirmation


def test_registry_has_configured_default(loaded):
    for name, command in loaded.items():
        assert command.arguments["registry_name"].type.settings.get("configured_default") == "acr", name


def test_loader_path_imports_no_sdk():
    """The extension loads on every `az acr ...` call: its loader, command table and params import no SDK."""
    import subprocess
    import sys
    code = (
        "import sys, azure.cli.core\n"
        "from azure.cli.core.mock import DummyCli\n"
        "before = set(sys.modules)\n"
        "from azext_acr_replication import AcrReplicationCommandsLoader\n"
        "loader = AcrReplicationCommandsLoader(cli_ctx=DummyCli())\n"
        "loader.skip_applicability = True\n"
        "for name in loader.load_command_table(None):\n"
        "    loader.command_name = name\n"
        "    loader.load_arguments(name)\n"
        "new = sorted(m for m in set(sys.modules) - before if m.startswith(('azure.mgmt', 'azure.core', 'requests')))\n"
        "print(new)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
