# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-positional-arguments,too-many-arguments
"""`status --image`: wire the az login identity, one client per regional endpoint, what --wait reads from ARM,
the watch and the verdict (exit 0 / 1 / 3) together."""
import time

from knack.log import get_logger

from azext_acr_replication.images import report as image_report
from azext_acr_replication.replicas.status import regional_endpoints, regional_endpoints_enabled, replicas_with_home
from azext_acr_replication.images.watch import Watch
from azext_acr_replication.arm.values import provisioning_state
from azext_acr_replication.arm.deadline import DEFAULT_TIMEOUT

logger = get_logger(__name__)

ACR_AUDIENCE = 'https://containerregistry.azure.net'


def aad_token_provider(cli_ctx):
    """The az login identity's AAD token for the registry's token exchange, shared by all endpoints and
    acquired again when it expires (endpoint.AadToken). The audience follows `az config set
    acr.audience_resource=...` like `az acr login` does."""
    from azext_acr_replication.images.endpoint import AadToken

    def acquire():
        from azure.cli.core._profile import Profile
        from azure.cli.core.commands.client_factory import get_subscription_id
        configured = cli_ctx.config.get('acr', 'audience_resource', fallback=None)
        audience = ACR_AUDIENCE
        if configured:
            audience = configured if configured.startswith('https://') else f'https://{configured}.azure.net'
        creds, _, tenant = Profile(cli_ctx=cli_ctx).get_raw_token(
            subscription=get_subscription_id(cli_ctx), resource=audience)
        entry = creds[2] if len(creds) > 2 and isinstance(creds[2], dict) else {}
        return creds[1], tenant, entry.get('expires_on')
    return AadToken(acquire)


def signed_in_name(cli_ctx):
    """The az login's user or service principal (app id), as `az account show` gives it."""
    from azure.cli.core._profile import Profile
    from azure.cli.core.commands.client_factory import get_subscription_id
    return (Profile(cli_ctx=cli_ctx).get_subscription(get_subscription_id(cli_ctx)).get('user') or {}).get('name')


def make_checker(cli_ctx, registry_name):
    """check(target, image) -> digest or None, with one EndpointClient (and its tokens) per endpoint, TLS
    verified as azure-cli does for ARM (AZURE_CLI_DISABLE_CONNECTION_VERIFICATION, REQUESTS_CA_BUNDLE)."""
    from azure.cli.core._debug import change_ssl_cert_verification_track2
    from azure.cli.core.util import get_az_user_agent
    from azext_acr_replication.images.endpoint import Endpoints
    endpoints = Endpoints(aad_token_provider(cli_ctx), identity=signed_in_name(cli_ctx), registry=registry_name,
                          user_agent=get_az_user_agent(),
                          connection_verify=change_ssl_cert_verification_track2().get('connection_verify', True))

    def check(target, image):
        return endpoints.client(target.endpoint).manifest_digest(image.repository, image.reference)
    return check


class ArmView:
    """What --wait reads from ARM while it waits, for images/watch.py.

    get_registry() -> the registry's ARM JSON (read with the api-version that has regional endpoints);
    list_replicas() -> the SDK's replication models; get_replica(name) -> one, or None when it is gone."""

    def __init__(self, registry, get_registry, list_replicas, get_replica):
        self._registry = registry
        self._get_registry = get_registry
        self._list_replicas = list_replicas
        self._get_replica = get_replica

    def replica(self, name):
        model = self._get_replica(name)
        return None if model is None else provisioning_state(model)

    def replicas(self):
        _, listed = replicas_with_home(self._registry, self._list_replicas())
        return [(name, location, state) for name, location, state, _ in listed]

    def endpoints(self):
        self._registry = self._get_registry()
        return regional_endpoints(self._registry)


def _progress_message(board, elapsed):
    parts = []
    regions = len(board.current())
    for image in board.images:
        waiting = [t.location for t in board.pending(image)]
        parts.append(f"{image}: {regions - len(waiting)}/{regions} regions" +
                     (f" (waiting: {', '.join(waiting)})" if waiting else ''))
    return f"{int(elapsed)} s: " + '; '.join(parts)


def check_images(cmd, registry, replicas, images, wait, timeout, progress, arm=None, started=None):
    """(the JSON result, None or (the one error line, exit code)). arm: an ArmView, followed with wait;
    started: when the command began (clock of time.monotonic), so that --timeout covers all of it."""
    from azure.cli.core.azclierror import ValidationError
    name = registry.get('name')
    if not regional_endpoints_enabled(registry):
        error = ValidationError(f"Regional endpoints are disabled on registry '{name}', so a replica cannot be "
                                "asked on its own whether it has an image.")
        error.set_recommendation(f"Enable them (Premium, preview) with 'az acr update -n {name} --regional-endpoints "
                                 "enabled', or run 'az acr replication status' without --image.")
        raise error
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    started = time.monotonic() if started is None else started
    watch = Watch(image_report.targets(registry, replicas), images, make_checker(cmd.cli_ctx, name), wait=wait,
                  timeout=max(0.0, timeout - (time.monotonic() - started)), arm=arm,
                  on_progress=lambda board, elapsed: progress.add(message=_progress_message(board, elapsed)))
    try:
        board = watch.run()
    finally:
        progress.end()
    result = image_report.report(name, board, waited=watch.elapsed() if wait else None, timed_out=watch.timed_out)
    failure = image_report.verdict(name, board, result, stuck=watch.stuck,
                                   timed_out_after=time.monotonic() - started if watch.timed_out else None)
    if failure:
        for image in result['images']:
            for region in image['regions']:
                if region['state'] != 'present':
                    logger.warning("%s: %s %s%s", region['region'], image['image'], region['state'],
                                   f" ({region['detail']})" if region['detail'] else '')
    return result, failure
