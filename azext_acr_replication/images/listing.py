# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""What ACR's listing API answers, read: the next page from a `Link` header (kept on the same host), the
registry's timestamps and `Date` headers as epoch seconds, and one repository's tags in one region (`Tags`).
Pure Python; endpoint.py fetches, compare.py compares."""
import email.utils
import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

_LINK = re.compile(r'<([^>]*)>\s*;[^,]*?rel="?next"?', re.IGNORECASE)
_FRACTION = re.compile(r'\.(\d+)')


def next_page(link):
    """The path and query of the next page from a Link header (`</acr/v1/_catalog?last=x&n=2&orderby=>;
    rel="next"`), or None on the last page. ACR's Link is relative; an absolute one is reduced to its path and
    query too, so every page comes from the replica the first one came from."""
    match = _LINK.search(link or '')
    if not match:
        return None
    parts = urlsplit(match.group(1).strip())
    if not parts.path:
        return None
    return parts.path + ('?' + parts.query if parts.query else '')


def parse_time(text):
    """Epoch seconds of an ACR timestamp ('2021-04-14T23:15:13.8163645Z': up to 7 fractional digits, Z or an
    offset), or None."""
    if not isinstance(text, str) or not text:
        return None
    value = _FRACTION.sub(lambda m: '.' + (m.group(1) + '000000')[:6], text.strip(), count=1)
    value = value[:-1] + '+00:00' if value.endswith(('Z', 'z')) else value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def parse_http_date(text):
    """Epoch seconds of an HTTP Date header ('Sat, 28 Nov 2026 05:47:30 GMT'), or None."""
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def registry_since(started, answers):
    """When the command began (`started`, epoch seconds by this machine's clock) by the registry's clock, for
    telling tags pushed before it (judged) from tags pushed while it read (set aside). answers: (the registry's
    Date of an answer, when that request was sent by this machine's clock) pairs. A Date is its moment rounded down
    to the second, so the registry's clock is at most Date + 1 - sent ahead of this one: with that bound, no tag
    pushed before the command began is set aside (one pushed within a second after may be judged, which can only
    make the answer 'not yet', never a false 'yes'). Without a Date, the clocks are taken to agree."""
    offsets = [date + 1 - sent for date, sent in answers if date is not None and sent is not None]
    return started + min(offsets) if offsets else started


class Tags:  # pylint: disable=too-few-public-methods
    """Every tag of one repository in one region: name -> (digest, lastUpdateTime in epoch seconds or None),
    when the registry answered the first page (read_at: its Date header, by the registry's clock) and when that
    page was asked for (asked_at: epoch seconds, by this machine's clock)."""

    __slots__ = ('entries', 'read_at', 'asked_at')

    def __init__(self, entries=None, read_at=None, asked_at=None):
        self.entries = entries if entries is not None else {}
        self.read_at = read_at
        self.asked_at = asked_at

    def add(self, items):
        for item in items or ():
            if isinstance(item, dict) and item.get('name'):
                self.entries[item['name']] = (item.get('digest'), parse_time(item.get('lastUpdateTime')))

    def __len__(self):
        return len(self.entries)


class Manifests(Tags):  # pylint: disable=too-few-public-methods
    """Every manifest of one repository in one region (ACR's _manifests listing, untagged ones too), compared as
    tags are: digest -> (digest, lastUpdateTime); media_types: digest -> mediaType."""

    __slots__ = ('media_types',)

    def __init__(self, entries=None, read_at=None, asked_at=None):
        super().__init__(entries, read_at, asked_at)
        self.media_types = {}

    def add(self, items):
        for item in items or ():
            if isinstance(item, dict) and item.get('digest'):
                self.entries[item['digest']] = (item['digest'], parse_time(item.get('lastUpdateTime')))
                self.media_types[item['digest']] = item.get('mediaType')
