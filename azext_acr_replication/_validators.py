# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Argument checks that need no ARM call.

They raise ArgumentError, a ValueError: knack reports a non-CLIError raised by a validator as a
usage error with exit code 2, while every azclierror type exits 1. Checks that need ARM live in
the handlers and raise azclierror types.
"""
# nothing imported at the top: this module is on the loader path of every `az acr ...` call


class ArgumentError(ValueError):
    """A bad argument: exit code 2."""


def _login_server_suffix(cmd):
    return getattr(cmd.cli_ctx.cloud.suffixes, 'acr_login_server_endpoint', None) or '.azurecr.io'


def _registry_name(cmd, value):
    """'myreg' from 'myreg', its login server in any cloud ('myreg.azurecr.io', '.azurecr.cn', the current
    cloud's suffix) or one with a domain name label hash, 'myreg-<hash>.azurecr.io', as the built-in takes them."""
    from azext_acr_replication.arm.names import strip_login_server
    return strip_login_server(value, _login_server_suffix(cmd))


def validate_registry_name(cmd, namespace):
    name = namespace.registry_name
    if name is None:
        return
    # str(): a configured default (acr=) arrives as knack's default-value string, which the output would show as
    # {"isDefault": true}
    name = namespace.registry_name = str(_registry_name(cmd, str(name)))
    from azext_acr_replication.arm.names import BAD_REGISTRY_NAME, REGISTRY_NAME
    if not REGISTRY_NAME.match(name):
        raise ArgumentError(BAD_REGISTRY_NAME.format(name))


def validate_locations(namespace):
    from knack.log import get_logger
    if namespace.location is None:
        return  # sync --file: the regions are in the file
    from azext_acr_replication.arm.names import split_locations
    locations, duplicates = split_locations(
        [namespace.location] if isinstance(namespace.location, str) else namespace.location)
    if not locations:
        raise ArgumentError("--location needs at least one region, e.g. '-l japaneast eastus'.")
    if duplicates:
        get_logger(__name__).warning("Region given more than once, used once: %s", ', '.join(sorted(set(duplicates))))
    if len(locations) > 1 and getattr(namespace, 'replication_name', None):
        raise ArgumentError("--name can only be used with a single --location; with several regions each "
                            "replication is named after its region.")
    namespace.location = locations


def validate_timeout(namespace):
    if namespace.timeout is not None and namespace.timeout < 0:
        raise ArgumentError(f"--timeout must be zero or a positive number of seconds; got {namespace.timeout}.")


def validate_status_wait(namespace):
    """status: --timeout says how long --wait waits; alone it would be silently ignored."""
    validate_timeout(namespace)
    if namespace.timeout is not None and not getattr(namespace, 'wait', False):
        raise ArgumentError('--timeout is how long --wait waits: add --wait (or leave out --timeout).')


def validate_replication_name(namespace):
    name = getattr(namespace, 'replication_name', None)
    from azext_acr_replication.arm.names import REGISTRY_NAME
    if name is not None and not REGISTRY_NAME.match(name):
        raise ArgumentError("Replication names may contain only alpha numeric characters and must be between 5 "
                            f"and 50 characters; got '{name}'.")


def validate_tags(namespace):
    from azure.cli.core.commands.validators import validate_tags as core_validate_tags
    raw = namespace.tags
    core_validate_tags(namespace)
    if raw is None:
        return
    for key, value in (namespace.tags or {}).items():
        if not key.strip():
            raise ArgumentError(f"Invalid tag '={value}': a tag needs a name, as in 'env=prod'.")
        if len(key) > 512 or len(value) > 256 or any(c in key for c in '<>%&\\?/'):
            raise ArgumentError(f"Invalid tag '{key}': names are at most 512 characters without <>%&\\?/ and "
                                "values at most 256 characters.")


def reject_policy_arguments(cmd, command):
    """azure-cli adds --acquire-policy-token and --change-reference to every command not named list or
    show; they act on writes. A command that only reads refuses them rather than ignore them."""
    data = getattr(cmd.cli_ctx, 'data', {}) or {}
    given = [flag for flag, key in (('--acquire-policy-token', '_acquire_policy_token'),
                                    ('--change-reference', '_change_reference')) if data.get(key)]
    if given:
        raise ArgumentError(f"{' and '.join(given)} apply to commands that change resources; 'az acr replication "
                            f"{command}' only reads, so there is nothing for the policy to evaluate.")


def validate_wait_condition(cmd, namespace):
    reject_policy_arguments(cmd, 'wait')
    chosen = [flag for flag in ('created', 'updated', 'deleted', 'exists', 'ready') if getattr(namespace, flag, False)]
    if getattr(namespace, 'custom', None):
        chosen.append('custom')
    if len(chosen) != 1:
        raise ArgumentError('incorrect usage: give exactly one of --created | --updated | --deleted | --exists | '
                            '--ready | --custom JMESPATH.')
    if getattr(namespace, 'custom', None):
        import jmespath
        from jmespath.exceptions import JMESPathError
        try:
            jmespath.compile(namespace.custom)
        except JMESPathError as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ArgumentError(f"--custom is not a valid JMESPath query ({message}): '{namespace.custom}'. "
                                "Example: --custom \"status.displayStatus=='Ready'\"") from None
    if namespace.interval is not None and namespace.interval <= 0:
        raise ArgumentError('--interval must be a positive number of seconds.')
    validate_timeout(namespace)


def _parsed(cmd, namespace, values, parse, option):
    """Space- or comma-separated values, each parsed by parse(text, the registry's login server), without
    repeats, in the order given; a value parse refuses is a usage error naming the option."""
    registry = _registry_name(cmd, namespace.registry_name) if namespace.registry_name else None
    login_server = f'{registry}{_login_server_suffix(cmd)}' if registry else None
    parsed = []
    for value in values:
        for part in value.split(','):
            if not part.strip():
                continue
            try:
                item = parse(part, login_server)
            except ValueError as error:
                raise ArgumentError(f'{option} {error}') from None
            if item not in parsed:
                parsed.append(item)
    return parsed


def validate_images(cmd, namespace):
    """--image values become ImageRefs; a bad reference is a usage error before any call."""
    from azext_acr_replication.images.refs import parse_image
    reject_policy_arguments(cmd, 'status')
    values = getattr(namespace, 'image', None)
    if not values:
        return
    images = _parsed(cmd, namespace, values, parse_image, '--image')
    if not images:
        raise ArgumentError("--image needs a reference, e.g. 'app:1.0' or 'app@sha256:...'.")
    namespace.image = images


def validate_repositories(cmd, namespace):
    """--repository values (space- or comma-separated, optionally with the login server) become names; --image,
    --repository and --all-repositories exclude each other. Usage errors before any call."""
    from azext_acr_replication.images.refs import parse_repository
    given = [option for option, dest in (('--image', 'image'), ('--repository', 'repository'),
                                         ('--all-repositories', 'all_repositories')) if getattr(namespace, dest, None)]
    if len(given) > 1:
        raise ArgumentError(f"{' and '.join(given)} ask different questions: give one of --image, --repository and "
                            "--all-repositories.")
    values = getattr(namespace, 'repository', None)
    if not values:
        return
    names = _parsed(cmd, namespace, values, parse_repository, '--repository')
    if not names:
        raise ArgumentError("--repository needs a repository name, e.g. 'app' or 'team/api'.")
    namespace.repository = names


ARTIFACT_OPTIONS = (('platform', '--platform', 'image'), ('referrers', '--referrers', 'image'),
                    ('blobs', '--blobs', 'image'), ('manifests', '--manifests', 'repository'))


def validate_artifact(namespace):
    """--platform, --referrers and --blobs go with --image, --manifests with --repository; --platform values are
    os/architecture[/variant]. Usage errors before any call."""
    for dest, option, needs in ARTIFACT_OPTIONS:
        if getattr(namespace, dest, None) and not getattr(namespace, needs, None):
            raise ArgumentError(f"{option} goes with --{needs}: add --{needs} (or leave out {option}).")
    if getattr(namespace, 'platform', None):
        from azext_acr_replication.images.artifact import parse_platforms
        try:
            namespace.platform = parse_platforms(namespace.platform)
        except ValueError as error:
            raise ArgumentError(f'--platform {error}') from None
        if not namespace.platform:  # '' or ',': not "every platform", which is leaving --platform out
            raise ArgumentError("--platform needs at least one os/architecture[/variant], e.g. linux/arm64 (leave "
                                "it out to check every platform).")


def typed_options(cmd, dest):
    """The options of argument `dest` the user typed (e.g. ['-g']), as opposed to a value azure-cli filled
    in from `az configure --defaults` (group=, acr=, location=), which sets the namespace the same way.

    azure-cli keeps the option names of the command line in cli_ctx.data['safe_params'] (2.75 and later;
    it sends them as the ParameterSetName header): the typed name, or for '-gX' its first two characters,
    or an abbreviation argparse accepted ('--resource-gr')."""
    argument = cmd.arguments.get(dest)
    if argument is None:
        return []
    options = [o if isinstance(o, str) else getattr(o, 'target', None)
               for o in argument.type.settings.get('options_list') or []]
    options = [o for o in options if o]
    typed = (getattr(cmd.cli_ctx, 'data', None) or {}).get('safe_params')
    if typed is None:  # an azure-cli that does not record them: whatever has a value counts as typed
        return options[:1]
    return [flag for flag in typed
            if any(option == flag or (flag.startswith('--') and len(flag) > 2 and option.startswith(flag))
                   for option in options)]


SINGLE_REGISTRY_FLAGS = (('registry_name', '--registry'), ('location', '--location'),
                         ('resource_group_name', '--resource-group'),
                         ('global_endpoint_routing', '--global-endpoint-routing'),
                         ('region_endpoint_enabled', '--region-endpoint-enabled'),
                         ('zone_redundancy', '--zone-redundancy'), ('tags', '--tags'))


def validate_sync_source(cmd, namespace):
    """sync takes -r/-l (one registry) or --file (a fleet), not both. The file is read and checked here,
    before any ARM call: every problem is listed with its line, and the command exits 2."""
    path = getattr(namespace, 'file', None)
    if not path:
        if not namespace.registry_name:
            raise ArgumentError('incorrect usage: give --registry/-r and --location/-l, or --file.')
        if not namespace.location:
            raise ArgumentError("the following arguments are required: --location/-l (or use --file)")
        return
    # only what the user typed clashes: configured defaults (group=, acr=, location=) are left unused
    clashing = [flag for dest, flag in SINGLE_REGISTRY_FLAGS
                if getattr(namespace, dest, None) not in (None, [], {}) and typed_options(cmd, dest)]
    if clashing:
        raise ArgumentError(f"{', '.join(clashing)} cannot be combined with --file: each registry's settings are "
                            'in the file.')
    from azext_acr_replication.fleet.command import resolve_subscription
    from azext_acr_replication.fleet.file import FleetFileError, decode, load
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except OSError as error:
        raise ArgumentError(f"--file: cannot read '{path}': {error.strerror}.") from None
    try:
        namespace.file = load(decode(data), resolve_subscription(cmd.cli_ctx))
    except FleetFileError as error:
        lines = [f'{path}:{problem[len("line "):]}' if problem.startswith('line ') else f'{path}: {problem}'
                 for problem in error.problems]
        raise ArgumentError(f"--file '{path}' has {len(lines)} problem{'s' if len(lines) > 1 else ''}; nothing was "
                            "changed:\n" + '\n'.join(lines)) from None


# --- probe / drain / undrain -------------------------------------------------------------------------------------
def validate_probe_image(cmd, namespace):
    """--image REPO:TAG (or REPO@DIGEST): one ImageRef, a usage error before any call."""
    from azext_acr_replication.images.refs import parse_image
    value = getattr(namespace, 'image', None)
    if value is None:
        return
    images = _parsed(cmd, namespace, [value], parse_image, '--image')
    if len(images) != 1:
        raise ArgumentError("--image takes one image to HEAD in every replica, e.g. 'app:1.0'.")
    namespace.image = images[0]


def validate_probe(cmd, namespace):
    """probe's numbers, and the drain options only with --drain-unhealthy."""
    validate_probe_image(cmd, namespace)
    if namespace.samples is not None and not 1 <= namespace.samples <= 20:
        raise ArgumentError(f'--samples must be between 1 and 20; got {namespace.samples}.')
    if namespace.timeout is not None and namespace.timeout <= 0:
        raise ArgumentError(f'--timeout must be a positive number of seconds; got {namespace.timeout:g}.')
    if namespace.slow_ms is not None and namespace.slow_ms <= 0:
        raise ArgumentError(f'--slow-ms must be a positive number of milliseconds; got {namespace.slow_ms}.')
    if not namespace.drain_unhealthy:
        given = [flag for flag, dest, unset in (('--drain-degraded', 'drain_degraded', False),
                                                ('--dry-run', 'dry_run', False), ('--reason', 'reason', None))
                 if getattr(namespace, dest, unset) not in (unset, None)]
        if typed_options(cmd, 'min_routed'):
            given.append('--min-routed')
        if given:
            raise ArgumentError(f"{', '.join(given)} only apply with --drain-unhealthy.")
    validate_drain(namespace)


def validate_drain(namespace):
    """--min-routed zero or more; --reason not empty, at most 256 characters (it is an Azure tag value)."""
    min_routed = getattr(namespace, 'min_routed', None)
    if min_routed is not None and min_routed < 0:
        raise ArgumentError(f'--min-routed must be zero or more; got {min_routed}.')
    reason = getattr(namespace, 'reason', None)
    if reason is not None:
        reason = ' '.join(str(reason).split())
        if not reason:
            raise ArgumentError("--reason needs a text, e.g. --reason 'INC-123: 503s in eastus'.")
        if len(reason) > 200:
            raise ArgumentError(f'--reason is recorded as an Azure tag value: at most 200 characters; got '
                                f'{len(reason)}.')
        namespace.reason = reason
