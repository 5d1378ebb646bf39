# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The az side of `probe`, `drain` and `undrain`: the registry read with its regional endpoints, ARM's replicas
behind drain.py's small interface, the az login identity (who drains, and whose token signs in), one endpoint
client per regional endpoint, and the verdicts (the result printed first, then exit 1)."""
import datetime

from knack.log import get_logger

from azext_acr_replication.arm.api_versions import NoVersionWithRegionalEndpoints, RegistryReader
from azext_acr_replication.arm.errors import RETRY_PATCH, ReplicationError
from azext_acr_replication.arm.lookup import none_if_not_found
from azext_acr_replication.replicas.status import regional_endpoints, regional_endpoints_enabled, registry_url
from azext_acr_replication.routing import drain as draining
from azext_acr_replication.routing import health as health_rules
from azext_acr_replication.routing import record
from azext_acr_replication.routing.probe import ProbeOptions, Target, probe_all, report, targets_of, verdict

logger = get_logger(__name__)

ACR_AUDIENCE = 'https://containerregistry.azure.net'


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class RegistryContext:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One registry for one command: the management client, the lookup and its RegistryRef, the registry's JSON
    (with regional endpoints when ARM serves a version that has them) and the command's deadline."""

    def __init__(self, cmd, client, lookup, ref, *, models, deadline, sdk_version=None):
        self.cmd = cmd
        self.client = client
        self.lookup = lookup
        self.ref = ref
        self.update_model = models
        self.deadline = deadline
        self._sdk_version = sdk_version
        self.registry = None
        self.endpoints_missing = None  # why the registry's JSON has no regional endpoints, or None

    def read_registry(self):
        reader = RegistryReader(lambda version: self.lookup.call(self.ref, lambda group: self.lookup.arm_get(
            registry_url(self.lookup.subscription, group, self.ref.name, version))),
            sdk_version=self._sdk_version, debug=logger.debug)
        try:
            self.registry = reader.read()
        except NoVersionWithRegionalEndpoints as missing:
            self.endpoints_missing = str(missing)
            self.registry = missing.body or self.lookup.call(self.ref, lambda group: self.client.registries.get(
                group, self.ref.name)).serialize(keep_readonly=True)
        return self.registry

    def require_endpoints(self, alternative):
        """The one line when the replicas cannot be asked one by one; alternative: what else the user can do."""
        name = self.ref.name
        if self.endpoints_missing:
            raise ReplicationError(f"{self.endpoints_missing} Probing asks each replica at its regional endpoint; "
                                   f"{alternative}.")
        if not regional_endpoints_enabled(self.registry):
            from azure.cli.core.azclierror import ValidationError
            error = ValidationError(f"Regional endpoints are disabled on registry '{name}', so its replicas cannot be "
                                    "probed one by one.")
            error.set_recommendation(f"Enable them (Premium, preview) with 'az acr update -n {name} "
                                     f"--regional-endpoints enabled', or {alternative}.")
            raise error

    # --- drain.py's interface to ARM ------------------------------------------------------------------------
    def _target(self, model):
        home = str(self.registry.get('location', '')).lower()
        return Target.from_model(model, home=model.location == home,
                                 endpoint=regional_endpoints(self.registry).get(model.location))

    def list(self):
        models = self.lookup.call(self.ref, lambda group: list(self.client.replications.list(group, self.ref.name)))
        return targets_of(self.registry, models)

    def get(self, name):
        model = none_if_not_found(lambda: self.lookup.call(self.ref, lambda group: self.client.replications.get(
            group, self.ref.name, name)))
        return None if model is None else self._target(model)

    def write(self, name, tags, routing):
        """PATCH tags (and routing unless None), followed until ARM ends it; the replica as it is then."""
        from azext_acr_replication.arm.polling import AdaptivePolling
        body = self.update_model(tags=tags, region_endpoint_enabled=routing)
        model = self.lookup.call(self.ref, lambda group: self.client.replications.begin_update(
            group, self.ref.name, name, body, polling=AdaptivePolling(deadline=self.deadline),
            **RETRY_PATCH).result())
        return self._target(model)


# --- the data plane -------------------------------------------------------------------------------------------
def aad_token(cli_ctx):
    """The az login identity's AAD token for the registries' token exchange (audience as `az acr login` takes it:
    `az config set acr.audience_resource=...`), renewed when it expires."""
    from azext_acr_replication.images.endpoint import AadToken

    def acquire():
        from azure.cli.core._profile import Profile
        from azure.cli.core.commands.client_factory import get_subscription_id
        configured = cli_ctx.config.get('acr', 'audience_resource', fallback=None)
        audience = ACR_AUDIENCE
        if configured:
            audience = configured if configured.startswith('https://') else f'https://{configured}.azure.net'
        creds, _, tenant = Profile(cli_ctx=cli_ctx).get_raw_token(subscription=get_subscription_id(cli_ctx),
                                                                  resource=audience)
        entry = creds[2] if len(creds) > 2 and isinstance(creds[2], dict) else {}
        return creds[1], tenant, entry.get('expires_on')
    return AadToken(acquire)


def signed_in_name(cli_ctx):
    """The az login's user, or a service principal's app id (what `az account show` names): who drained."""
    from azure.cli.core._profile import Profile
    from azure.cli.core.commands.client_factory import get_subscription_id
    try:
        return (Profile(cli_ctx=cli_ctx).get_subscription(get_subscription_id(cli_ctx)).get('user') or {}).get('name')
    except Exception:  # pylint: disable=broad-except
        return None


def makers(cli_ctx, registry, timeout):
    """client_for(host): a fresh EndpointClient per endpoint (the extension's one data-plane client) on a pipeline
    without retries and with the replica's bound as its timeouts, TLS verified as azure-cli verifies it for ARM, all
    signing in as the az login identity."""
    from azure.cli.core._debug import change_ssl_cert_verification_track2
    from azure.cli.core.util import get_az_user_agent
    from azext_acr_replication.images.endpoint import EndpointClient, build_pipeline
    verify = change_ssl_cert_verification_track2().get('connection_verify', True)
    user_agent = get_az_user_agent()
    token = aad_token(cli_ctx)
    identity = signed_in_name(cli_ctx)
    role_mode = (registry.get('properties') or {}).get('roleAssignmentMode')

    def client_for(host):
        pipeline = build_pipeline(host, user_agent, verify, retries=False, timeout=timeout)
        return EndpointClient(host, token, pipeline, identity=identity, registry=registry.get('name'),
                              role_mode=role_mode)
    return client_for


def prober(ctx, options):
    """probe(targets) -> {name: Health}, for drain's and undrain's checks."""
    client_for = makers(ctx.cmd.cli_ctx, ctx.registry, options.timeout)
    return lambda targets: probe_all(targets, options, client_for)[0]


# --- probe ----------------------------------------------------------------------------------------------------
def _drain_reason(reason, entry):
    found = f"{entry['health']}" + (f": {entry['reasons'][0]}" if entry['reasons'] else '')
    return record.clip(f"{reason or 'probe --drain-unhealthy'}: {found}")


def drain_unhealthy(ctx, result, healths, states, *, reason=None, min_routed=1, dry_run=False):
    """Drain every routed replica the probe found in `states` (down, and degraded with --drain-degraded), worst
    first, each within the guardrails and against the registry as the earlier ones left it; never undrains.
    Sets each replica's `action` in the result; returns the refusals and undone drains (error lines)."""
    problems = []
    by = signed_in_name(ctx.cmd.cli_ctx)
    wanted = [r for r in result['replicas'] if r['globalEndpointRouting'] and r['health'] in states]
    wanted.sort(key=lambda r: (health_rules.ORDER[r['health']], r['name']))
    for entry in wanted:
        try:
            outcome = draining.drain(ctx, ctx.ref.name, entry['name'], (_drain_reason(reason, entry), by),
                                     probe=lambda _: healths, guard=draining.Guard(min_routed, warn=logger.warning),
                                     now=utcnow(), dry_run=dry_run)
        except draining.DrainRefused as refused:
            entry['action'] = {'result': 'refused', 'detail': str(refused)}
            problems.append(str(refused))
            continue
        entry['action'] = {'result': outcome.result, 'detail': outcome.message}
        if outcome.failed:
            problems.append(outcome.message)
        else:
            entry['globalEndpointRouting'] = outcome.target.routed
            drain = outcome.target.drain
            entry['drain'] = drain.to_dict(utcnow()) if drain else entry['drain']
            if outcome.result == draining.DRAINED:
                logger.warning("Drained '%s' (%s): global endpoint routing off.", entry['name'], entry['health'])
    return problems


def run_probe(ctx, options, drain_states=None, **drain_settings):
    """(the JSON result, None or the error line). drain_states: with --drain-unhealthy, the health states drained."""
    ctx.read_registry()
    ctx.require_endpoints("run 'az acr replication status' for ARM's view alone")
    targets = ctx.list()
    healths, results = probe_all(targets, options, makers(ctx.cmd.cli_ctx, ctx.registry, options.timeout))
    result = report(ctx.ref.name, targets, (healths, results), options, utcnow())
    for entry in result['replicas']:
        entry['action'] = None
    failure = verdict(result)
    if drain_states:
        problems = drain_unhealthy(ctx, result, healths, drain_states, **drain_settings)
        if problems:
            failure = ' '.join([failure or ''] + problems).strip()
    return result, failure


# --- drain / undrain ------------------------------------------------------------------------------------------
def run_drain(ctx, name, reason, min_routed=1, skip_probe=False):
    """(the JSON result, None or the error line of an undone drain). Refusals raise DrainRefused."""
    ctx.read_registry()
    probe = None
    if not skip_probe:
        ctx.require_endpoints('pass --skip-probe to trust ARM alone')
        probe = prober(ctx, ProbeOptions())
    outcome = draining.drain(ctx, ctx.ref.name, name, (reason, signed_in_name(ctx.cmd.cli_ctx)), probe=probe,
                             guard=draining.Guard(min_routed, skip_probe=skip_probe, warn=logger.warning),
                             now=utcnow())
    if outcome.result == draining.ALREADY:
        logger.warning("Replication '%s' is already drained (%s); nothing to do.", outcome.target.name,
                       outcome.target.drain.since())
    elif outcome.result == draining.RECORDED:
        logger.warning("Replication '%s' was already out of global endpoint routing; the drain record is added.",
                       outcome.target.name)
    return outcome.to_dict(utcnow()), outcome.message if outcome.failed else None


def run_undrain(ctx, name, force=False):
    """The JSON result. Refusals raise DrainRefused."""
    ctx.read_registry()
    probe = None
    if not force:
        ctx.require_endpoints('pass --force to turn its routing on without a probe')
        probe = prober(ctx, ProbeOptions())
    outcome = draining.undrain(ctx, ctx.ref.name, name, probe, force=force)
    if outcome.result == draining.NOT_DRAINED:
        logger.warning("Replication '%s' is not drained (its global endpoint routing is on); nothing to do.",
                       outcome.target.name)
    elif outcome.result == draining.CLEARED:
        logger.warning("Replication '%s' was routed already; its leftover drain record is removed.",
                       outcome.target.name)
    elif force:
        logger.warning("--force: global endpoint routing of '%s' is on again without checking that it is Ready and "
                       "healthy.", outcome.target.name)
    return outcome.to_dict(utcnow())
