"""images/report.py: the replicas a status can ask (and why one cannot be), and the one-line verdict with its exit
code: complete, in no region at all (3), not in every region yet, timed out."""
import pytest

from azext_acr_replication.images import report as image_report
from azext_acr_replication.images.refs import parse_image
from azext_acr_replication.images.watch import Watch
from tests.helpers import DIGEST, replication, targets

pytestmark = pytest.mark.unit

REGISTRY = {"name": "myreg", "location": "westus", "properties": {
    "provisioningState": "Succeeded", "regionalEndpoints": "Enabled",
    "regionalEndpointHostNames": ["myreg.westus.geo.azurecr.io", "myreg.eastus.geo.azurecr.io"]}}


def test_targets_know_why_a_replica_cannot_be_asked():
    replicas = [replication("eastus"), replication("japaneast", state="Creating"),
                replication("uksouth", state="Failed"), replication("westus")]
    blocked = {t.location: t.blocked for t in image_report.targets(REGISTRY, replicas)}
    assert blocked == {"eastus": None, "japaneast": "replica creating", "uksouth": "replica failed", "westus": None}


def test_verdicts_and_exit_codes():
    image = parse_image("hello:v1")
    complete = Watch(targets("westus"), [image], lambda t, i: DIGEST).run()
    assert image_report.verdict("myreg", complete, image_report.report("myreg", complete)) is None
    nowhere = Watch(targets("westus", "eastus"), [image], lambda t, i: None).run()
    assert image_report.verdict("myreg", nowhere, image_report.report("myreg", nowhere)) == (
        "Not found in any region of 'myreg': hello:v1. Check the repository and tag (or push the image first).", 3)
    late = Watch(targets("westus", "eastus"), [image], lambda t, i: DIGEST if t.location == "westus" else None).run()
    assert image_report.verdict("myreg", late, image_report.report("myreg", late), timed_out_after=61.7) == (
        "Timed out after 61 s. Not in every region yet: hello:v1: missing in eastus.", 1)
