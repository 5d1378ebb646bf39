"""_exception_handler.py: no exception of ours becomes a traceback. Every exception type the package defines is one
azure-cli prints as one line, handle_exception turns ours into azure-cli errors, and TLS errors are left for azure-cli's
own handler (its message about certificates)."""
import importlib
import inspect
import pkgutil

import pytest
from azure.core.exceptions import ServiceRequestError

import azext_acr_replication
from azext_acr_replication._exception_handler import handle_exception
from azext_acr_replication.arm import errors

pytestmark = pytest.mark.unit


def own_exception_types():
    found = []
    for info in pkgutil.walk_packages(azext_acr_replication.__path__, "azext_acr_replication."):
        module = importlib.import_module(info.name)
        found += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, BaseException) and obj.__module__ == module.__name__]
    return found


def test_every_exception_type_of_ours_ends_in_one_line():
    from azure.cli.core.azclierror import AzCLIError
    from azext_acr_replication._validators import ArgumentError
    types = own_exception_types()
    assert errors.ReplicationError in types and len(types) >= 5
    for kind in types:
        # ArgumentError: a validator's usage error (exit 2); the rest go through handle_exception
        assert issubclass(kind, (errors.ReplicationError, ArgumentError, AzCLIError)), kind


def test_handle_exception_turns_ours_into_one_azure_cli_error():
    from azure.cli.core.azclierror import AzureConnectionError, AzureResponseError
    from azext_acr_replication.arm.waiting import WaitTimeout
    with pytest.raises(AzureResponseError, match="Timed out"):
        handle_exception(WaitTimeout("Timed out after 2 s"))
    with pytest.raises(AzureConnectionError):
        handle_exception(ServiceRequestError("connection refused"))


def test_tls_errors_are_left_for_azure_clis_handler():
    from requests.exceptions import SSLError
    tls = ServiceRequestError("certificate verify failed", error=SSLError("certificate verify failed"))
    assert errors.is_tls_error(tls)
    with pytest.raises(ServiceRequestError):
        handle_exception(tls)
    assert not errors.is_tls_error(ServiceRequestError("connection refused"))
