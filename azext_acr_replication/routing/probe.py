# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Every replica at once, through its regional endpoint, each on its own thread with its own bound: one that
hangs is reported (down, no answer) when its bound ends while the others are reported as they answered. ARM's
view of each replica (provisioningState, status, routing, drain record) comes with it.

Plain Python over one maker: client_for(host) -> the extension's data-plane client for that endpoint (an
images/endpoint.py EndpointClient: challenge(), exchange(), authorization(scope), send_once(...)); unit-testable with
fakes.
"""
import queue
import threading
import time

from azext_acr_replication.arm import values
from azext_acr_replication.replicas.status import regional_endpoints, replicas_with_home
from azext_acr_replication.routing import health as health_rules
from azext_acr_replication.routing import record

GRACE = 0.3  # seconds past the bound the collector waits for a replica's own timeout to report itself
SIGN_IN_TEXT = 250  # characters of a sign-in failure kept in a reason


class ProbeOptions:  # pylint: disable=too-few-public-methods
    """samples per replica, the bound of one replica's probe (seconds), --slow-ms, and the image (an ImageRef with
    .repository and .reference, or None)."""

    def __init__(self, samples=3, timeout=10.0, slow_ms=2000, image=None):
        self.samples = samples
        self.timeout = timeout
        self.slow_ms = slow_ms
        self.image = image


class Target:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One replica as ARM shows it, and its regional endpoint (None when the registry names none for it)."""

    def __init__(self, name, location, *, home=False, endpoint=None, provisioning_state=None, status=None,
                 routing=None, tags=None, modified=None, model=None):
        self.name = name
        self.location = location
        self.home = home
        self.endpoint = endpoint
        self.provisioning_state = provisioning_state
        self.status = status
        self.routing = routing
        self.tags = dict(tags or {})
        self.modified = modified  # systemData.lastModifiedAt (a datetime), when ARM says
        self.model = model  # the SDK model; None for a home region ARM lists no replica for

    @property
    def routed(self):
        """In the global endpoint's routing: regionEndpointEnabled is true (ARM's default)."""
        return self.routing is not False

    @property
    def drain(self):
        return record.read(self.tags)

    @property
    def serves(self):
        """Routed, provisioned and Ready (data synced): what --min-routed counts, health aside."""
        return self.routed and self.status == 'Ready' and self.provisioning_state in ('Succeeded', 'Updating')

    @classmethod
    def from_model(cls, model, home=False, endpoint=None):
        system = getattr(model, 'system_data', None)
        return cls(model.name, model.location, home=home, endpoint=endpoint,
                   provisioning_state=values.provisioning_state(model), status=values.display_status(model),
                   routing=getattr(model, 'region_endpoint_enabled', None), tags=getattr(model, 'tags', None),
                   modified=getattr(system, 'last_modified_at', None), model=model)


def targets_of(registry, models):
    """Every replica (home first, then by region), with its regional endpoint from the registry's JSON."""
    home, listed = replicas_with_home(registry, models)
    endpoints = regional_endpoints(registry)
    found = []
    for name, location, state, model in listed:
        if model is None:
            found.append(Target(name, location, home=True, endpoint=endpoints.get(location), provisioning_state=state,
                                status='Ready' if state == 'Succeeded' else None))
        else:
            found.append(Target.from_model(model, home=location == home, endpoint=endpoints.get(location)))
    return found


class Result:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """What one replica's probe found so far. The worker thread adds to it under the lock until the collector
    takes it (collected): what comes later is not part of the answer."""

    def __init__(self, target, planned):
        self.target = target
        self.planned = planned
        self.samples = []
        self.sign_in_error = None
        self.exchange_ms = None
        self.finished = False
        self.collected = False
        self.lock = threading.Lock()

    def add(self, sample):
        with self.lock:
            if not self.collected:
                self.samples.append(sample)
            return not self.collected

    def take(self):
        """(samples with those not finished filled in, sign-in error, exchange ms, finished) as of now."""
        with self.lock:
            self.collected = True
            samples = list(self.samples) + [health_rules.Sample(ran=False)
                                            for _ in range(self.planned - len(self.samples))]
            return samples, self.sign_in_error, self.exchange_ms, self.finished


def _sign_in(client, options, clock):
    """(authorization headers for the image's HEAD or None, error or None, exchange ms or None)."""
    from azext_acr_replication.images.endpoint import DataPlaneError, repository_scope
    try:
        client.challenge()
        started = clock()
        client.exchange()
        exchange_ms = round((clock() - started) * 1000.0, 1)
        authorization = None
        if options.image is not None:
            authorization = client.authorization(repository_scope(options.image.repository, 'pull'))
        return authorization, None, exchange_ms
    except DataPlaneError as error:
        if error.kind == 'unreachable':  # the transport's words, shortened as a sample's
            from azext_acr_replication.routing.sample import failure
            return None, failure('sign-in', error), None
        return None, ' '.join(str(error).split())[:SIGN_IN_TEXT], None


def probe_one(result, options, client_for, deadline_at, clock=time.monotonic):
    """Probe one replica until deadline_at (a clock value): the sign-in (challenge and token exchange, once), then
    options.samples samples."""
    from azext_acr_replication.routing.sample import Sampler
    client = client_for(result.target.endpoint)
    authorization, error, exchange_ms = _sign_in(client, options, clock)
    with result.lock:
        result.sign_in_error, result.exchange_ms = error, exchange_ms
    sampler = Sampler(client, clock)
    path = None
    if options.image is not None:
        path = f'/v2/{options.image.repository}/manifests/{options.image.reference}'
    for _ in range(options.samples):
        if clock() >= deadline_at:
            break
        if not result.add(sampler.sample(deadline_at, path, authorization)):
            return
    with result.lock:
        result.finished = True


def probe_all(targets, options, client_for, clock=time.monotonic):
    """{replica name: health.Health} for every target with a regional endpoint, and {name: Result}; returns within
    options.timeout (+ GRACE) whatever the replicas do."""
    results = {t.name: Result(t, options.samples) for t in targets if t.endpoint}
    deadline_at = clock() + options.timeout
    done = queue.Queue()

    def work(result):
        try:
            probe_one(result, options, client_for, deadline_at, clock)
        except Exception as error:  # pylint: disable=broad-except
            with result.lock:
                result.sign_in_error = result.sign_in_error or f'probe failed: {type(error).__name__}: {error}'
        finally:
            done.put(result)

    for result in results.values():
        threading.Thread(target=work, args=(result,), daemon=True, name='probe-' + result.target.name).start()
    pending = len(results)
    while pending:
        left = deadline_at + GRACE - clock()
        if left <= 0:
            break
        try:
            done.get(timeout=min(left, 0.25))
            pending -= 1
        except queue.Empty:
            pass
    healths = {}
    for name, result in results.items():
        samples, sign_in_error, _, finished = result.take()
        healths[name] = health_rules.classify(samples, options.slow_ms, sign_in_error, options.timeout,
                                              unanswered=not finished)
    return healths, results


def _not_probed(target):
    if target.provisioning_state in ('Creating', 'Deleting'):
        return f'replica {target.provisioning_state}: no regional endpoint to ask'
    return 'no regional endpoint (the registry names none for this replica)'


def replica_report(target, health, result, now):
    """The JSON of one replica in `probe`."""
    drain = target.drain
    entry = {'name': target.name, 'location': target.location, 'home': target.home, 'endpoint': target.endpoint,
             'provisioningState': target.provisioning_state, 'status': target.status,
             'globalEndpointRouting': target.routed, 'drain': drain.to_dict(now) if drain else None}
    if health is None:
        entry.update({'health': health_rules.NOT_PROBED, 'reasons': [_not_probed(target)], 'p50Ms': None,
                      'maxMs': None, 'exchangeMs': None, 'samples': []})
        return entry
    samples, _, exchange_ms, _ = result.take()
    entry.update({'health': health.state, 'reasons': health.reasons, 'p50Ms': health.p50_ms, 'maxMs': health.max_ms,
                  'exchangeMs': exchange_ms, 'samples': [s.to_dict() for s in samples]})
    notes = sorted({s.note for s in samples if s.note})
    if notes:
        entry['reasons'] = entry['reasons'] + notes
    return entry


def report(registry_name, targets, probed, options, now):
    """`probe`'s JSON: every replica, and whether every routed one is healthy. probed: probe_all's (healths,
    results)."""
    healths, results = probed
    replicas = [replica_report(t, healths.get(t.name), results.get(t.name), now) for t in targets]
    unhealthy = [r['name'] for r in replicas if r['globalEndpointRouting'] and r['health'] != health_rules.HEALTHY]
    image = options.image
    return {'registry': registry_name, 'healthy': not unhealthy, 'unhealthyRouted': unhealthy,
            'image': str(image) if image is not None else None, 'samples': options.samples,
            'slowMs': options.slow_ms, 'timeoutSeconds': options.timeout, 'replicas': replicas}


def verdict(result):
    """None when every routed replica is healthy, else the one error line."""
    bad = [r for r in result['replicas'] if r['name'] in result['unhealthyRouted']]
    if not bad:
        return None
    parts = [f"{r['name']} {r['health']}" + (f" ({r['reasons'][0]})" if r['reasons'] else '') for r in bad]
    return f"Not every routed replica of '{result['registry']}' is healthy: " + '; '.join(parts) + '.'
