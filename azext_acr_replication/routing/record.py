# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The drain record: three tags on the replica, in one namespace, so that every tool and person sees that (and
why, since when, by whom) a replica was taken out of global endpoint routing. Pure Python.

    acr-replication.drain-reason   why, as the person (or the scheduled probe) gave it
    acr-replication.drain-at       when, ISO 8601 UTC to the second (2026-12-02T10:00:00Z)
    acr-replication.drain-by       who: the az login identity (a user name, or a service principal's app id)

Within Azure's tag rules (ARM refuses the rest): names without < > % & \\ ? / and at most 512 characters, values
at most 256 characters, at most 50 tags on a resource. The record is the reason tag: a replica is drained when it
carries one (the other two say more about it).
"""
import datetime

PREFIX = 'acr-replication.'
REASON = PREFIX + 'drain-reason'
AT = PREFIX + 'drain-at'
BY = PREFIX + 'drain-by'
KEYS = (REASON, AT, BY)

NAME_MAX, VALUE_MAX, TAGS_MAX = 512, 256, 50
NAME_FORBIDDEN = '<>%&\\?/'


class Drain:  # pylint: disable=too-few-public-methods
    """One replica's drain record: reason, at (an aware datetime, or None when the tag cannot be read) and by."""

    def __init__(self, reason, at=None, by=None):
        self.reason = reason
        self.at = at
        self.by = by

    def age_seconds(self, now):
        return None if self.at is None else max(0, int((now - self.at).total_seconds()))

    def since(self):
        """'INC-123, since 2026-12-02T10:00:00Z' (how plans and messages name a drain)."""
        return self.reason + (f', since {stamp(self.at)}' if self.at else '')

    def to_dict(self, now):
        return {'reason': self.reason, 'at': stamp(self.at) if self.at else None, 'by': self.by,
                'ageSeconds': self.age_seconds(now)}


def stamp(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_stamp(text):
    try:
        moment = datetime.datetime.fromisoformat(str(text).replace('Z', '+00:00'))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _get(tags, key):
    """A tag's value by name, compared without case as ARM compares tag names."""
    for name, value in (tags or {}).items():
        if str(name).lower() == key:
            return value
    return None


def read(tags):
    """The Drain the tags record, or None."""
    reason = _get(tags, REASON)
    if reason is None:
        return None
    at = _get(tags, AT)
    return Drain(str(reason), parse_stamp(at) if at else None, _get(tags, BY))


def without(tags):
    """The tags with the drain record removed (every other tag kept as it is)."""
    return {name: value for name, value in (tags or {}).items() if str(name).lower() not in KEYS}


def record_of(tags):
    """Only the drain record's tags."""
    return {name: value for name, value in (tags or {}).items() if str(name).lower() in KEYS}


def clip(text, limit=VALUE_MAX):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + '...'


def with_drain(tags, reason, by, now):
    """The tags plus a drain record (replacing any earlier one): what a drain writes."""
    found = without(tags)
    found[REASON] = clip(reason)
    found[AT] = stamp(now)
    if by:
        found[BY] = clip(by)
    return found


def problems(tags):
    """Why ARM would refuse these tags (Azure's tag rules), as sentences; [] when it would not."""
    found = []
    if len(tags or {}) > TAGS_MAX:
        found.append(f'{len(tags)} tags, more than the {TAGS_MAX} Azure allows on a resource')
    for name, value in (tags or {}).items():
        if any(c in str(name) for c in NAME_FORBIDDEN) or len(str(name)) > NAME_MAX:
            found.append(f"tag name '{name}': at most {NAME_MAX} characters, none of {NAME_FORBIDDEN}")
        if value is not None and len(str(value)) > VALUE_MAX:
            found.append(f"tag '{name}': its value has more than {VALUE_MAX} characters")
    return found
