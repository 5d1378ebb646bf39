# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=line-too-long
"""Every argument, declared here.

Ours are not the only argument contexts applied to our commands: azure-cli runs the built-in acr module's
load_arguments first, then ours, on the same command. For a scope both declare (e.g. 'acr replication create')
ours replaces the built-in's; scopes only the built-in declares still apply ('acr': the registry name's
completer, --yes, --no-wait's help, --zone-redundancy's preview tag, as on the built-in), unless overridden here.
"""
import argparse

from azure.cli.core.commands.parameters import (get_enum_type, get_three_state_flag, resource_group_name_type,
                                                tags_type)

from azext_acr_replication._validators import (validate_artifact, validate_drain, validate_images, validate_locations,
                                               validate_probe, validate_registry_name, validate_sync_source,
                                               validate_replication_name, validate_repositories,
                                               validate_status_wait, validate_tags,
                                               validate_timeout, validate_wait_condition)

ROUTING_HELP = ("Allow routing to this replica via the registry's global endpoint. If disabled, requests to the "
                "global endpoint are not routed to the replica; data keeps syncing to it either way.")
ZONES = ['Enabled', 'Disabled']
ZONE_HELP = ("Whether zone redundancy is enabled for the replica. For more information, such as supported "
             "locations, please visit https://aka.ms/acr/az. It cannot be changed after the replica is created. "
             "Default: Disabled.")
NO_WAIT_HELP = ("Return once the operation has started, without waiting for it to finish; follow it with "
                "'az acr replication wait'.")


OLD_ROUTING_FLAG = '--region-endpoint-enabled'
REPEAT_HELP = 'Repeat the option or give several values: {0} a {0} b c is {0} a b c.'


class _Typed(list):
    """The values typed for an option, as opposed to its default (None, or `az configure --defaults`)."""


class Accumulate(argparse.Action):  # pylint: disable=too-few-public-methods
    """An option that takes several values keeps every occurrence, in order: `-l a -l b c` is `-l a b c`
    (argparse's own 'store' keeps only the last, so `sync -l eastus -l uksouth --prune` would delete eastus)."""

    def __call__(self, parser, namespace, values, option_string=None):
        typed = getattr(namespace, self.dest, None)
        if not isinstance(typed, _Typed):
            typed = _Typed()  # the first occurrence replaces the default
        typed.extend(values if isinstance(values, list) else [values])
        setattr(namespace, self.dest, typed)


def _core_deprecates(command, flag):
    """True on azure-cli 2.86: the built-in acr module's _breaking_change.py announces the flag's removal for
    this command name, and core applies that to whichever argument carries the flag, i.e. ours."""
    from azure.cli.core.breaking_change import AzCLIDeprecate, upcoming_breaking_changes
    return any(isinstance(change, AzCLIDeprecate) and flag in change.args
               for change in upcoming_breaking_changes.get(command, []))


def _routing_arguments(c, scope, help_text):
    """--global-endpoint-routing, and --region-endpoint-enabled: the built-in's only name for it on azure-cli
    2.75-2.85, one of two on 2.86, gone from 2.87. The old name has its own dest (the handler merges them, the
    new one winning) so that exactly one deprecation warning names it: core's own where core announces one
    (2.86; a Deprecated option on the same argument would make core tag the new flag too), ours elsewhere."""
    c.argument('global_endpoint_routing', arg_type=get_three_state_flag(), options_list=['--global-endpoint-routing'],
               help=help_text)
    if _core_deprecates(scope, OLD_ROUTING_FLAG):  # shown in help as [Deprecated], as the built-in shows it
        c.argument('region_endpoint_enabled', arg_type=get_three_state_flag(), options_list=[OLD_ROUTING_FLAG],
                   help='Deprecated: use --global-endpoint-routing.')
    else:
        c.argument('region_endpoint_enabled', arg_type=get_three_state_flag(), help=argparse.SUPPRESS,
                   options_list=[c.deprecate(target=OLD_ROUTING_FLAG, redirect='--global-endpoint-routing',
                                             hide=True)])


def load_arguments(self, _):
    with self.argument_context('acr replication') as c:
        c.argument('registry_name', options_list=['--registry', '-r'], configured_default='acr',
                   validator=validate_registry_name,
                   help='The name of the container registry. You can configure the default registry name using '
                        '`az configure --defaults acr=<registry name>`.')
        c.argument('resource_group_name', arg_type=resource_group_name_type, required=False,
                   help="Name of the registry's resource group. Optional: found (and remembered) when omitted. "
                        'You can configure the default group using `az configure --defaults group=<name>`.')
        c.argument('replication_name', options_list=['--name', '-n'],
                   help='The name of the replica (by default the name of its region).')
        c.argument('tags', arg_type=tags_type, validator=validate_tags, action=Accumulate,
                   help=tags_type.settings['help'] + ' ' + REPEAT_HELP.format('--tags'))
        c.argument('timeout', type=int, validator=validate_timeout,
                   help='Seconds the whole command may take (following operations, --wait-ready, replicas another '
                        'run is still creating, retries) before giving up with exit code 1; what was started goes '
                        'on in Azure. Default: 3600.')
        c.argument('no_wait',  # else the help of the built-in's 'acr' scope: '... after queuing the run'
                   help=NO_WAIT_HELP)
        c.argument('wait_ready', action='store_true',
                   help="Also wait until each replica's data has finished syncing (status Ready), not only until "
                        "ARM reports Succeeded.")

    for scope in ['acr replication create', 'acr replication sync']:
        with self.argument_context(scope) as c:
            c.argument('location', options_list=['--location', '-l'], nargs='+', validator=validate_locations,
                       configured_default='location', action=Accumulate,
                       help='One or more regions, space- or comma-separated (e.g. japaneast eastus). '
                            + REPEAT_HELP.format('-l') + ' Values from: `az account list-locations`. You can '
                            'configure the default location using `az configure --defaults location=<location>`.')
            _routing_arguments(c, scope, ROUTING_HELP + (' Default: true.' if scope.endswith('create') else
                                                         ' Omit to leave it as it is.'))
            c.argument('zone_redundancy', arg_type=get_enum_type(ZONES), help=ZONE_HELP)

    with self.argument_context('acr replication create') as c:
        c.argument('replication_name', help='The name of the replica. Default: the name of its region. Only with '
                                            'a single --location.', validator=validate_replication_name)

    with self.argument_context('acr replication sync') as c:
        c.argument('prune', action='store_true',
                   help='Delete replicas whose region is not listed. The home replica is never deleted. With '
                        "--file: for registries whose entry has no 'prune'.")
        c.argument('registry_name', options_list=['--registry', '-r'], configured_default='acr', required=False,
                   validator=validate_registry_name,
                   help='The name of the container registry (or use --file for several). You can configure the '
                        'default registry name using `az configure --defaults acr=<registry name>`.')
        c.argument('location', options_list=['--location', '-l'], nargs='+', validator=validate_locations,
                   configured_default='location', required=False, action=Accumulate,
                   help='One or more regions, space- or comma-separated (e.g. japaneast eastus). '
                        + REPEAT_HELP.format('-l') + ' Values from: `az account list-locations`. You can configure '
                        'the default location using `az configure --defaults location=<location>`. Not with --file.')
        c.argument('file', options_list=['--file'], validator=validate_sync_source,
                   help="A desired-state file (YAML or JSON) for a fleet of registries, instead of -r and -l: "
                        "'registries:' then, per registry, name, locations and optionally resourceGroup, "
                        'subscription, globalEndpointRouting, zoneRedundancy, tags, prune. Checked whole before '
                        'any change; one plan for all, applied in parallel.')
        c.argument('dry_run', action='store_true', help='Print the plan and change nothing.')

    with self.argument_context('acr replication update') as c:
        _routing_arguments(c, 'acr replication update', ROUTING_HELP)
        c.argument('zone_redundancy', arg_type=get_enum_type(ZONES),
                   help='Not updatable: given only to explain that zone redundancy is set at creation.')
        c.argument('location', options_list=['--location', '-l'],
                   help='Not updatable: given only to explain that the location is set at creation.')

    with self.argument_context('acr replication delete') as c:
        c.argument('allow_home_replica', action='store_true',
                   help="Allow deleting the home replica (the one in the registry's home region).")

    with self.argument_context('acr replication wait') as c:
        c.argument('created', action='store_true', validator=validate_wait_condition,
                   help="Wait until created with 'provisioningState' at 'Succeeded'.")
        c.argument('updated', action='store_true', help="Wait until updated with provisioningState at 'Succeeded'.")
        c.argument('deleted', action='store_true', help='Wait until deleted.')
        c.argument('exists', action='store_true', help='Wait until the replica exists.')
        c.argument('ready', action='store_true',
                   help="Wait until the replica's data has finished syncing (status Ready).")
        c.argument('custom', help="Wait until the replica (as `show` prints it) satisfies a JMESPath query, e.g. "
                                  "\"provisioningState=='Failed'\" or \"status.displayStatus=='Ready'\".")
        c.argument('timeout', type=int, help='Maximum wait in seconds; past it the command exits 1.')
        c.argument('interval', type=int, help='Longest pause between polls in seconds (polls come every second, '
                                              'then every 2 s, and slow down only after an hour, to at most '
                                              'this).')

    with self.argument_context('acr replication status') as c:
        c.argument('image', options_list=['--image'], nargs='+', validator=validate_images, action=Accumulate,
                   help='One or more images to look for in every replica, as REPO:TAG or REPO@sha256:DIGEST '
                        '(space- or comma-separated). ' + REPEAT_HELP.format('--image') +
                        ' Needs regional endpoints on the registry.')
        c.argument('repository', options_list=['--repository'], nargs='+', validator=validate_repositories,
                   action=Accumulate,
                   help='One or more repositories (space- or comma-separated): every tag of each, compared in every '
                        'replica (tag -> digest per region). ' + REPEAT_HELP.format('--repository') +
                        ' Needs regional endpoints on the registry.')
        c.argument('platform', options_list=['--platform'], nargs='+', action=Accumulate, validator=validate_artifact,
                   help='With --image: check only these platforms of a multi-arch image (os/architecture[/variant], '
                        'space- or comma-separated, e.g. linux/amd64 linux/arm64); an index that lacks one is an '
                        'error naming it (exit 3). ' + REPEAT_HELP.format('--platform') + ' Default: every platform.')
        c.argument('referrers', options_list=['--referrers'], arg_type=get_enum_type(['none', 'signatures', 'all']),
                   help='With --image: which referrers of the image and of each platform must be in every region, '
                        'as the home region lists them (the OCI referrers API, else the referrers tag schema, and '
                        "cosign's sha256-<digest>.sig/.att/.sbom tags): none, signatures (cosign, notation) or all "
                        '(SBOMs and attestations too). Default: all.')
        c.argument('blobs', options_list=['--blobs'], action='store_true',
                   help='With --image: also every config and layer blob of each manifest checked (one HEAD per blob '
                        'per region: a multi-arch image of 2 platforms with 5 layers each is about 14 more requests '
                        'per region). Off by default.')
        c.argument('manifests', options_list=['--manifests'], action='store_true',
                   help='With --repository: also compare every manifest, untagged ones too (the platforms of '
                        'indexes, signatures, SBOMs), through ACR\'s manifest listing.')
        c.argument('all_repositories', options_list=['--all-repositories'], action='store_true',
                   help="Every region's whole catalog compared with the home region's: repositories and tags "
                        'present, missing, extra and with another digest, and how far a Syncing replica has got. '
                        'Needs regional endpoints on the registry.')
        c.argument('wait', action='store_true',
                   help='With --image: poll until every replica has every image with one digest, following '
                        'replicas being created and ones created meanwhile. With --repository: until every region '
                        'holds every tag with one digest. With --all-repositories: read again until every region '
                        'matches the home region, with a rate and the time left for each one catching up. Without '
                        'them: until every replica is Ready (data synced), like `wait --ready` for each.')
        c.argument('timeout', type=int, validator=validate_status_wait,
                   help='With --wait (required): seconds the whole command may take before giving up with exit '
                        'code 1 (the result so far is printed). Default: 3600.')

    with self.argument_context('acr replication sync') as c:
        c.argument('undrain', action='store_true',
                   help='Let the desired state turn global endpoint routing back on for drained replicas (and remove '
                        'their drain record), without the health check of `az acr replication undrain`. Without it, '
                        "a drained replica's routing stays off and the plan says 'kept drained'.")
    _routing_commands_arguments(self)


MIN_ROUTED_HELP = ('Refuse a drain that would leave fewer than this many other replicas routed, provisioned, Ready '
                   'and healthy. Default: 1.')


def _routing_commands_arguments(self):
    """probe, drain and undrain (routing/)."""
    with self.argument_context('acr replication probe') as c:
        c.argument('image', options_list=['--image'], validator=validate_probe,
                   help='An image (REPO:TAG or REPO@sha256:DIGEST) whose manifest each sample HEADs in every replica, '
                        'after the /v2/ check. An image not in a region is reported, not counted as a failure.')
        c.argument('samples', type=int,
                   help='Samples per replica, each on a new connection: connect and TLS, GET /v2/, and with --image a '
                        'HEAD of its manifest. Default: 3.')
        c.argument('timeout', type=float,
                   help='Seconds one replica may take for its whole probe (sign-in and every sample); one that has not '
                        'answered by then is reported down, on time, while the others are reported as they '
                        'answered. Default: 10.')
        c.argument('slow_ms', options_list=['--slow-ms'], type=int,
                   help='A replica whose median sample takes longer than this many milliseconds is degraded. '
                        'Default: 2000.')
        c.argument('drain_unhealthy', options_list=['--drain-unhealthy'], action='store_true',
                   help='Drain every routed replica found down (and degraded, with --drain-degraded), within the '
                        "guardrails of 'az acr replication drain', recording why. Never undrains. For a scheduled job.")
        c.argument('drain_degraded', options_list=['--drain-degraded'], action='store_true',
                   help='With --drain-unhealthy: drain degraded replicas too, not only those down.')
        c.argument('dry_run', action='store_true',
                   help='With --drain-unhealthy: say what would be drained, change nothing.')
        c.argument('min_routed', type=int, help='With --drain-unhealthy: ' + MIN_ROUTED_HELP)
        c.argument('reason', help='With --drain-unhealthy: the reason recorded on what it drains (the probe adds what '
                                  'it found), e.g. a ticket. At most 200 characters.')

    with self.argument_context('acr replication drain') as c:
        c.argument('replication_name', options_list=['--name', '-n'], help='The name of the replica to drain.')
        c.argument('reason', validator=validate_drain,
                   help='Why, recorded on the replica (tag acr-replication.drain-reason) with when and by whom, e.g. '
                        "'INC-123'. At most 200 characters.")
        c.argument('min_routed', type=int, help=MIN_ROUTED_HELP)
        c.argument('skip_probe', action='store_true',
                   help='Count the other replicas by what ARM says (routed, Succeeded, Ready) without probing them; '
                        'needs no regional endpoints.')

    with self.argument_context('acr replication undrain') as c:
        c.argument('replication_name', options_list=['--name', '-n'], help='The name of the replica to bring back.')
        c.argument('force', action='store_true',
                   help='Turn routing on without checking that the replica is Ready and probes healthy (said in the '
                        'output).')
