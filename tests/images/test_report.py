"""images/report.py: what every data-plane answer of `status` shares: the JSON frame (and with --wait how long it
waited), the one-line verdict with its exit code (complete, in no region at all: 3, not in every region yet,
waiting will not change it, timed out), and names grouped by state. Then the verdict of `status --image` as
artifacts.judged makes it from a poll (a fake probe on virtual time)."""
import pytest

from azext_acr_replication.images import artifacts
from azext_acr_replication.images import report as image_report
from tests.helpers import DIGEST, poll, targets

pytestmark = pytest.mark.unit


def test_some_lists_five_names_then_how_many_more():
    assert image_report.some(["a", "b"]) == "a, b"
    assert image_report.some(list("abcdefg")) == "a, b, c, d, e and 2 more"
    assert image_report.some(list("abcd"), shown=3) == "a, b, c and 1 more"


def test_the_answer_frame_with_and_without_a_wait():
    assert image_report.answer("myreg", True, "images", []) == {"registry": "myreg", "complete": True, "images": []}
    assert image_report.answer("myreg", False, "repositories", [{"x": 1}], waited=12.345, timed_out=True) == {
        "registry": "myreg", "complete": False, "repositories": [{"x": 1}], "waitedSeconds": 12.3, "timedOut": True}
    assert image_report.waited_for({}, 0, False) == {"waitedSeconds": 0, "timedOut": False}


def test_verdict_lines_and_exit_codes():
    problems = "hello:v1: missing in eastus"
    assert image_report.verdict("in every region", problems) == (
        "Not in every region yet: hello:v1: missing in eastus.", 1)
    assert image_report.verdict("in every region", problems, timed_out_after=61.7) == (
        "Timed out after 61 s. Not in every region yet: hello:v1: missing in eastus.", 1)
    assert image_report.verdict("the same in every region", problems, stuck=True, advice="eastus: denied") == (
        "Not the same in every region, and waiting will not change that: hello:v1: missing in eastus. "
        "eastus: denied.", 1)
    assert image_report.verdict("in every region", problems, stuck=True) == (
        "Not in every region, and waiting will not change that: hello:v1: missing in eastus.", 1)
    # what is in no region goes first, and alone: nothing to wait for
    assert image_report.verdict("in every region", problems, nowhere="Not found anywhere.", stuck=True,
                                timed_out_after=3) == ("Not found anywhere.", 3)


def test_nowhere_line_and_regions_grouped_by_state():
    assert image_report.nowhere_line("myreg", ["app:1", "api:2"], "Check it.") == (
        "Not found in any region of 'myreg': app:1, api:2. Check it.")
    assert image_report.by_regions([("eastus", "missing"), ("japaneast", "error"), ("uksouth", "missing")]) == [
        ("missing", ["eastus", "uksouth"]), ("error", ["japaneast"])]


def judged(run, board, **options):
    probe = run.probe
    return artifacts.judged("myreg", board, probe, artifacts.report("myreg", board, probe), **options)


def test_verdicts_and_exit_codes_of_an_image_poll(clock):
    run, complete = poll(clock, targets("westus"), ["hello:v1"], lambda t, i: DIGEST)
    assert judged(run, complete) is None
    run, nowhere = poll(clock, targets("westus", "eastus"), ["hello:v1"], lambda t, i: None)
    assert judged(run, nowhere) == (
        "Not found in any region of 'myreg': hello:v1. Check the repository and tag (or push the image first).", 3)
    run, late = poll(clock, targets("westus", "eastus"), ["hello:v1"],
                     lambda t, i: DIGEST if t.location == "westus" else None)
    assert judged(run, late, timed_out_after=61.7) == (
        "Timed out after 61 s. Not in every region yet: hello:v1: missing in eastus.", 1)
