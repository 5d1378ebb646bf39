# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""What every data-plane answer of `status` shares: the JSON frame ({registry, complete, <what was asked>, and with
--wait waitedSeconds and timedOut}), and the one error line of an incomplete answer with its exit code: 3 for what
is in no region at all (nothing to wait for), 1 for the rest, with what is missing where, whether waiting can
change it, and the time spent when the deadline passed. Pure Python."""

SHOWN = 5  # names listed before 'and N more'


def some(names, shown=SHOWN):
    """'a, b, c and 2 more'"""
    names = [str(n) for n in names]
    listed = ', '.join(names[:shown])
    return listed + (f' and {len(names) - shown} more' if len(names) > shown else '')


def answer(registry_name, complete, key, entries, *, waited=None, timed_out=False):
    """{registry, complete, <key>: entries} and, after a wait (waited: seconds), waitedSeconds and timedOut."""
    result = {'registry': registry_name, 'complete': complete, key: entries}
    return waited_for(result, waited, timed_out) if waited is not None else result


def waited_for(result, waited, timed_out):
    result['waitedSeconds'] = round(waited, 1)
    result['timedOut'] = timed_out
    return result


def verdict(subject, problems, *, nowhere=None, stuck=False, advice=None, timed_out_after=None):
    """(the error line, exit code). subject: what is not so ('in every region', 'the same in every region', 'the
    same as the home region (westus)'); problems: what is missing where; nowhere: the line for what no region holds
    (exit 3), which goes first; stuck: waiting will not change it (advice: what to do); timed_out_after: seconds
    spent when the deadline passed."""
    if nowhere:
        return nowhere, 3
    if stuck:
        return f"Not {subject}, and waiting will not change that: {problems}." + (f' {advice}.' if advice else ''), 1
    prefix = f'Timed out after {int(timed_out_after)} s. ' if timed_out_after is not None else ''
    return f'{prefix}Not {subject} yet: {problems}.', 1


def nowhere_line(registry, items, check):
    """"Not found in any region of 'myreg': app:1. Check ..." for items in no region."""
    return f"Not found in any region of '{registry}': {', '.join(str(i) for i in items)}. {check}"


def by_regions(entries):
    """[(state words, [regions])] from [(region, state words)], states in the order first seen."""
    grouped = {}
    for region, words in entries:
        grouped.setdefault(words, []).append(region)
    return list(grouped.items())
