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
        return '{}: {}'.format(code, message) if code else message
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
