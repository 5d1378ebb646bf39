"""images/repositories.py: the board of `status --repository`. A repository is in no region only once every region
has answered, and a board with tags set aside (pushed or moved while read) is not complete."""
import pytest

from azext_acr_replication.images.listing import Tags
from azext_acr_replication.images.repositories import RepositoryBoard, RepositoryRef
from azext_acr_replication.images.watch import MISSING, PRESENT, Observation, Target

pytestmark = pytest.mark.unit


def west_and_east():
    return (Target("westus", "westus", "Succeeded", "r.westus.geo.azurecr.io"),
            Target("eastus", "eastus", "Succeeded", "r.eastus.geo.azurecr.io"))


def test_a_repository_is_in_no_region_only_once_every_region_has_answered():
    west, east = west_and_east()
    nosuch = RepositoryRef("nosuch")
    board = RepositoryBoard([west, east], [nosuch])
    board.record(west, nosuch, Observation(MISSING), 0.1)
    assert board.nowhere() == []  # eastus has not answered yet: not "unreachable", not "nowhere" either
    board.record(east, nosuch, Observation(MISSING), 0.2)
    assert board.nowhere() == [nosuch]


def test_a_board_with_tags_set_aside_is_not_complete():
    west, east = west_and_east()
    app = RepositoryRef("app")
    board = RepositoryBoard([west, east], [app], set_aside=True, started=1000.0)
    board.record(west, app, Observation(PRESENT, listing=Tags({"v1": ("a", 10.0), "new": ("n", 1005.0)}, 1000.0,
                                                              1000.0)), 0.1)
    board.record(east, app, Observation(PRESENT, listing=Tags({"v1": ("a", 10.0)}, 1000.0, 1000.0)), 0.2)
    assert board.comparison(app).changed == ["new"] and board.state(east, app) == "present"
    assert board.complete() is False  # v1 is alike everywhere, but "new" was not judged: not a yes
    waiting = RepositoryBoard([west, east], [app], set_aside=False, started=1000.0)
    waiting.record(west, app, board.observation(west, app), 0.1)
    waiting.record(east, app, board.observation(east, app), 0.2)
    assert waiting.comparison(app).missing == {"new": ["eastus"]} and waiting.complete() is False
