"""Issue 20 without az: the poll schedule every wait uses and the command's one read budget, on a fake clock.

Each simulation is event-driven: a poll at time t sees the operation finished when t >= its length, every
answer takes LATENCY seconds, and reads go through ReadBudget.reserve() in the order they are asked for."""
import heapq

import pytest

from azext_acr_replication.arm.budget import BURST, FLOOR, LOW, RATE, REMEMBER, ReadBudget
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.arm.polling import DeadlineRetryPolicy, PollSchedule, reads_left

LATENCY = 0.15  # seconds ARM takes to answer a poll


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def follow(length, cap=30.0, latency=LATENCY):
    """One wait on its own, as AdaptivePolling runs it: a first poll at once, then a pause before each next
    one. Returns (seconds after the operation's end when a poll saw it finished, polls made)."""
    clock = Clock()
    schedule = PollSchedule(cap=cap, clock=clock)
    polls = 0
    while True:
        asked = clock.now
        clock.now += latency
        polls += 1
        if asked >= length:
            return clock.now - length, polls
        clock.now += schedule.next()


# --- the schedule ------------------------------------------------------------------------------------
def test_the_schedule_polls_every_second_then_every_2_s_on_a_fixed_grid():
    clock = Clock()
    schedule = PollSchedule(clock=clock)
    offsets = []
    for _ in range(12):
        clock.now += schedule.next()
        offsets.append(clock.now)
    assert offsets == [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16]


def test_a_slow_answer_does_not_push_the_following_polls_back():
    clock = Clock()
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


def test_hours_long_waits_are_at_most_half_a_percent_late_and_read_little():
    for hours in (1, 2, 3, 6):
        length = hours * 3600 + 17
        lag, polls = follow(length)
        assert lag <= min(30, length / PollSchedule.STRETCH) + LATENCY
        assert polls <= 1850 + 200 * (hours - 1)  # every 2 s for an hour, then fewer: a flat 2 s is 1,800 an hour
    clock = Clock()
    schedule = PollSchedule(clock=clock)
    pauses = []
    while clock.now < 3 * 3600:
        pauses.append(schedule.next())
        clock.now += pauses[-1]
    assert max(pauses) == 30  # the SDK's flat interval is the longest pause


def test_the_longest_pause_can_be_capped():
    assert follow(100, cap=1)[1] >= 100  # `wait --interval 1`: every second
    clock = Clock()
    schedule = PollSchedule(cap=10, clock=clock)
    clock.now = 5000
    clock.now += schedule.next()  # overdue: at once
    clock.now += schedule.next()  # the grid point after 5,000 s
    assert schedule.next() == 10


def test_retry_after_replaces_the_next_pause_and_the_grid_goes_on_from_there():
    clock = Clock()
    schedule = PollSchedule(clock=clock)
    clock.now += schedule.next()          # 1 s
    assert schedule.next(retry_after=7) == 7
    clock.now += 7                        # 8 s
    assert schedule.next() == 2           # 10 s


# --- the read budget -------------------------------------------------------------------------------------
def simulate(waits, seconds, budget_kwargs=None, lengths=None):
    """`waits` operations polled on their own schedules through one ReadBudget, for `seconds`. Returns
    ({wait: [times its reads went]}, budget)."""
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep, **(budget_kwargs or {}))
    schedules = {w: PollSchedule(clock=clock) for w in range(waits)}
    lengths = lengths or {}
    reads = {w: [] for w in range(waits)}
    wanted = [(0.0, w) for w in range(waits)]  # (when the wait wants to read, wait)
    heapq.heapify(wanted)
    while wanted:
        at, wait = heapq.heappop(wanted)
        if at > seconds:
            break
        clock.now = at
        went = at + budget.reserve()
        reads[wait].append(went)
        clock.now = went + LATENCY
        if went >= lengths.get(wait, float("inf")):
            continue
        heapq.heappush(wanted, (clock.now + schedules[wait].next(), wait))
    return reads, budget


def most_in_one_second(times, after=0.0):
    times = sorted(t for t in times if t >= after)
    return max((sum(1 for u in times if t <= u < t + 1) for t in times), default=0)


def test_one_wait_alone_keeps_its_schedule():
    reads, _ = simulate(1, 60)
    alone = [0.0]
    clock = Clock()
    schedule = PollSchedule(clock=clock)
    while alone[-1] < 60:
        clock.now = alone[-1] + LATENCY
        alone.append(clock.now + schedule.next())
    assert reads[0] == pytest.approx(alone[:len(reads[0])])


def test_thirty_operations_share_one_rate_fairly():
    reads, budget = simulate(30, 120)
    every = [t for times in reads.values() for t in times]
    assert most_in_one_second(every) <= BURST + RATE  # the first round: the burst
    assert most_in_one_second(every, after=3) <= RATE + 1  # then the command's rate, not 30 x 1 a second
    counts = [len(times) for times in reads.values()]
    assert max(counts) - min(counts) <= 2  # round-robin: nobody starves, nobody hogs
    gaps = [b - a for times in reads.values() for a, b in zip(times, times[1:])]
    assert max(gaps) <= 30 / RATE + PollSchedule.STEADY  # each operation still polled every few seconds
    assert budget.reads == len(every)


def test_ten_regions_polling_every_2_s_are_not_slowed():
    reads, _ = simulate(10, 90, lengths={w: 90 for w in range(10)})
    for times in reads.values():
        assert times[-1] - 90 <= PollSchedule.STEADY + 2 * LATENCY  # each ends within 2 s of its operation


def test_the_command_slows_down_in_proportion_when_arm_says_few_reads_are_left():
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    assert budget.current_rate("sub") == RATE
    budget.observe("sub", 200)
    assert budget.current_rate("sub") == RATE
    budget.observe("sub", LOW // 5)
    assert budget.current_rate("sub") == pytest.approx(RATE / 5)
    budget.observe("other", 0)
    assert budget.current_rate("other") == FLOOR
    assert budget.current_rate("sub") == pytest.approx(RATE / 5)  # each subscription by its own count
    clock.now += REMEMBER + 1
    assert budget.current_rate("other") == RATE  # old news: forgotten
    # with 25 reads left, reads come 2 a second once the burst is spent, not 10
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.observe("sub", 25)
    waits = [budget.reserve("sub") for _ in range(BURST + 10)]
    assert waits[BURST + 9] - waits[BURST - 1] == pytest.approx(10 / (RATE * 25 / LOW))


def test_a_429_holds_every_read_for_its_retry_after_then_lets_them_go_one_at_a_time():
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=3)
    assert budget.reserve() == 3
    assert budget.reserve() == pytest.approx(3 + 1 / RATE)
    assert budget.pauses == 1
    budget.throttled()  # no Retry-After: a pause of its own
    assert budget.held_for() == 5


def test_a_read_already_waiting_its_turn_also_waits_out_a_429_that_came_meanwhile():
    clock = Clock()
    budget = ReadBudget(burst=1, clock=clock)
    budget.take()  # the burst

    def sleep(seconds):
        if not clock.slept:
            budget.throttled(retry_after=3)  # another thread's read was answered 429 while this one waited
        clock.sleep(seconds)
    budget._sleep = sleep  # pylint: disable=protected-access
    budget.take()
    assert clock.slept == [pytest.approx(1 / RATE), pytest.approx(3 - 1 / RATE)]


def test_a_turn_is_never_waited_for_past_the_deadline():
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=40)
    budget.take(Deadline(5, clock, clock.sleep))
    assert clock.now == 5


def test_reads_left_takes_the_fewest_arm_reports():
    assert reads_left({}) is None
    assert reads_left({"x-ms-ratelimit-remaining-subscription-reads": "249"}) == 249
    assert reads_left({"x-ms-ratelimit-remaining-subscription-reads": "249",
                       "x-ms-ratelimit-remaining-subscription-global-reads": "16499"}) == 249
    assert reads_left({"x-ms-ratelimit-remaining-subscription-global-reads": "12"}) == 12
    assert reads_left({"x-ms-ratelimit-remaining-subscription-reads": "soon"}) is None


# --- the pipeline: every try takes a turn, a 429 costs one pause, never a failure ----------------------
class FakeResponse:  # pylint: disable=too-few-public-methods
    def __init__(self, request, status, headers):
        self.request, self.status_code, self.headers = request, status, headers
        self.reason = "x"

    def body(self):
        return b""


def pipeline_with(answers, deadline, budget):
    from azure.core.pipeline import Pipeline
    from azure.core.pipeline.transport import HttpTransport

    class Transport(HttpTransport):
        def __init__(self):
            self.sent = []

        def send(self, request, **kwargs):
            self.sent.append(request)
            status, headers = answers.pop(0)
            return FakeResponse(request, status, headers)

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
    clock = Clock()
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
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=30)
    pipeline, _ = pipeline_with([(201, {})], Deadline(600, clock, clock.sleep), budget)
    pipeline.run(HttpRequest("PUT", "https://management.azure.com/subscriptions/S1/x?api-version=1"))
    assert clock.now == 0 and budget.reads == 0


def test_with_few_reads_left_there_is_no_burst_either():
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.observe("sub", 5)
    rate = RATE * 5 / LOW
    waits = [budget.reserve("sub") for _ in range(3)]
    assert waits[0] == 0 and waits[1] > 0 and waits[2] - waits[1] == pytest.approx(1 / rate)  # not a burst at once


# --- review of issue 20 ----------------------------------------------------------------------------------------------
def test_a_429_in_one_subscription_holds_only_that_subscriptions_reads():
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=20, subscription="s1")
    assert budget.reserve("s1") == 20 and budget.reserve("s2") == 0
    budget.observe("s1", 0)
    assert budget.current_rate("s1") == FLOOR and budget.current_rate("s2") == RATE


def test_retry_after_as_an_http_date_or_in_milliseconds_is_read():
    from email.utils import formatdate
    from azext_acr_replication.arm.errors import retry_after_seconds
    assert retry_after_seconds({"Retry-After": formatdate(1000.0 + 20, usegmt=True)}, now=1000.0) == 20
    assert retry_after_seconds({"Retry-After": formatdate(900.0, usegmt=True)}, now=1000.0) == 0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"x-ms-retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert retry_after_seconds({"Retry-After": "7"}) == 7 and retry_after_seconds({"Retry-After": "soon"}) is None


def test_a_429_whose_retry_after_is_a_date_holds_the_budget_until_that_date():
    import email.utils
    import time as real_time
    from azure.core.rest import HttpRequest
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    date = email.utils.formatdate(real_time.time() + 20, usegmt=True)
    pipeline, _ = pipeline_with([(429, {"Retry-After": date}), (200, {})], Deadline(600, clock, clock.sleep), budget)
    pipeline.run(HttpRequest("GET", "https://management.azure.com/subscriptions/S1/x?api-version=1"))
    assert budget.pauses == 1 and clock.now >= 18  # not the 5 s kept for a 429 without Retry-After


@pytest.mark.parametrize("minutes", [10, 15, 30, 59])
def test_a_wait_of_up_to_an_hour_ends_within_2_s_of_the_operation(minutes):
    clock = Clock()
    schedule = PollSchedule(clock=clock)
    end = minutes * 60 + 0.3
    while clock.now < end:
        clock.now += schedule.next()
    assert clock.now - end <= PollSchedule.STEADY


def test_the_result_of_an_ended_operation_does_not_queue_behind_polls():
    clock = Clock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    for _ in range(BURST + 30):
        budget.reserve("s")  # 30 polls queued behind the burst: the last goes 2 s from now
    assert budget.reserve("s") > 2
    assert budget.reserve("s", queue=False) == 0  # a final GET: at once (counted all the same)
    budget.throttled(retry_after=4, subscription="s")
    assert budget.reserve("s", queue=False) == 4  # but never inside a 429's pause


def test_the_final_get_of_an_lro_is_marked_as_the_read_of_a_result():
    from azext_acr_replication.arm import polling
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
