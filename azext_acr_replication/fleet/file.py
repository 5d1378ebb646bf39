# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Read and check a fleet's desired-state file (YAML or JSON) before any ARM call. Pure Python.

    registries:
      - name: contosoprod              # required
        resourceGroup: prod-rg         # optional, looked up like -r without -g
        subscription: 0000-...         # optional (id or name of an az login account), default the current
        locations: [japaneast, eastus]
        globalEndpointRouting: {eastus: false}   # optional: per region, or one true/false for all
        zoneRedundancy: Enabled        # optional, for replicas it creates
        tags: {team: platform}         # optional
        prune: true                    # optional, overrides --prune for this registry

Every problem is reported, each with its line and path (`desired.yaml:7: registries[1].locations[0]:
...`), and none of the file is used unless all of it is right.
"""
import difflib

from azext_acr_replication.arm.errors import ReplicationError
from azext_acr_replication.arm.names import (REGISTRY_NAME, closest_regions, did_you_mean, normalize_location,
                                             strip_login_server)
from azext_acr_replication.arm.regions import AZURE_REGIONS

MERGE_TAG = 'tag:yaml.org,2002:merge'
KEYS = ('name', 'resourceGroup', 'subscription', 'locations', 'globalEndpointRouting', 'zoneRedundancy', 'tags',
        'prune')
ZONES = {'enabled': 'Enabled', 'disabled': 'Disabled'}


class FleetFileError(ReplicationError):
    """The file cannot be used; .problems lists every reason, each on its own line."""

    def __init__(self, problems):
        super().__init__('\n'.join(problems))
        self.problems = problems


class FleetEntry:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One registry of the file, checked; `line` is where it starts (for messages)."""

    def __init__(self, name, line, locations, *, resource_group=None, subscription=None, routing=None,
                 zone_redundancy=None, tags=None, prune=None):
        self.name, self.line, self.locations = name, line, locations
        self.resource_group, self.subscription = resource_group, subscription
        self.routing, self.zone_redundancy, self.tags, self.prune = routing, zone_redundancy, tags, prune

    def desired(self, default_prune=False, subscription=None):
        from azext_acr_replication.replicas.desired import DesiredRegistry
        return DesiredRegistry(self.name, self.locations, self.resource_group,
                               subscription=subscription or self.subscription, routing=self.routing,
                               zone_redundancy=self.zone_redundancy, tags=self.tags,
                               prune=default_prune if self.prune is None else self.prune)


class _Node:  # pylint: disable=too-few-public-methods
    """A parsed value with the line it came from (1-based) and, for a scalar, its text as written."""

    def __init__(self, value, line, duplicates=None, text=None):
        self.value, self.line = value, line
        self.duplicates = duplicates or []  # mapping keys given twice
        self.text = value if text is None and isinstance(value, str) else text


def _build(node, open_nodes=None):
    """yaml node -> _Node tree (mappings: {key: (_Node key, _Node value)}, sequences: [_Node])."""
    import yaml
    line = node.start_mark.line + 1
    open_nodes = open_nodes or set()
    if id(node) in open_nodes:
        raise FleetFileError([f'line {line}: this value contains itself (a recursive YAML anchor and alias); '
                              'write the value out instead.'])
    if isinstance(node, yaml.MappingNode):
        mapping, duplicates, merged = {}, [], {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # `<<: *base`: the keys of base, unless given here too
                for key, pair in _merged(value_node, open_nodes | {id(node)}).items():
                    merged.setdefault(key, pair)
                continue
            # a key is its text as written: YAML 1.1 would read `on:` or `no:` as a boolean
            key = _Node(key_node.value if isinstance(key_node, yaml.ScalarNode) else
                        str(_build(key_node, open_nodes | {id(node)}).value), key_node.start_mark.line + 1)
            if key.value in mapping:
                duplicates.append(key)
            mapping[key.value] = (key, _build(value_node, open_nodes | {id(node)}))
        for key, pair in merged.items():
            mapping.setdefault(key, pair)
        return _Node(mapping, line, duplicates)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_build(item, open_nodes | {id(node)}) for item in node.value], line)
    return _Node(_scalar(node), line, text=node.value)


def _merged(value_node, open_nodes):
    """{key: (key _Node, value _Node)} of a merge key's mapping, or of its list of mappings (earlier ones win)."""
    import yaml
    sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
    merged = {}
    for source in sources:
        built = _build(source, open_nodes)
        if not isinstance(built.value, dict):
            raise FleetFileError([f'line {built.line}: `<<` merges a mapping (or a list of mappings) into this one, '
                                  f'got {_shown(built.value)}.'])
        for key, pair in built.value.items():
            merged.setdefault(key, pair)
    return merged


def decode(data):
    """The file's text from its bytes: UTF-8 (with or without a byte order mark) or UTF-16 with one, as editors
    and shells on Windows write them."""
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        encoding = 'utf-16'
    else:
        encoding = 'utf-8-sig'
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b'\n') + 1
        raise FleetFileError([f'line {line}: not UTF-8 or UTF-16 text ({error.reason} at byte {error.start}); '
                              'save the file as UTF-8.']) from None


def _scalar(node):
    """The typed value of a YAML scalar (true, 3, ...); its text as written stays in _Node.text."""
    import yaml
    loader = yaml.SafeLoader('')
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as error:
        raise FleetFileError([f'line {node.start_mark.line + 1}: cannot read this value: '
                              f'{getattr(error, "problem", None) or error}']) from None
    finally:
        loader.dispose()


def _json_nodes(text):
    """The _Node tree of text that json.loads accepted, each value with its line and each scalar with its
    text as written (a tag `1.10` stays "1.10"). Tabs are whitespace in JSON (`jq --tab`), unlike in YAML."""
    import bisect
    import re
    from json.decoder import scanstring
    from json.scanner import NUMBER_RE
    space = re.compile(r'[ \t\n\r]*')
    newlines = [i for i, char in enumerate(text) if char == '\n']
    literals = (('true', True), ('false', False), ('null', None), ('NaN', float('nan')),
                ('Infinity', float('inf')), ('-Infinity', float('-inf')))

    def skip(i):
        return space.match(text, i).end()

    def container(i, close, read_item):
        """Items of the object or array opening at i, up to `close`; (items, end)."""
        items = []
        i = skip(i + 1)
        if text[i] == close:
            return items, i + 1
        while True:
            item, i = read_item(i)
            items.append(item)
            i = skip(i)
            if text[i] == close:
                return items, i + 1
            i += 1  # the comma

    def pair(i):
        i = skip(i)
        key, i = scanstring(text, i + 1)
        key_node = _Node(key, bisect.bisect_left(newlines, i) + 1)
        item, end = value(skip(i) + 1)  # past the colon
        return (key_node, item), end

    def value(i):
        i = skip(i)
        line = bisect.bisect_left(newlines, i) + 1
        if text[i] == '{':
            pairs, end = container(i, '}', pair)
            mapping, duplicates = {}, []
            for key_node, item in pairs:
                if key_node.value in mapping:
                    duplicates.append(key_node)
                mapping[key_node.value] = (key_node, item)
            return _Node(mapping, line, duplicates), end
        if text[i] == '[':
            items, end = container(i, ']', value)
            return _Node(items, line), end
        if text[i] == '"':
            string, end = scanstring(text, i + 1)
            return _Node(string, line), end
        for literal, result in literals:
            if text.startswith(literal, i):
                return _Node(result, line, text=literal), i + len(literal)
        number = NUMBER_RE.match(text, i)
        integer, fraction, exponent = number.groups()
        parsed = float(number.group()) if fraction or exponent else int(integer)
        return _Node(parsed, line, text=number.group()), number.end()

    return value(0)[0]


def parse(text):
    """The _Node tree of JSON or YAML text; FleetFileError with the line of a syntax error.

    JSON is read as JSON first (json accepts the tab indentation of `jq --tab`, which YAML forbids)."""
    import json
    import yaml
    json_error = None
    if text.lstrip()[:1] in ('{', '['):
        try:
            json.loads(text)
            return _json_nodes(text)
        except json.JSONDecodeError as error:  # not JSON; perhaps YAML in flow style
            json_error = error
        except RecursionError:
            raise FleetFileError(['line 1: the file is nested too deeply to read.']) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        if json_error is not None:
            raise FleetFileError([f'line {json_error.lineno}: not valid JSON: {json_error.msg}']) from None
        mark = getattr(error, 'problem_mark', None) or getattr(error, 'context_mark', None)
        where = f'line {mark.line + 1}' if mark else 'the file'
        problem = getattr(error, 'problem', None) or str(error)
        raise FleetFileError([f'{where}: not valid YAML or JSON: {problem}']) from None
    if root is None:
        raise FleetFileError(["line 1: the file is empty; it needs 'registries:' with at least one registry"])
    return _build(root)


def _closest(word, choices):
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ''


class _Checker:
    def __init__(self, resolve_subscription=None):
        self.problems = []
        self.resolve_subscription = resolve_subscription

    def problem(self, node, path, message):
        self.problems.append((node.line, f'line {node.line}: {path}: {message}'))

    def string(self, node, path, what):
        if not isinstance(node.value, str) or not node.value.strip():
            self.problem(node, path, f'{what} must be a non-empty string, got {_shown(node.value)}.')
            return None
        return node.value.strip()

    def boolean(self, node, path):
        if not isinstance(node.value, bool):
            self.problem(node, path, f'must be true or false, got {_shown(node.value)}.')
            return None
        return node.value

    def region(self, node, path):
        text = self.string(node, path, 'a region')
        if text is None:
            return None
        location = normalize_location(text)
        if location not in AZURE_REGIONS:
            close = closest_regions(location, AZURE_REGIONS)
            hint = ' ' + did_you_mean(close) if close else " See 'az account list-locations'."
            self.problem(node, path, f"'{text}' is not an Azure region.{hint}")
            return None
        return location

    def registry(self, node, path):  # pylint: disable=too-many-locals
        if not isinstance(node.value, dict):
            self.problem(node, path, f'a registry is a mapping with name, locations, ..., got {_shown(node.value)}.')
            return None
        fields = node.value
        for key, (key_node, _) in fields.items():
            if key not in KEYS:
                self.problem(key_node, f'{path}.{key}', f"unknown key.{_closest(key, KEYS)} Known: {', '.join(KEYS)}.")
        for duplicate in node.duplicates:
            self.problem(duplicate, f'{path}.{duplicate.value}', 'given twice.')
        name = None
        if 'name' not in fields:
            self.problem(node, path, "'name' is required.")
        else:
            name = self.string(fields['name'][1], f'{path}.name', 'name')
            if name is not None:
                name = strip_login_server(name)  # contosoprod.azurecr.io, .azurecr.cn, .azurecr.us
                if not REGISTRY_NAME.match(name):
                    self.problem(fields['name'][1], f'{path}.name', f"'{name}' is not a registry name (5 to 50 "
                                 'letters and digits).')
                    name = None
        group = self.string(fields['resourceGroup'][1], f'{path}.resourceGroup', 'resourceGroup') \
            if 'resourceGroup' in fields else None
        subscription = None
        if 'subscription' in fields:
            subscription = self.string(fields['subscription'][1], f'{path}.subscription', 'subscription')
            if subscription is not None and self.resolve_subscription is not None:
                resolved = self.resolve_subscription(subscription)
                if resolved is None:
                    self.problem(fields['subscription'][1], f'{path}.subscription',
                                 f"'{subscription}' is none of the subscriptions of the az login ('az account "
                                 "list'); log in to its tenant or fix the id.")
                subscription = resolved
        locations = self.locations(fields, node, path)
        routing = self.routing(fields, path, locations)
        zone = None
        if 'zoneRedundancy' in fields:
            value_node = fields['zoneRedundancy'][1]
            zone = ZONES.get(str(value_node.value).lower()) if isinstance(value_node.value, str) else None
            if zone is None:
                self.problem(value_node, f'{path}.zoneRedundancy', f'must be Enabled or Disabled, got '
                             f'{_shown(value_node.value)}.')
        tags = self.tags(fields['tags'][1], f'{path}.tags') if 'tags' in fields else None
        prune = self.boolean(fields['prune'][1], f'{path}.prune') if 'prune' in fields else None
        if name is None:
            return None
        return FleetEntry(name, node.line, locations or [], resource_group=group, subscription=subscription,
                          routing=routing, zone_redundancy=zone, tags=tags, prune=prune)

    def locations(self, fields, node, path):
        if 'locations' not in fields:
            self.problem(node, path, "'locations' is required (a list of regions; [] keeps only the home region "
                         'with prune).')
            return None
        value_node = fields['locations'][1]
        if not isinstance(value_node.value, list):
            self.problem(value_node, f'{path}.locations', f'must be a list of regions, got {_shown(value_node.value)}.')
            return None
        found, seen = [], {}
        for index, item in enumerate(value_node.value):
            location = self.region(item, f'{path}.locations[{index}]')
            if location is None:
                continue
            if location in seen:
                self.problem(item, f'{path}.locations[{index}]', f"'{location}' is listed twice (also line "
                             f'{seen[location]}).')
                continue
            seen[location] = item.line
            found.append(location)
        return found

    def routing(self, fields, path, locations):
        if 'globalEndpointRouting' not in fields:
            return None
        value_node = fields['globalEndpointRouting'][1]
        if isinstance(value_node.value, bool):
            return value_node.value
        if not isinstance(value_node.value, dict):
            self.problem(value_node, f'{path}.globalEndpointRouting', 'must be true/false, or per region like '
                         f'{{eastus: false}}, got {_shown(value_node.value)}.')
            return None
        routing = {}
        for key, (key_node, flag_node) in value_node.value.items():
            location = self.region(key_node, f'{path}.globalEndpointRouting.{key}')
            flag = self.boolean(flag_node, f'{path}.globalEndpointRouting.{key}')
            if location is None or flag is None:
                continue
            if locations is not None and location not in locations:
                self.problem(key_node, f'{path}.globalEndpointRouting.{key}', f"'{location}' is not in this "
                             "registry's locations.")
                continue
            routing[location] = flag
        return routing

    def tags(self, node, path):
        if not isinstance(node.value, dict):
            self.problem(node, path, f'must be a mapping like {{team: platform}}, got {_shown(node.value)}.')
            return None
        tags = {}
        for key, (key_node, value_node) in node.value.items():
            if isinstance(value_node.value, (dict, list)) or value_node.value is None:
                self.problem(value_node, f'{path}.{key}', f'a tag value is text, got {_shown(value_node.value)}.')
                continue
            tags[key_node.value] = str(value_node.text)  # as written: `no`, `1.10`, `010` stay text
        return tags


def _shown(value):
    if isinstance(value, dict):
        return 'a mapping'
    if isinstance(value, list):
        return 'a list'
    if value is None:
        return 'nothing'
    return repr(value)


def load(text, resolve_subscription=None):
    """[FleetEntry, ...] from the file's text; FleetFileError listing every problem.

    resolve_subscription(name_or_id) -> subscription id or None: the az login's accounts, offline."""
    root = parse(text)
    checker = _Checker(resolve_subscription)
    if not isinstance(root.value, dict) or 'registries' not in root.value:
        raise FleetFileError([f"line {root.line}: the file needs 'registries:', a list of registries."])
    for key, (key_node, _) in root.value.items():
        if key != 'registries' and not key.startswith('x-'):  # x-...: a place for anchors, as in compose files
            checker.problem(key_node, key, f"unknown key.{_closest(key, ['registries'])} The file has only "
                            "'registries' (and x-... keys, ignored, for anchors).")
    registries = root.value['registries'][1]
    entries = []
    if not isinstance(registries.value, list) or not registries.value:
        checker.problem(registries, 'registries', f'must be a non-empty list, got {_shown(registries.value)}.')
    else:
        for index, item in enumerate(registries.value):
            entry = checker.registry(item, f'registries[{index}]')
            if entry is not None:
                entries.append(entry)
    seen = {}
    for entry in entries:
        key = ((entry.subscription or '').lower(), entry.name.lower())
        if key in seen:
            checker.problems.append((entry.line, f"line {entry.line}: registry '{entry.name}' is listed twice "
                                                 f'(also line {seen[key]}).'))
        else:
            seen[key] = entry.line
    if checker.problems:
        raise FleetFileError([message for _, message in sorted(checker.problems, key=lambda p: p[0])])
    return entries
