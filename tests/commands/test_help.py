"""The help of every command, read as azure-cli prints it (through the real `az` with the extension): the
built-in's hints kept, no doubled defaults, no ACR Tasks wording, one noun, examples for every command, and what
each command promises (how repeated options combine, what --no-wait and wait do, what sync deletes)."""
import re

import pytest

from tests.azcli import fresh_az

pytestmark = pytest.mark.e2e

COMMANDS = ["list", "show", "create", "update", "delete", "wait", "sync", "status"]


@pytest.fixture(scope="module")
def helps(emu, ours_template, guard_log, tmp_path_factory):
    az = fresh_az(emu, ours_template, str(tmp_path_factory.mktemp("help") / "azure"), guard_log)
    texts = {"group": az("acr replication --help").stdout}
    for command in COMMANDS:
        texts[command] = az(f"acr replication {command} --help").stdout
    return texts


def argument_help(text, option):
    """The help of one argument (its lines until the next argument) from `--help` output."""
    match = re.search(rf"^    {re.escape(option)}\b.*?(?=^    --|^\S|\Z)", text, flags=re.M | re.S)
    return " ".join(match.group(0).split()) if match else None


@pytest.mark.parametrize("command", COMMANDS)
def test_no_default_is_said_twice(helps, command):
    text = " ".join(helps[command].split())
    assert not re.search(r"Default: (\S+?)\.? +Default: \1", text), text


@pytest.mark.parametrize("command", COMMANDS)
def test_no_acr_tasks_wording_and_one_noun(helps, command):
    text = " ".join(helps[command].split())
    assert "queuing" not in text and "the run" not in text
    assert "replicated region" not in text  # the thing is a replica (ARM: a replication) everywhere


@pytest.mark.parametrize("command", COMMANDS)
def test_resource_group_keeps_the_builtins_default_hint(helps, command):
    assert "az configure --defaults group=<name>" in argument_help(helps[command], "--resource-group -g")


@pytest.mark.parametrize("command", ["create", "sync"])
def test_location_and_zone_redundancy_keep_the_builtins_hints(helps, command):
    assert "az configure --defaults location=<location>" in argument_help(helps[command], "--location -l")
    assert "https://aka.ms/acr/az" in argument_help(helps[command], "--zone-redundancy")


def test_no_wait_says_what_it_does_here_in_one_text(helps):
    texts = {command: argument_help(helps[command], "--no-wait") for command in ("create", "update", "delete", "sync")}
    assert all(texts.values()), texts
    assert len(set(texts.values())) == 1, texts
    assert "az acr replication wait" in next(iter(texts.values()))


def test_wait_says_a_timeout_exits_1_and_uses_real_states(helps):
    text = " ".join(helps["wait"].split())
    assert "exits 1" in text
    assert "InProgress" not in text  # replications have no such state (ARM: Creating, Updating, ...)
    assert "--custom \"provisioningState=='Failed'\"" in text


@pytest.mark.parametrize("command", ["status", "wait"])
def test_read_only_commands_do_not_list_the_policy_arguments_they_refuse(helps, command):
    if "--acquire-policy-token" not in helps["create"]:  # the write commands keep them, where azure-cli has them
        pytest.skip("this azure-cli has no Global Policy Arguments (added in 2.91)")
    assert "--acquire-policy-token" not in helps[command] and "--change-reference" not in helps[command]


def test_sync_shows_a_file_says_what_deletes_and_reviews_before_applying(helps):
    text = helps["sync"]
    assert "registries:" in text and "locations: [japaneast, eastus]" in text
    flat = " ".join(text.split())
    assert "delete without asking" in flat and "plus the home region" in flat and "exactly" not in flat
    examples = flat[flat.index("Examples"):]
    assert "&&" not in examples and "--dry-run" in examples


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_examples_that_start_with_az(helps, command):
    examples = helps[command].split("Examples", 1)[1]
    lines = [line.strip() for line in examples.splitlines() if line.startswith("        az ")]
    assert lines and all(line.startswith("az acr replication ") for line in lines)


def test_help_has_examples_for_every_command(helps):
    for command in ("list", "show", "create", "update", "delete", "wait", "sync"):
        assert "Examples" in helps[command], command
        # the built-in acr module's 'acr' argument context still applies to our commands: not its wording
        assert "queuing the run" not in helps[command], command
    assert "--wait-ready" in helps["create"]


@pytest.mark.parametrize("command, option", [("create", "-l"), ("sync", "-l"), ("status", "--image"),
                                             ("status", "--repository"), ("update", "--tags")])
def test_help_says_how_repeated_options_combine(helps, command, option):
    text = " ".join(helps[command].split())
    assert "Repeat the option or give several values: {0} a {0} b c is {0} a b c.".format(option) in text
