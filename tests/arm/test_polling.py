"""arm/polling.py on a fake clock: the poll schedule every wait uses (every second, then every 2 s on a fixed grid,
stretching for hours-long waits, Retry-After first), LRO polls and azure-core's retries bounded by the deadline, and
the pipeline where every try takes a read turn and a 429 costs one pause, never a failure."""
import email.utils
import math
import time
from types import SimpleNamespace

import pytest

from azext_acr_replication.arm import polling
from azext_acr_replication.arm.budget import RATE, ReadBudget
from azext_acr_replication.arm.deadline import DEFAULT_TIMEOUT, Deadline, TimedOut
from azext_acr_replication.arm.polling import AdaptivePolling, Backoff, DeadlineRetryPolicy, PollSchedule, reads_left
from azext_acr_replication.arm.waiting import condition_for, wait_for
from azext_acr_replication.replicas.readiness import wait_until_ready
from tests.helpers import FakeClock, replication

pytestmark = pytest.mark.unit

LATENCY = 0.15  # seconds ARM takes to answer a poll


class PipelineResponse:  # pylint: disable=too-few-public-methods
    """What a polling method or retry policy reads of azure-core's PipelineResponse."""

    def __init__(self, headers, status=200):
        self.http_response = type("H", (), {"headers": headers, "status_code": status})()


def follow(length, cap=30.0, latency=LATENCY):
    """One wait on its own, as AdaptivePolling runs it: a first poll at once, then a pause before each next
    one. Returns (seconds after the operation's end when a poll saw it finished, polls made)."""
    clock = FakeClock()
    schedule = PollSchedule(cap=cap, clock=clock)
    polls = 0
    while True:
        asked = clock.now
        clock.now += latency
        polls += 1
        if asked >= length:
            return clock.now - length, polls
        clock.now += schedule.next()


# --- backoff and the schedule -------------------------------------------------------------------------------------
def test_backoff_starts_fast_and_caps_at_30():
    backoff = Backoff()
    values = [backoff.next() for _ in range(12)]
    assert values[:3] == [1.0, 1.5, 2.25] and max(values) == 30.0


def test_the_schedule_polls_every_second_then_every_2_s_on_a_fixed_grid():
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    offsets = []
    for _ in range(12):
        clock.now += schedule.next()
        offsets.append(clock.now)
    assert offsets == [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16]


def test_a_slow_answer_does_not_push_the_following_polls_back():
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    clock.now += schedule.next()  # the poll at 1 s
    clock.now += 1.5              # ... took 1.5 s to answer: the poll due at 2 s goes at once
    assert schedule.next() == 0
    assert schedule.next() == pytest.approx(0.5)  # and the next one at 3 s, as planned
    clock.now += 0.5 + 4.2        # a turn in the read budget of 4.2 s: one poll now, not four to catch up
    assert schedule.next() == 0
    assert schedule.next() == pytest.approx(0.8)  # 8 s


@pytest.mark.parametrize("length", [3, 30, 90, 300])
def test_a_wait_ends_within_2_s_of_the_operation_at_every_length(length):
    lag, polls = follow(length)
    assert lag <= PollSchedule.STEADY + LATENCY
    # the built-in polls every 30 s: 1 + length / 30 polls, up to 30 s late
    assert polls <= {3: 4, 30: 20, 90: 50, 300: 155}[length]


def test_any_length_up_to_minutes_ends_within_2_s():
    worst = max(follow(length / 10.0)[0] for length in range(5, 4000, 7))
    assert worst <= PollSchedule.STEADY + LATENCY


@pytest.mark.parametrize("minutes", [10, 15, 30, 59])
def test_a_wait_of_up_to_an_hour_ends_within_2_s_of_the_operation(minutes):
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    end = minutes * 60 + 0.3
    while clock.now < end:
        clock.now += schedule.next()
    assert clock.now - end <= PollSchedule.STEADY


def test_hours_long_waits_are_at_most_half_a_percent_late_and_read_little():
    for hours in (1, 2, 3, 6):
        length = hours * 3600 + 17
        lag, polls = follow(length)
        assert lag <= min(30, length / PollSchedule.STRETCH) + LATENCY
        assert polls <= 1850 + 200 * (hours - 1)  # every 2 s for an hour, then fewer: a flat 2 s is 1,800 an hour
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    pauses = []
    while clock.now < 3 * 3600:
        pauses.append(schedule.next())
        clock.now += pauses[-1]
    assert max(pauses) == 30  # the SDK's flat interval is the longest pause


def test_the_longest_pause_can_be_capped():
    assert follow(100, cap=1)[1] >= 100  # `wait --interval 1`: every second
    clock = FakeClock()
    schedule = PollSchedule(cap=10, clock=clock)
    clock.now = 5000
    clock.now += schedule.next()  # overdue: at once
    clock.now += schedule.next()  # the grid point after 5,000 s
    assert schedule.next() == 10


def test_retry_after_replaces_the_next_pause_and_the_grid_goes_on_from_there():
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    clock.now += schedule.next()          # 1 s
    assert schedule.next(retry_after=7) == 7
    clock.now += 7                        # 8 s
    assert schedule.next() == 2           # 10 s


# --- LRO polls ------------------------------------------------------------------------------------------------
def test_adaptive_polling_follows_the_schedule_and_prefers_retry_after():
    clock = FakeClock()
    adaptive = AdaptivePolling()
    adaptive._schedule = PollSchedule(clock=clock)  # pylint: disable=protected-access
    adaptive._pipeline_response = PipelineResponse({})  # pylint: disable=protected-access

    def pause():
        delay = adaptive._extract_delay()  # pylint: disable=protected-access
        clock.sleep(delay)
        return delay
    assert [pause() for _ in range(10)] == [1.0] * 8 + [2.0] * 2  # every second, then every 2 s
    adaptive._pipeline_response = PipelineResponse({"retry-after": "7"})  # pylint: disable=protected-access
    assert pause() == 7


def test_lro_polls_wait_at_most_until_the_deadline_then_stop():
    clock = FakeClock(100)
    deadline = Deadline(5, clock, clock.sleep)
    adaptive = AdaptivePolling(deadline=deadline)
    adaptive._pipeline_response = PipelineResponse({"retry-after": "30"})  # pylint: disable=protected-access
    clock.now += 2
    assert adaptive._extract_delay() == 3  # pylint: disable=protected-access
    clock.now += 3
    with pytest.raises(TimedOut, match="while ARM was still running the operation; it goes on in Azure"):
        adaptive._extract_delay()  # pylint: disable=protected-access


def test_the_final_get_of_an_lro_is_marked_as_the_read_of_a_result():
    seen = []

    class Finished(polling.AdaptivePolling):
        def __init__(self, done):
            super().__init__()
            self._done = done

        def finished(self):
            return self._done

    def base_request_status(self, link):  # what azure-core's request_status does: the GET, through the pipeline
        seen.append((link, polling.reading_a_result()))
    original = polling.ARMPolling.request_status
    polling.ARMPolling.request_status = base_request_status
    try:
        Finished(False).request_status("operationStatuses/1")
        Finished(True).request_status("replications/eastus")
    finally:
        polling.ARMPolling.request_status = original
    assert seen == [("operationStatuses/1", False), ("replications/eastus", True)]
    assert polling.reading_a_result() is False


# --- azure-core's retries and the read budget in the pipeline --------------------------------------------------
def test_azure_core_retries_honour_retry_after_within_the_deadline_and_give_up_beyond_it():
    clock = FakeClock(100)
    policy = DeadlineRetryPolicy(retry_total=6)
    transport = type("T", (), {"sleep": staticmethod(clock.sleep)})()
    settings = policy.configure_retries({})
    policy.deadline = Deadline(10, clock, clock.sleep)
    policy.sleep(settings, transport, response=PipelineResponse({"Retry-After": "3"}, 429))
    assert clock.slept == [3]
    with pytest.raises(TimedOut, match="ARM answered 429 and asked to wait 40 s before trying again"):
        policy.sleep(settings, transport, response=PipelineResponse({"Retry-After": "40"}, 429))
    assert clock.slept == [3]  # not slept: it would have ended past the deadline


def test_reads_left_takes_the_fewest_arm_reports():
    assert reads_left({}) is None
    assert reads_left({"x-ms-ratelimit-remaining-subscription-reads": "249"}) == 249
    assert reads_left({"x-ms-ratelimit-remaining-subscription-reads": "249",
                       "x-ms-ratelimit-remaining-subscription-global-reads": "16499"}) == 249
    assert reads_left({"x-ms-ratelimit-remaining-subscription-global-reads": "12"}) == 12
    assert reads_left({"x-ms-ratelimit-remaining-subscription-reads": "soon"}) is None


class TransportResponse:  # pylint: disable=too-few-public-methods
    def __init__(self, request, status, headers):
        self.request, self.status_code, self.headers = request, status, headers
        self.reason = "x"

    def body(self):
        return b""


def pipeline_with(answers, deadline, budget):
    """azure-core's Pipeline with our retry and read-budget policies over a transport that answers (status,
    headers) from `answers` and refuses to sleep: every pause must go through the deadline."""
    from azure.core.pipeline import Pipeline
    from azure.core.pipeline.transport import HttpTransport

    class Transport(HttpTransport):
        def __init__(self):
            self.sent = []

        def send(self, request, **kwargs):
            self.sent.append(request)
            status, headers = answers.pop(0)
            return TransportResponse(request, status, headers)

        def open(self):
            pass

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            pass

        def sleep(self, duration):
            raise AssertionError("slept outside the deadline")

    retry = DeadlineRetryPolicy(retry_total=6)
    retry.deadline, retry.budget = deadline, budget
    transport = Transport()
    return Pipeline(transport, [retry, retry.reads]), transport


def test_a_throttled_read_costs_one_pause_per_429_and_never_fails_while_the_deadline_allows():
    from azure.core.rest import HttpRequest
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    deadline = Deadline(600, clock, clock.sleep)
    throttled = (429, {"Retry-After": "2", "x-ms-ratelimit-remaining-subscription-reads": "0"})
    answers = [throttled] * 9 + [(200, {"x-ms-ratelimit-remaining-subscription-reads": "240"})]
    pipeline, transport = pipeline_with(answers, deadline, budget)
    url = "https://management.azure.com/subscriptions/S1/resourceGroups/g/providers/x/y?api-version=1"
    response = pipeline.run(HttpRequest("GET", url))
    assert response.http_response.status_code == 200  # 9 429s: more than azure-core's tries, not a failure
    assert len(transport.sent) == 10 and budget.reads == 10 and budget.pauses == 9
    assert clock.now == 9 * 2  # one Retry-After each, nothing more
    assert budget.current_rate("s1") == RATE  # ARM's last word: 240 left
    # without a deadline (commands that do not wait): azure-core's bounded tries, then the 429 is the answer
    pipeline, transport = pipeline_with([throttled] * 9, None, None)
    pipeline._impl_policies[0].sleep = lambda *a, **k: None  # pylint: disable=protected-access
    assert pipeline.run(HttpRequest("GET", url)).http_response.status_code == 429
    assert len(transport.sent) < 9


def test_a_write_does_not_wait_for_a_read_turn():
    from azure.core.rest import HttpRequest
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=30)
    pipeline, _ = pipeline_with([(201, {})], Deadline(600, clock, clock.sleep), budget)
    pipeline.run(HttpRequest("PUT", "https://management.azure.com/subscriptions/S1/x?api-version=1"))
    assert clock.now == 0 and budget.reads == 0


def test_a_429_whose_retry_after_is_a_date_holds_the_budget_until_that_date(monkeypatch):
    import email.utils
    import time
    from azure.core.rest import HttpRequest
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)  # the date is read against the wall clock
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    date = email.utils.formatdate(time.time() + 20, usegmt=True)
    pipeline, _ = pipeline_with([(429, {"Retry-After": date}), (200, {})], Deadline(600, clock, clock.sleep), budget)
    pipeline.run(HttpRequest("GET", "https://management.azure.com/subscriptions/S1/x?api-version=1"))
    assert budget.pauses == 1 and clock.now >= 18  # not the 5 s kept for a 429 without Retry-After


# --- how long the commands' waits take and what holds their reads: `wait` with its default --interval (30 s, only
# the longest pause) and --wait-ready end within 2 s of the replica at any length; update and delete, which have no
# --timeout, follow a write far past the default deadline; a 429 through the pipeline holds every read of the
# subscription in its URL, and only that one, for its Retry-After (seconds or an HTTP date). Smoke tests of the same
# through az: tests/commands/test_polling.py.

LENGTHS = [3, 14, 25, 90, 600]  # seconds a replica takes: within the first 8 s, past them, minutes


@pytest.mark.parametrize("length", LENGTHS)
def test_wait_with_the_default_interval_ends_within_2_s_of_the_replica(length):
    clock = FakeClock()
    reads = []

    def get():
        reads.append(clock.now)
        return replication("eastus", state="Creating" if clock.now < length else "Succeeded")
    description, created = condition_for(created=True)
    wait_for(get, description, created, Deadline(DEFAULT_TIMEOUT, clock, clock.sleep), 30)
    assert 0 <= clock.now - length <= PollSchedule.STEADY
    assert len(reads) <= 9 + length / PollSchedule.STEADY  # the grid's polls, not more


@pytest.mark.parametrize("length", LENGTHS)
def test_wait_ready_ends_within_2_s_of_the_data(length):
    clock = FakeClock()

    def get(name):
        return replication(name, display="Syncing" if clock.now < length else "Ready")
    ready = wait_until_ready(get, ["eastus", "japaneast"], Deadline(DEFAULT_TIMEOUT, clock, clock.sleep))
    assert sorted(ready) == ["eastus", "japaneast"]
    assert 0 <= clock.now - length <= PollSchedule.STEADY


class _Answer:  # pylint: disable=too-few-public-methods
    def __init__(self, headers, status=200):
        self.http_response = SimpleNamespace(headers=headers, status_code=status)


def test_update_and_delete_follow_a_write_past_the_default_timeout():
    from azext_acr_replication import custom
    policy = DeadlineRetryPolicy(retry_total=6)
    client = SimpleNamespace(_config=SimpleNamespace(retry_policy=policy))
    deadline = custom._deadline(client)  # pylint: disable=protected-access
    assert policy.deadline is deadline and policy.budget is not None  # bound to the client's retries and reads
    assert deadline.seconds == math.inf and not deadline.expired
    clock = FakeClock()
    polling = AdaptivePolling(deadline=Deadline(math.inf, clock, clock.sleep))
    polling._pipeline_response = _Answer({})  # pylint: disable=protected-access
    clock.now += 10 * DEFAULT_TIMEOUT
    assert 0 <= polling._extract_delay() <= 30  # pylint: disable=protected-access
    # (with a finite deadline the same poll ends the wait: tests of arm/deadline.py)


def throttled_read(budget, clock, retry_after, url):
    """One read through the command's ReadBudgetPolicy that ARM answers 429 with this Retry-After."""
    owner = DeadlineRetryPolicy(retry_total=6)
    owner.deadline, owner.budget = Deadline(600, clock, clock.sleep), budget
    owner.reads.next = SimpleNamespace(send=lambda request: _Answer({"Retry-After": retry_after}, 429))
    owner.reads.send(SimpleNamespace(http_request=SimpleNamespace(method="GET", url=url)))


def test_a_429_through_the_pipeline_holds_only_the_subscription_in_its_url():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    throttled_read(budget, clock, "20", "https://management.azure.com/subscriptions/S1/resourceGroups/g/x?a=1")
    assert budget.held_for("s1") == 20 and budget.held_for("s2") == 0
    assert budget.reserve("s1") == 20 and budget.reserve("s2") == 0


def test_a_429_with_an_http_date_holds_every_read_of_its_subscription_until_that_date():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    date = email.utils.formatdate(time.time() + 20, usegmt=True)  # whole seconds: 19 to 20 s from now
    throttled_read(budget, clock, date, "https://management.azure.com/subscriptions/S1/x?api-version=1")
    held = budget.held_for("s1")
    assert 18.5 <= held <= 20, held  # not the 5 s kept for a 429 without Retry-After
    for _ in range(3):  # every read of the subscription, whichever region it polls, waits for the date
        assert budget.reserve("s1") >= held
