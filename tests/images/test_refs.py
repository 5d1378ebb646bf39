"""images/refs.py: image and repository references as users type them, with or without the registry's own host
name (of any cloud, with or without a DNL hash), and the reason one is refused."""
import pytest

from azext_acr_replication.images.refs import ImageRef, parse_image, parse_repository
from tests.helpers import DIGEST

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, repository, reference", [
    ("hello:v1", "hello", "v1"),
    ("team/app:1.4.2", "team/app", "1.4.2"),
    ("hello", "hello", "latest"),
    ("hello@" + DIGEST, "hello", DIGEST),
    ("myreg.azurecr.io/hello:v1", "hello", "v1"),
    ("my-app_x.y:V_1.0-rc", "my-app_x.y", "V_1.0-rc"),
    ("team/app:1.4.2@" + DIGEST, "team/app", DIGEST),  # as docker pull: the digest decides
    ("myreg.azurecr.io/app:1@" + DIGEST, "app", DIGEST),
])
def test_parse_image(text, repository, reference):
    image = parse_image(text, "myreg.azurecr.io")
    assert (image.repository, image.reference) == (repository, reference)


@pytest.mark.parametrize("text, says", [
    ("Hello:v1", "lowercase"),
    ("hello@sha256:abc", "64 lowercase hex"),
    ("hello:-x", "a tag is"),
    ("other.azurecr.io/app:1", "another registry"),
    ("hello:" + "x" * 129, "a tag is"),
    ("/hello:v1", "a repository is"),
    ("localhost:5000/app:1", "another registry"),
    ("app:-x@" + DIGEST, "a tag is"),
])
def test_parse_image_rejects_with_a_reason(text, says):
    with pytest.raises(ValueError, match=says):
        parse_image(text, "myreg.azurecr.io")


def test_image_ref_prints_as_typed_and_compares_by_value():
    assert str(ImageRef("a", "v1")) == "a:v1" and str(ImageRef("a", DIGEST)) == "a@" + DIGEST
    assert str(parse_image("a:v1@" + DIGEST)) == "a:v1@" + DIGEST
    assert ImageRef("a", "v1") == parse_image("a:v1") and len({ImageRef("a", "v1"), parse_image("a:v1")}) == 1


@pytest.mark.parametrize("text, login_server", [
    ("myreg-e6cxh7aqdzhqa5cj.azurecr.io/team/app:1", "myreg.azurecr.io"),
    ("myreg.azurecr.cn/team/app:1", "myreg.azurecr.cn"),
])
def test_image_references_with_the_registrys_own_host_name(text, login_server):
    image = parse_image(text, login_server)
    assert (image.repository, image.reference) == ("team/app", "1")


def test_image_reference_of_another_registry_is_refused():
    with pytest.raises(ValueError, match="another registry"):
        parse_image("myregother.azurecr.io/app:1", "myreg.azurecr.io")


def test_an_image_named_like_a_host_is_found_behind_the_registrys_own_host_name():
    image = parse_image("myreg.azurecr.io/docker.io/library/nginx:1.27", "myreg.azurecr.io")
    assert (image.repository, image.reference) == ("docker.io/library/nginx", "1.27")
    with pytest.raises(ValueError, match="with this registry's login server in front"):
        parse_image("docker.io/library/nginx:1.27", "myreg.azurecr.io")


def test_repository_names_are_checked_and_stripped_of_the_login_server():
    assert parse_repository("myreg.azurecr.io/team/api", "myreg.azurecr.io") == "team/api"
    with pytest.raises(ValueError, match="without tag or digest"):
        parse_repository("app:v1")
    with pytest.raises(ValueError, match="lowercase"):
        parse_repository("App")


def test_a_repository_named_like_a_host_is_a_repository_of_this_registry():
    # ACR repositories may hold dots anywhere (an import named docker.io/library/nginx); a port is a host
    assert parse_repository("docker.io/library/nginx", "myreg.azurecr.io") == "docker.io/library/nginx"
    assert parse_repository("myreg.azurecr.io/docker.io/library/nginx", "myreg.azurecr.io") == \
        "docker.io/library/nginx"
    with pytest.raises(ValueError, match="another registry"):
        parse_repository("localhost:5000/app")
