# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Image references as `docker pull` takes them (REPO:TAG, REPO@sha256:DIGEST, REPO:TAG@sha256:DIGEST).
Pure Python."""
import re

# the OCI distribution spec's grammar for repository names, tags and digests
_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
REPOSITORY = re.compile(rf'^{_COMPONENT}(?:/{_COMPONENT})*$')
TAG = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$')
DIGEST = re.compile(r'^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$')


class ImageRef:  # pylint: disable=too-few-public-methods
    """reference: the tag, or the digest (what is looked up). tag: the tag written beside a digest
    (REPO:TAG@DIGEST); as for `docker pull`, the digest decides, the tag only names it."""

    def __init__(self, repository, reference, tag=None):
        self.repository = repository
        self.reference = reference
        self.tag = tag

    @property
    def by_digest(self):
        return ':' in self.reference

    def __str__(self):
        if not self.by_digest:
            return f'{self.repository}:{self.reference}'
        return f'{self.repository}:{self.tag}@{self.reference}' if self.tag else f'{self.repository}@{self.reference}'

    def __eq__(self, other):
        return isinstance(other, ImageRef) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def _own_login_server(component, login_server):
    """Whether component is the registry's login server (myreg.azurecr.io), with or without a domain name
    label hash (myreg-<hash>.azurecr.io)."""
    name, _, suffix = login_server.lower().partition('.')
    label, _, rest = component.lower().partition('.')
    return rest == suffix and (label == name or label.startswith(name + '-'))


def parse_image(text, login_server=None):
    """ImageRef for 'repo:tag', 'repo@sha256:...', 'repo' (tag latest), optionally prefixed by the
    registry's own login server. Raises ValueError with a sentence that says what is wrong."""
    value = text.strip()
    first, _, rest = value.partition('/')
    own = bool(login_server and rest and _own_login_server(first, login_server))
    if own:
        value = rest  # what follows the registry's own host is a repository of it, dots and all
    elif rest and ('.' in first or ':' in first or first == 'localhost'):  # a registry host, as docker reads it
        raise ValueError(f"'{text}' names another registry; give the repository in this registry, e.g. "
                         "'app:1.0' (one named like a host, e.g. 'docker.io/library/nginx', with this "
                         "registry's login server in front).")
    tag = None
    if '@' in value:
        repository, reference = value.split('@', 1)
        if not DIGEST.match(reference):
            raise ValueError(f"'{text}': a digest is 'sha256:' and 64 lowercase hex digits.")
        repository, _, tag = repository.partition(':')
        if tag and not TAG.match(tag):
            raise ValueError(f"'{text}': a tag is up to 128 letters, digits, '_', '.' and '-', not starting with "
                             "'.' or '-'.")
    else:
        repository, _, reference = value.partition(':')
        reference = reference or 'latest'
        if not TAG.match(reference):
            raise ValueError(f"'{text}': a tag is up to 128 letters, digits, '_', '.' and '-', not starting with "
                             "'.' or '-'.")
    if not REPOSITORY.match(repository):
        raise ValueError(f"'{text}': a repository is lowercase letters and digits, separated by '.', '_', '-' or "
                         "'/', e.g. 'team/app'.")
    return ImageRef(repository, reference, tag or None)


def parse_repository(text, login_server=None):
    """'team/app' from 'team/app' or '<login server>/team/app'. Raises ValueError with a sentence that says
    what is wrong (a tag or digest given: --image checks one image)."""
    value = text.strip()
    first, _, rest = value.partition('/')
    if login_server and rest and _own_login_server(first, login_server):
        value = rest
    elif rest and ':' in first:  # a registry host with a port; a repository may hold dots (docker.io/library/x)
        raise ValueError(f"'{text}' names another registry; give the repository in this registry, e.g. 'app'.")
    if '@' in value or ':' in value:
        raise ValueError(f"'{text}' names an image; --repository takes a repository name without tag or digest "
                         f"(e.g. '{value.split('@')[0].split(':')[0]}'; --image checks one image).")
    if not REPOSITORY.match(value):
        raise ValueError(f"'{text}': a repository is lowercase letters and digits, separated by '.', '_', '-' or "
                         "'/', e.g. 'team/app'.")
    return value
