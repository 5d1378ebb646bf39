# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Turning SDK exceptions into one line a person can act on, telling which ones are worth a retry, and ending
a command with an error after its result is printed."""


class ReplicationError(Exception):
    """Base of the extension's own errors: the command's exception handler turns any of them into one
    line with exit code 1, so none can end in a traceback."""


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


def lro_failed(error):
    """True when a long-running operation was accepted and later ended Failed or Canceled."""
    from azure.core.polling.base_polling import OperationFailed
    return isinstance(getattr(error, '__cause__', None), OperationFailed)


def is_conflict(error):
    """409 on a write: another operation on the replica or the registry is still running."""
    return status_code(error) == 409 and not lro_failed(error)


# error codes of a failed operation that name a fault of the service, not of the request: ARM's generic codes for
# its 5xx answers (InternalServerError, ServiceUnavailable, GatewayTimeout) and the ones resource providers use for
# an operation worth repeating (ServerTimeout, RetryableError, OperationTimedOut). Classified by code, never by
# message: no recording shows the text of a failed replication operation.
TRANSIENT_CODES = frozenset(code.lower() for code in (
    'InternalServerError', 'InternalError', 'ServiceUnavailable', 'GatewayTimeout', 'ServerTimeout',
    'RetryableError', 'OperationTimedOut'))


def error_code(error):
    return getattr(getattr(error, 'error', None), 'code', None)


def is_transient_failure(error):
    """An LRO that ARM ended Failed with an error code of the service's own faults (TRANSIENT_CODES): the next try
    can work."""
    return lro_failed(error) and str(error_code(error) or '').lower() in TRANSIENT_CODES


def retry_after_seconds(headers, now=None):
    """Seconds to wait from the headers azure-core reads too: retry-after-ms, x-ms-retry-after-ms, or Retry-After
    as delay-seconds or an HTTP date (RFC 9110); None when there is none (or it cannot be read)."""
    import email.utils
    import time
    headers = headers or {}
    for name in ('retry-after-ms', 'x-ms-retry-after-ms'):
        try:
            return max(0.0, float(headers.get(name)) / 1000.0)
        except (TypeError, ValueError):
            pass
    value = headers.get('Retry-After')
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value)).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def retry_after(error):
    """Seconds from a Retry-After header on the error's response, or None."""
    return retry_after_seconds(getattr(getattr(error, 'response', None), 'headers', None))


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


def is_tls_error(error):
    """A certificate or TLS failure, which azure-cli's own handler explains (proxy, CA bundle)."""
    import ssl
    inner = getattr(error, 'inner_exception', None)
    seen = set()
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        if isinstance(inner, ssl.SSLError) or type(inner).__name__ == 'SSLError':
            return True
        inner = getattr(inner, '__context__', None) or getattr(inner, '__cause__', None)
    return False


def exit_after_output(cli_ctx, message, exit_code=1):
    """Let azure-cli print the result (-o, --query as usual), then write `message` as the one error line on
    stderr and end with `exit_code`.

    A command handler can return a result or raise, not both; an incomplete fleet plan or image status
    matters most to the script that reads it. knack raises EVENT_CLI_SUCCESSFUL_EXECUTE after printing
    the result and turns a SystemExit raised there into the process's exit code."""
    from knack.events import EVENT_CLI_SUCCESSFUL_EXECUTE
    from knack.log import get_logger

    def fail(*_, **__):
        get_logger(__name__).error(message)
        raise SystemExit(exit_code)
    cli_ctx.register_event(EVENT_CLI_SUCCESSFUL_EXECUTE, fail)
