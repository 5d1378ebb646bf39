# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-positional-arguments,too-many-arguments
"""`status --image`, `--repository` and `--all-repositories`: wire the az login identity, one client per
regional endpoint (tokens for every scope the command needs asked for together), what --wait reads from ARM,
the watch or the catalog read, and the verdict (exit 0 / 1 / 3) together."""
import functools
import time

from knack.log import get_logger

from azext_acr_replication.images import report as image_report
from azext_acr_replication.replicas.status import (regional_endpoints, regional_endpoints_enabled, replicas_with_home,
                                                   with_unlisted_replicas)
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


def make_endpoints(cli_ctx, registry, scopes=()):
    """One EndpointClient (and its tokens) per endpoint, TLS verified as azure-cli does for ARM
    (AZURE_CLI_DISABLE_CONNECTION_VERIFICATION, REQUESTS_CA_BUNDLE); scopes: every one the command will need,
    asked for in as few token requests as the service allows; the registry's roleAssignmentMode names the
    role a refusal needs."""
    from azure.cli.core._debug import change_ssl_cert_verification_track2
    from azure.cli.core.util import get_az_user_agent
    from azext_acr_replication.images.endpoint import Endpoints
    return Endpoints(aad_token_provider(cli_ctx), identity=signed_in_name(cli_ctx), registry=registry.get('name'),
                     user_agent=get_az_user_agent(),
                     connection_verify=change_ssl_cert_verification_track2().get('connection_verify', True),
                     role_mode=(registry.get('properties') or {}).get('roleAssignmentMode'), scopes=scopes)


def make_checker(cli_ctx, registry, images):
    """check(target, image) -> digest or None; one token request per endpoint covers every image's repository."""
    from azext_acr_replication.images.endpoint import repository_scope
    endpoints = make_endpoints(cli_ctx, registry, [repository_scope(i.repository, 'pull') for i in images])

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
        models = with_unlisted_replicas(self._registry, self._list_replicas(), self._get_replica)
        _, listed = replicas_with_home(self._registry, models)
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


def require_regional_endpoints(registry, what='whether it has an image', option='--image'):
    from azure.cli.core.azclierror import ValidationError
    name = registry.get('name')
    if not regional_endpoints_enabled(registry):
        error = ValidationError(f"Regional endpoints are disabled on registry '{name}', so a replica cannot be "
                                f"asked on its own {what}.")
        error.set_recommendation(f"Enable them (Premium, preview) with 'az acr update -n {name} --regional-endpoints "
                                 f"enabled', or run 'az acr replication status' without {option}.")
        raise error


def check_images(cmd, registry, replicas, images, wait, timeout, progress, arm=None, started=None):
    """(the JSON result, None or (the one error line, exit code)). arm: an ArmView, followed with wait;
    started: when the command began (clock of time.monotonic), so that --timeout covers all of it."""
    name = registry.get('name')
    require_regional_endpoints(registry)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    started = time.monotonic() if started is None else started
    watch = Watch(image_report.targets(registry, replicas), images, make_checker(cmd.cli_ctx, registry, images),
                  wait=wait,
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


# --- status --repository -------------------------------------------------------------------------------------
def _repository_progress(board, elapsed):
    parts = []
    for repository in board.images:
        waiting = [t.location for t in board.pending(repository)]
        parts.append(f"{repository}: {len(board.current()) - len(waiting)}/{len(board.current())} regions alike" +
                     (f" (waiting: {', '.join(waiting)})" if waiting else ''))
    return f"{int(elapsed)} s: " + '; '.join(parts)


def check_repositories(cmd, registry, replicas, repositories, wait, timeout, progress, arm=None, started=None,
                       began_at=None):
    """`status --repository`: (the JSON result, None or (the one error line, exit code)). began_at: when the
    command began (epoch seconds): tags pushed after it are not judged by a single read."""
    from azext_acr_replication.images import repositories as repository_report
    from azext_acr_replication.images.endpoint import repository_scope
    name = registry.get('name')
    require_regional_endpoints(registry, 'which tags it holds', '--repository')
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    started = time.monotonic() if started is None else started
    refs = [repository_report.RepositoryRef(r) for r in repositories]
    endpoints = make_endpoints(cmd.cli_ctx, registry, [repository_scope(r, 'metadata_read') for r in repositories])
    watch = Watch(image_report.targets(registry, replicas), refs, repository_report.check_with(endpoints.client),
                  wait=wait, timeout=max(0.0, timeout - (time.monotonic() - started)), arm=arm,
                  board_class=functools.partial(repository_report.RepositoryBoard, set_aside=not wait,
                                                started=began_at),
                  on_progress=lambda board, elapsed: progress.add(message=_repository_progress(board, elapsed)))
    try:
        board = watch.run()
    finally:
        progress.end()
    result = repository_report.report(name, board, waited=watch.elapsed() if wait else None,
                                      timed_out=watch.timed_out)
    failure = repository_report.verdict(name, board, result, stuck=watch.stuck,
                                        timed_out_after=time.monotonic() - started if watch.timed_out else None)
    return result, failure


# --- status --all-repositories -------------------------------------------------------------------------------
def _catalog_progress(scan, rates):
    from azext_acr_replication.images.catalog import progress_of, progress_text
    parts = []
    for read in scan.others:
        if read.failed:
            parts.append(f"{read.location} {getattr(read.error, 'kind', 'error')}")
        elif read.totals.at_home:
            rate = rates.get(read.location)
            parts.append(f'{read.location} {progress_text(progress_of(read.totals, rate, time.monotonic()))}')
    return f"read {scan.read} repositories" + (f"; {', '.join(parts)}" if parts else '')


def check_all_repositories(cmd, registry, replicas, get_registry, list_replicas, wait, deadline, progress):
    """`status --all-repositories`: (the JSON result, None or (the one error line, exit code)). With wait,
    get_registry() and list_replicas() are read again before each read of the catalogs."""
    from azext_acr_replication.images import catalog
    from azext_acr_replication.images.endpoint import CATALOG_SCOPE
    require_regional_endpoints(registry, 'which repositories it holds', '--all-repositories')
    endpoints = make_endpoints(cmd.cli_ctx, registry, [CATALOG_SCOPE])
    first = [True]

    def read():
        if first[0]:
            first[0] = False
            return registry, replicas
        return get_registry(), list_replicas()

    def on_read(result):
        for region in result['regions']:
            if region['progress'] and region['state'] not in (catalog.HOME, catalog.SAME):
                logger.info("%s: %s of %s tags present (%s)", region['region'], region['progress']['tagsPresent'],
                            region['progress']['tagsAtHome'], catalog.progress_text(region['progress']))
    try:
        return catalog.follow(read, endpoints.client, wait, deadline,
                              on_progress=lambda scan, rates: progress.add(message=_catalog_progress(scan, rates)),
                              on_read=on_read)
    finally:
        progress.end()
