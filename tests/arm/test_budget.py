"""arm/budget.py: the command's one read budget on a fake clock. A burst, then a rate shared fairly by every wait,
slower in proportion when ARM says few reads are left, held for a 429's Retry-After (per subscription), never past
the deadline; the read of a result does not queue behind polls.

The simulations are event-driven: a poll at time t sees the operation finished when t >= its length, every answer
takes LATENCY seconds, and reads go through ReadBudget.reserve() in the order they are asked for."""
import heapq

import pytest

from azext_acr_replication.arm.budget import BURST, FLOOR, LOW, RATE, REMEMBER, ReadBudget
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.arm.polling import PollSchedule
from tests.helpers import FakeClock

pytestmark = pytest.mark.unit

LATENCY = 0.15  # seconds ARM takes to answer a poll


def simulate(waits, seconds, budget_kwargs=None, lengths=None):
    """`waits` operations polled on their own schedules through one ReadBudget, for `seconds`. Returns
    ({wait: [times its reads went]}, budget)."""
    clock = FakeClock()
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
    clock = FakeClock()
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
    clock = FakeClock()
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
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.observe("sub", 25)
    waits = [budget.reserve("sub") for _ in range(BURST + 10)]
    assert waits[BURST + 9] - waits[BURST - 1] == pytest.approx(10 / (RATE * 25 / LOW))


def test_with_few_reads_left_there_is_no_burst_either():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.observe("sub", 5)
    rate = RATE * 5 / LOW
    waits = [budget.reserve("sub") for _ in range(3)]
    assert waits[0] == 0 and waits[1] > 0 and waits[2] - waits[1] == pytest.approx(1 / rate)  # not a burst at once


def test_a_429_holds_every_read_for_its_retry_after_then_lets_them_go_one_at_a_time():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=3)
    assert budget.reserve() == 3
    assert budget.reserve() == pytest.approx(3 + 1 / RATE)
    assert budget.pauses == 1
    budget.throttled()  # no Retry-After: a pause of its own
    assert budget.held_for() == 5


def test_a_read_already_waiting_its_turn_also_waits_out_a_429_that_came_meanwhile():
    clock = FakeClock()
    budget = ReadBudget(burst=1, clock=clock)
    budget.take()  # the burst

    def sleep(seconds):
        if not clock.slept:
            budget.throttled(retry_after=3)  # another thread's read was answered 429 while this one waited
        clock.sleep(seconds)
    budget._sleep = sleep  # pylint: disable=protected-access
    budget.take()
    assert clock.slept == [pytest.approx(1 / RATE), pytest.approx(3 - 1 / RATE)]


def test_a_429_in_one_subscription_holds_only_that_subscriptions_reads():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=20, subscription="s1")
    assert budget.reserve("s1") == 20 and budget.reserve("s2") == 0
    budget.observe("s1", 0)
    assert budget.current_rate("s1") == FLOOR and budget.current_rate("s2") == RATE


def test_a_turn_is_never_waited_for_past_the_deadline():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    budget.throttled(retry_after=40)
    budget.take(Deadline(5, clock, clock.sleep))
    assert clock.now == 5


def test_the_result_of_an_ended_operation_does_not_queue_behind_polls():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    for _ in range(BURST + 30):
        budget.reserve("s")  # 30 polls queued behind the burst: the last goes 2 s from now
    assert budget.reserve("s") > 2
    assert budget.reserve("s", queue=False) == 0  # a final GET: at once (counted all the same)
    budget.throttled(retry_after=4, subscription="s")
    assert budget.reserve("s", queue=False) == 4  # but never inside a 429's pause
