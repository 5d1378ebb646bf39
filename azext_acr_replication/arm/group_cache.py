# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""registry -> (resource group, home region), remembered in the CLI config dir.

Saves the subscription-wide resources query on every call without -g. Both facts are fixed for
a registry's life; an entry is dropped when ARM answers 404 for it (registry moved or deleted).
"""
import json
import os
import tempfile

FILE_NAME = 'acr_replication_groups.json'


class GroupCache:
    def __init__(self, config_dir):
        self.path = os.path.join(config_dir, FILE_NAME)

    def _load(self):
        try:
            with open(self.path, encoding='utf-8') as handle:
                data = json.load(handle)
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, data):
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix='.acr_replication_')
            with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written is only slower

    @staticmethod
    def _key(subscription, registry):
        return f'{subscription.lower()}/{registry.lower()}'

    def get(self, subscription, registry):
        entry = self._load().get(self._key(subscription, registry))
        if isinstance(entry, dict) and entry.get('group'):
            return entry
        return None

    def put(self, subscription, registry, group, location):
        data = self._load()
        entry = {'group': group, 'location': location}
        if data.get(self._key(subscription, registry)) == entry:
            return  # most calls confirm what is known: no rewrite of the file
        data[self._key(subscription, registry)] = entry
        self._save(data)

    def drop(self, subscription, registry):
        data = self._load()
        if data.pop(self._key(subscription, registry), None) is not None:
            self._save(data)
