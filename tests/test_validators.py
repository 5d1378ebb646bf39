"""_validators.py: the arguments as az parses them, before any request. A registry name from a login server of any
cloud (with or without a DNL hash), --repository lists split and de-duplicated, exclusive image arguments, and only
options the user typed counting (not `az configure --defaults`)."""
from types import SimpleNamespace

import pytest

from azext_acr_replication._validators import ArgumentError, typed_options, validate_registry_name, \
    validate_repositories

pytestmark = pytest.mark.unit


def _cmd(suffix):
    """A command whose cloud's login-server suffix is suffix."""
    return SimpleNamespace(cli_ctx=SimpleNamespace(cloud=SimpleNamespace(
        suffixes=SimpleNamespace(acr_login_server_endpoint=suffix))))


@pytest.mark.parametrize("value, suffix, expected", [
    ("myreg", ".azurecr.io", "myreg"),
    ("myreg.azurecr.io", ".azurecr.io", "myreg"),
    ("myreg-e6cxh7aqdzhqa5cj.azurecr.io", ".azurecr.io", "myreg"),
    ("myreg.azurecr.cn", ".azurecr.cn", "myreg"),
    ("myreg-abc123.azurecr.us", ".azurecr.us", "myreg"),
    ("myreg.azurecr.cn", ".azurecr.io", "myreg"),  # any cloud's login server, whatever cloud az is in
])
def test_registry_name_from_a_login_server_of_the_clouds_suffix(value, suffix, expected):
    namespace = SimpleNamespace(registry_name=value)
    validate_registry_name(_cmd(suffix), namespace)
    assert namespace.registry_name == expected


def test_repository_arguments_are_split_deduplicated_and_exclusive():
    namespace = SimpleNamespace(registry_name="myreg", repository=["app,team/api", "app"], image=None,
                                all_repositories=False)
    validate_repositories(_cmd(".azurecr.io"), namespace)
    assert namespace.repository == ["app", "team/api"]
    with pytest.raises(ArgumentError, match="give one of"):
        validate_repositories(_cmd(".azurecr.io"), SimpleNamespace(registry_name="myreg", repository=["app"],
                                                                   image=["x"], all_repositories=True))


class FakeArgument:  # pylint: disable=too-few-public-methods
    def __init__(self, options):
        self.type = type("T", (), {"settings": {"options_list": options}})()


class FakeCmd:  # pylint: disable=too-few-public-methods
    def __init__(self, typed):
        self.cli_ctx = type("C", (), {"data": {} if typed is None else {"safe_params": typed}})()
        self.arguments = {
            "resource_group_name": FakeArgument(["--resource-group", "-g"]),
            # a deprecated option is a knack Deprecated object whose target is the old name
            "global_endpoint_routing": FakeArgument(["--global-endpoint-routing",
                                                     type("Deprecated", (), {"target": "--region-endpoint-enabled"})()])}


@pytest.mark.parametrize("typed, expected", [
    (["--file", "--dry-run"], []),                       # group= from az configure --defaults: not typed
    (["--file", "-g"], ["-g"]), (["--resource-group"], ["--resource-group"]),
    (["--resource-gr"], ["--resource-gr"]),              # an abbreviation argparse accepted
])
def test_only_typed_options_count_not_configured_defaults(typed, expected):
    assert typed_options(FakeCmd(typed), "resource_group_name") == expected
    assert typed_options(FakeCmd(["--region-endpoint-enabled"]), "global_endpoint_routing") == [
        "--region-endpoint-enabled"]
