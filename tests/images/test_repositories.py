"""images/repositories.py: the probe of `status --repository`. A repository is in no region only once every region
has answered, and a read with tags set aside (pushed or moved while read) is not complete."""
import pytest

from azext_acr_replication.images.listing import Tags
from azext_acr_replication.images.poller import MISSING, PRESENT, Board, Observation
from azext_acr_replication.images.repositories import RepositoryProbe
from azext_acr_replication.images.snapshot import Target

pytestmark = pytest.mark.unit


def west_and_east():
    return (Target("westus", "westus", "Succeeded", "r.westus.geo.azurecr.io"),
            Target("eastus", "eastus", "Succeeded", "r.eastus.geo.azurecr.io"))


def test_a_repository_is_in_no_region_only_once_every_region_has_answered():
    west, east = west_and_east()
    probe = RepositoryProbe(["nosuch"], None)
    board = Board([west, east], probe.items)
    board.record(west, "nosuch", Observation(MISSING), 0.1)
    assert probe.nowhere(board) == []  # eastus has not answered yet: not "unreachable", not "nowhere" either
    board.record(east, "nosuch", Observation(MISSING), 0.2)
    assert probe.nowhere(board) == ["nosuch"] and probe.state(board, east, "nosuch") == "no repository"


def test_a_read_with_tags_set_aside_is_not_complete():
    west, east = west_and_east()
    probe = RepositoryProbe(["app"], None, set_aside=True, started=1000.0)
    board = Board([west, east], probe.items)
    board.record(west, "app", Observation(PRESENT, listing=Tags({"v1": ("a", 10.0), "new": ("n", 1005.0)}, 1000.0,
                                                                1000.0)), 0.1)
    board.record(east, "app", Observation(PRESENT, listing=Tags({"v1": ("a", 10.0)}, 1000.0, 1000.0)), 0.2)
    assert probe.comparison(board, "app").changed == ["new"] and probe.state(board, east, "app") == "present"
    assert probe.complete(board) is False  # v1 is alike everywhere, but "new" was not judged: not a yes
    waiting = RepositoryProbe(["app"], None, set_aside=False, started=1000.0)
    again = Board([west, east], waiting.items)
    again.record(west, "app", board.observation(west, "app"), 0.1)
    again.record(east, "app", board.observation(east, "app"), 0.2)
    assert waiting.comparison(again, "app").missing == {"new": ["eastus"]} and waiting.complete(again) is False
