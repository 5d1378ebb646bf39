"""routing/record.py: the drain record as tags, within Azure's tag rules."""
import datetime

import pytest

from azext_acr_replication.routing import record
from tests.helpers import NOW

pytestmark = pytest.mark.unit


def test_round_trip_keeps_other_tags():
    tags = record.with_drain({"team": "a"}, "INC-1", "ops@contoso", NOW)
    drain = record.read(tags)
    assert drain.reason == "INC-1" and drain.by == "ops@contoso" and drain.since() == "INC-1, since 2026-12-02T10:00:00Z"
    assert record.without(tags) == {"team": "a"}


def test_names_and_values_within_azure_rules():
    tags = record.with_drain({}, "x" * 1000, "y" * 1000, NOW)
    assert record.problems(tags) == []
    assert all(len(v) <= record.VALUE_MAX for v in tags.values())
    assert not any(c in name for name in tags for c in record.NAME_FORBIDDEN)


def test_problems_named():
    assert record.problems({"a/b": "1"}) and record.problems({"k": "v" * 257})
    assert record.problems({str(i): "" for i in range(51)})


def test_read_is_case_insensitive_like_arm():
    assert record.read({"ACR-Replication.Drain-Reason": "r"}).reason == "r"
    assert record.read({"team": "a"}) is None


def test_age():
    assert record.read(record.with_drain({}, "r", None, NOW)).age_seconds(NOW + datetime.timedelta(seconds=90)) == 90


@pytest.mark.parametrize("char", list(record.NAME_FORBIDDEN))
def test_each_forbidden_name_character_is_named(char):
    assert record.problems({"a" + char + "b": "v"})


def test_limits_are_azures():
    assert record.problems({"n" * 512: "v" * 256}) == []
    assert record.problems({"n" * 513: "v"}) and record.problems({"n": "v" * 257})
    assert all(len(key) <= 512 and key.startswith(record.PREFIX) for key in record.KEYS)
    assert record.clip("a  b\n c") == "a b c" and len(record.clip("x" * 300)) == 256
