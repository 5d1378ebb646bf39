# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-arguments,too-many-positional-arguments
"""`status --image`, `--repository` and `--all-repositories` as one pipeline: the registry's snapshot (its
replicas and regional endpoints), a probe of the question asked (an artifact, a repository, the catalog), the
regions asked (the region poller, or the catalog's streamed reads), the report, and its verdict (exit 0, 1 or 3).
Time is the command's Deadline throughout."""
from knack.log import get_logger

from azext_acr_replication.images import artifacts, catalog, repositories
from azext_acr_replication.images.artifact import INDEX_TYPES
from azext_acr_replication.images.poller import RegionPoller
from azext_acr_replication.images.session import make_endpoints
from azext_acr_replication.replicas.status import regional_endpoints_enabled

logger = get_logger(__name__)

IMAGE, REPOSITORY, CATALOG = '--image', '--repository', '--all-repositories'
WHAT = {IMAGE: 'whether it has an image', REPOSITORY: 'which tags it holds',
        CATALOG: 'which repositories it holds'}


class Question:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """What the command asks: option (IMAGE, REPOSITORY, CATALOG), its items (ImageRefs, repository names), wait,
    and the options of an image's whole artifact (platforms, referrers, blobs) or a repository's (manifests)."""

    def __init__(self, option, items=(), wait=False, platforms=None, referrers='all', blobs=False, manifests=False):
        self.option = option
        self.items = list(items)
        self.wait = wait
        self.platforms = platforms or []
        self.referrers = referrers
        self.blobs = blobs
        self.manifests = manifests


def require_regional_endpoints(snapshot, option):
    from azure.cli.core.azclierror import ValidationError
    if not regional_endpoints_enabled(snapshot.registry):
        error = ValidationError(f"Regional endpoints are disabled on registry '{snapshot.name}', so a replica cannot "
                                f"be asked on its own {WHAT[option]}.")
        error.set_recommendation(f"Enable them (Premium, preview) with 'az acr update -n {snapshot.name} "
                                 f"--regional-endpoints enabled', or run 'az acr replication status' without {option}.")
        raise error


def answer(cli_ctx, snapshot, question, deadline, progress):
    """(the JSON result, None or (the error line, exit code)) for the question, asked of every region."""
    require_regional_endpoints(snapshot, question.option)
    if question.option == CATALOG:
        return _catalog(cli_ctx, snapshot, question, deadline, progress)
    if question.option == IMAGE:
        endpoints = make_endpoints(cli_ctx, snapshot.registry, [])
        probe = artifacts.ArtifactProbe(question.items, endpoints.client, snapshot.home_target, question.platforms,
                                        question.referrers, question.blobs)
        module, tell = artifacts, _image_progress
    else:
        endpoints = make_endpoints(cli_ctx, snapshot.registry, [])
        probe = repositories.RepositoryProbe(question.items, endpoints.client, set_aside=not question.wait,
                                             started=deadline.began_at, manifests=question.manifests)
        module, tell = repositories, _repository_progress
    endpoints.want(probe.scopes)
    poller = RegionPoller(snapshot, probe, deadline, wait=question.wait,
                          on_progress=lambda board, elapsed: progress.add(message=tell(board, probe, elapsed)))
    try:
        board = poller.run()
    finally:
        progress.end()
    result = module.report(snapshot.name, board, probe, waited=poller.elapsed() if question.wait else None,
                           timed_out=poller.timed_out)
    failure = module.judged(snapshot.name, board, probe, result, stuck=poller.stuck,
                            timed_out_after=deadline.elapsed() if poller.timed_out else None)
    if question.option == IMAGE and question.platforms:
        for image in result['images']:
            found = image.get('artifact')
            if found and found['mediaType'] not in INDEX_TYPES:
                logger.warning("%s is a single-platform manifest: --platform narrows multi-arch images only; it was "
                               "checked as it is.", image['image'])
    if failure and question.option == IMAGE:
        for image in result['images']:
            for region in image['regions']:
                if region['state'] != 'present':
                    logger.warning("%s: %s %s%s", region['region'], image['image'], region['state'],
                                   f" ({region['detail']})" if region['detail'] else '')
    return result, failure


def _image_progress(board, probe, elapsed):
    parts = []
    regions = len(board.current())
    for image in board.items:
        waiting = [t.location for t in probe.pending(board, image)]
        seen = [o for _, o in board.observations(image) if getattr(o, 'parts', None)]
        counted = f", {sum(o.parts - len(o.lacking) for o in seen)}/{sum(o.parts for o in seen)} parts" if seen else ''
        parts.append(f"{image}: {regions - len(waiting)}/{regions} regions{counted}" +
                     (f" (waiting: {', '.join(waiting)})" if waiting else ''))
    return f"{int(elapsed)} s: " + '; '.join(parts)


def _repository_progress(board, probe, elapsed):
    parts = []
    regions = len(board.current())
    for repository in board.items:
        waiting = [t.location for t in probe.pending(board, repository)]
        parts.append(f"{repository}: {regions - len(waiting)}/{regions} regions alike" +
                     (f" (waiting: {', '.join(waiting)})" if waiting else ''))
    return f"{int(elapsed)} s: " + '; '.join(parts)


def _catalog(cli_ctx, snapshot, question, deadline, progress):
    endpoints = make_endpoints(cli_ctx, snapshot.registry, catalog.SCOPES)

    def on_read(result):
        for region in result['regions']:
            if region['progress'] and region['state'] not in (catalog.HOME, catalog.SAME):
                logger.info("%s: %s of %s tags present (%s)", region['region'], region['progress']['tagsPresent'],
                            region['progress']['tagsAtHome'], catalog.progress_text(region['progress']))

    def tell(scan, rates):
        parts = []
        for read in scan.others:
            if read.failed:
                parts.append(f"{read.location} {getattr(read.error, 'kind', 'error')}")
            elif read.totals.at_home:
                rate = rates.get(read.location)
                parts.append(f'{read.location} '
                             f'{catalog.progress_text(catalog.progress_of(read.totals, rate, deadline.clock()))}')
        progress.add(message=f"read {scan.read} repositories" + (f"; {', '.join(parts)}" if parts else ''))
    try:
        return catalog.follow(snapshot, endpoints.client, question.wait, deadline, on_progress=tell, on_read=on_read)
    finally:
        progress.end()
