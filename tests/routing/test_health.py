"""routing/health.py: samples -> healthy / degraded / down."""
import pytest

from azext_acr_replication.routing.health import DEGRADED, DOWN, HEALTHY, Sample, classify

pytestmark = pytest.mark.unit


def ok(ms):
    return Sample(v2_ms=ms, v2_status=401)


def test_all_answered_fast_is_healthy():
    found = classify([ok(10), ok(20), ok(30)], slow_ms=2000)
    assert found.state == HEALTHY and found.p50_ms == 20 and found.max_ms == 30


def test_slow_median_is_degraded():
    found = classify([ok(2500), ok(2600), ok(10)], slow_ms=2000)
    assert found.state == DEGRADED and "slow" in found.reasons[0]


def test_some_failed_is_degraded():
    found = classify([ok(10), Sample(error="GET /v2/: 503"), ok(10)], slow_ms=2000)
    assert found.state == DEGRADED and found.reasons[0].startswith("1 of 3 samples failed")


def test_every_sample_failed_is_down():
    found = classify([Sample(error="connection refused")] * 3, slow_ms=2000)
    assert found.state == DOWN and found.reasons == ["every sample failed: connection refused (3)"]


def test_hang_is_down_with_its_bound():
    found = classify([Sample(ran=False)] * 3, slow_ms=2000, bound_seconds=2, unanswered=True)
    assert found.state == DOWN and found.reasons == ["no answer within 2 s"]


def test_sign_in_failure_is_degraded():
    assert classify([ok(10)] * 3, slow_ms=2000, sign_in_error="429").state == DEGRADED


def test_slow_ms_is_a_strict_threshold_on_the_median():
    assert classify([ok(2000), ok(2000), ok(9000)], slow_ms=2000).state == HEALTHY  # one slow sample, median at it
    assert classify([ok(2001), ok(2001), ok(10)], slow_ms=2000).state == DEGRADED


def test_samples_not_run_before_the_bound_degrade_or_down():
    partial = classify([ok(10), Sample(ran=False), Sample(ran=False)], slow_ms=2000, bound_seconds=1)
    assert partial.state == DEGRADED and partial.reasons == ["2 of 3 samples not finished within 1 s"]
    none = classify([Sample(error="reset"), Sample(ran=False)], slow_ms=2000, bound_seconds=1)
    assert none.state == DOWN and none.reasons[0] == "every sample failed: reset"


def test_a_slow_region_whose_samples_the_bound_cut_off_is_degraded_not_down():
    """The sign-in answered, then the bound ended while each sample waited: slow, not down (a probe
    --drain-unhealthy must not drain it without --drain-degraded)."""
    found = classify([Sample(ran=False)] * 3, slow_ms=2000, bound_seconds=10)
    assert found.state == DEGRADED and found.reasons == ["slow: no sample finished within 10 s (the sign-in answered)"]
    assert classify([Sample(ran=False)] * 3, slow_ms=2000, sign_in_error="sign-in: timed out").state == DOWN


def test_a_sample_the_bound_cuts_off_is_unfinished_not_failed():
    from azext_acr_replication.images.endpoint import DataPlaneError
    from azext_acr_replication.routing.sample import Sampler
    now = [0.0]

    class Slow:  # answers nothing before the timeout it is given, which is what is left of the bound
        def send_once(self, method, path, headers=None, timeout=None):
            now[0] += timeout
            raise DataPlaneError("unreachable", "myreg.eastus.geo.azurecr.io timed out")
    sample = Sampler(Slow(), clock=lambda: now[0]).sample(deadline=5.0)
    assert not sample.ran and sample.error is None and sample.note == "GET /v2/: not finished within the bound"
