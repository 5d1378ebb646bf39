# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Turning SDK exceptions into one line a person can act on."""


def describe(error):
    """'Code: message' from an ARM error, else the exception's first line."""
    inner = getattr(error, 'error', None)
    code = getattr(inner, 'code', None)
    message = getattr(inner, 'message', None)
    if message:
        return f'{code}: {message}' if code else message
    text = str(error).strip() or type(error).__name__
    line = text.splitlines()[0]
    return line


def status_code(error):
    return getattr(error, 'status_code', None)


def auth_hint(error):
    """A next step for 401/403, or None."""
    code = status_code(error)
    if code == 401:
        return "The credentials were rejected or have expired. Run 'az login' and try again."
    if code == 403:
        return ("The signed-in identity may not change replications of this registry. It needs a role with "
                "'Microsoft.ContainerRegistry/registries/replications/*' (for example Contributor) on the "
                "registry or its resource group.")
    return None


# PATCH is left out of azure-core's retry list (not idempotent in general); ours only sets tags
# and routing to given values, so repeating it is harmless.
RETRY_PATCH = {'retry_on_methods': frozenset(['HEAD', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'])}


def handle_exception(error):
    """Command exception handler: 401/403 and unreachable ARM become one line saying what to do."""
    from azure.cli.core import azclierror
    code = status_code(error)
    hint = auth_hint(error) if code in (401, 403) else None
    if hint:
        kind = azclierror.UnauthorizedError if code == 401 else azclierror.ForbiddenError
        new = kind(f'ARM refused the request ({code}): {describe(error)}')
        new.set_recommendation(hint)
        raise new from None
    from azure.core.exceptions import ServiceRequestError
    if isinstance(error, ServiceRequestError):
        raise azclierror.AzureConnectionError(
            f'Could not reach Azure Resource Manager: {describe(error)}. Check the network and proxy settings, then '
            'run the command again; it is safe to repeat.') from None
    raise error
