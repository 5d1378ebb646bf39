# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The command group's exception handler: the extension's own errors and ARM's 401/403 and connection
failures become one line saying what to do; anything else goes on to azure-cli's handler."""
from azext_acr_replication.arm.errors import ReplicationError, auth_hint, describe, is_tls_error, status_code


def handle_exception(error):
    """Command exception handler: 401/403 and unreachable ARM become one line saying what to do."""
    from azure.cli.core import azclierror
    if isinstance(error, ReplicationError):
        raise azclierror.AzureResponseError(str(error)) from None
    code = status_code(error)
    hint = auth_hint(error) if code in (401, 403) else None
    if hint:
        kind = azclierror.UnauthorizedError if code == 401 else azclierror.ForbiddenError
        new = kind(f'ARM refused the request ({code}): {describe(error)}')
        new.set_recommendation(hint)
        raise new from None
    from azure.core.exceptions import ServiceRequestError
    if isinstance(error, ServiceRequestError) and not is_tls_error(error):
        raise azclierror.AzureConnectionError(
            f'Could not reach Azure Resource Manager: {describe(error)}. Check the network and proxy settings, then '
            'run the command again; it is safe to repeat.') from None
    raise error  # azure-cli's handler: its own advice for TLS/certificate errors, exit codes by status
