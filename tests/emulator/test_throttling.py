"""The emulator's rate limits as the services apply them: ARM's read bucket per subscription (every answer to a
read says how many are left; an empty bucket answers 429 with Retry-After until it refills) and the registry
token service's requests per second (429 TOOMANYREQUESTS)."""
import time

import pytest

from tests.helpers import REGISTRY_AUDIENCE, REGISTRY_PATH, call, put_replica, registry_session

pytestmark = pytest.mark.e2e


def test_every_answer_to_a_read_says_how_many_reads_are_left_as_arm_does(arm):
    # as recorded: x-ms-ratelimit-remaining-subscription-global-reads 16499 after the first read, and no other
    # read header
    first = call(arm, "GET", REGISTRY_PATH)
    assert first.headers["x-ms-ratelimit-remaining-subscription-global-reads"] == "16499"
    assert "x-ms-ratelimit-remaining-subscription-reads" not in first.headers
    missing = call(arm, "GET", REGISTRY_PATH + "/replications/nosuchreplica")
    assert missing.status == 404 and int(missing.headers["x-ms-ratelimit-remaining-subscription-global-reads"]) <= 16499
    assert "x-ms-ratelimit-remaining-tenant-reads" in call(arm, "GET", "/subscriptions").headers  # tenant level
    written = put_replica(arm, "eastus", "eastus")
    assert written.status == 201 and "x-ms-ratelimit-remaining-subscription-global-reads" not in written.headers


def test_an_empty_read_bucket_answers_429_with_retry_after_until_it_refills(arm):
    arm.knobs(arm_read_bucket=3, arm_read_refill_per_second=0.5)
    lefts = [call(arm, "GET", REGISTRY_PATH).headers["x-ms-ratelimit-remaining-subscription-global-reads"]
             for _ in range(3)]
    assert lefts == ["2", "1", "0"]
    emptied = time.monotonic()
    throttled = call(arm, "GET", REGISTRY_PATH)
    assert throttled.status == 429 and throttled.json["error"]["code"] == "SubscriptionRequestsThrottled"
    assert "Number of 'read' requests for subscription" in throttled.json["error"]["message"]
    assert throttled.headers["retry-after"] == "2" and throttled.headers[
        "x-ms-ratelimit-remaining-subscription-global-reads"] == "0"
    assert put_replica(arm, "eastus", "eastus").status == 201  # writes have a bucket of their own
    # another subscription has its own bucket
    assert call(arm, "GET", "/subscriptions/00000000-0000-0000-0000-00000000e002/resourceGroups/team-rg/providers/"
                "Microsoft.ContainerRegistry/registries/teampremium").status == 200
    time.sleep(max(0.0, emptied + 2.1 - time.monotonic()))
    assert call(arm, "GET", REGISTRY_PATH).status == 200


@pytest.mark.parametrize("retry_after", [None, 3])
def test_token_requests_beyond_the_rate_are_throttled(arm, retry_after):
    arm.knobs(token_requests_per_second=0.5, token_burst=2, token_retry_after=retry_after)
    http = registry_session(arm)
    aad = arm.token(REGISTRY_AUDIENCE)

    def exchange():
        return http.post("https://demopremium.azurecr.io/oauth2/exchange", data={
            "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": aad})
    answers = [exchange() for _ in range(3)]
    emptied = time.monotonic()
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["errors"][0]["code"] == "TOOMANYREQUESTS"
    assert answers[2].headers.get("Retry-After") == (None if retry_after is None else "3")
    time.sleep(max(0.0, emptied + 2.1 - time.monotonic()))  # one more request's worth refilled
    assert exchange().status_code == 200
