# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Find a registry's resource group, home region and SKU with as few ARM calls as possible."""
from knack.log import get_logger

from azext_acr_replication.arm.values import sku_name
from azext_acr_replication.arm.group_cache import GroupCache

logger = get_logger(__name__)

REGISTRY_TYPE = 'Microsoft.ContainerRegistry/registries'
RESOURCES_API_VERSION = '2024-11-01'  # the subscription resources query, as azure-cli 2.75-2.91 send it


class RegistryRef:  # pylint: disable=too-few-public-methods
    """Where a registry lives. sku is None until someone asked ARM for it."""

    def __init__(self, name, group, location=None, sku=None, source='argument'):
        self.name = name
        self.group = group
        self.location = location
        self.sku = sku
        self.source = source


def group_from_id(resource_id):
    from azure.mgmt.core.tools import parse_resource_id
    return parse_resource_id(resource_id)['resource_group']


def is_not_found(error):
    return getattr(error, 'status_code', None) == 404


def none_if_not_found(get):
    """get() -> its result, or None when ARM answers 404 (a replica that does not exist)."""
    try:
        return get()
    except Exception as error:  # pylint: disable=broad-except
        if is_not_found(error):
            return None
        raise


class RegistryLookup:
    """Resolves registries for one command; `registries` is the SDK's registries operation group."""

    def __init__(self, subscription, config_dir, registries, arm_get, subscription_label=None):
        """arm_get(url) -> parsed JSON of an ARM GET (for the resources query, without its SDK);
        subscription_label() -> how to name the subscription in an error (read only when needed)."""
        self.subscription = subscription
        self.subscription_label = subscription_label or (lambda: subscription)
        self.cache = GroupCache(config_dir)
        self.registries = registries
        self.arm_get = arm_get

    def find(self, name, group=None, need_details=False):
        """Return a RegistryRef; with need_details, sku and location are fresh from ARM."""
        if group:
            ref = RegistryRef(name, group, source='argument')
            return self.refresh(ref) if need_details else ref
        cached = self.cache.get(self.subscription, name)
        if cached:
            ref = RegistryRef(name, cached['group'], cached.get('location'), source='cache')
            if not need_details:
                return ref
            try:
                return self.refresh(ref)
            except Exception as error:  # pylint: disable=broad-except
                if not is_not_found(error):
                    raise
                self.forget(ref)
        return self._search(name)

    def forget(self, ref):
        if ref.source == 'cache':
            logger.info("Registry '%s' is no longer in resource group '%s'; looking it up again.", ref.name,
                        ref.group)
        self.cache.drop(self.subscription, ref.name)

    def refresh(self, ref):
        """Home region and SKU from a registry GET: what decides a refusal, never a cached or listed value."""
        registry = self.registries.get(ref.group, ref.name)
        ref.location = registry.location
        ref.sku = sku_name(registry)
        ref.name = registry.name
        ref.source = 'registry'
        self.cache.put(self.subscription, registry.name, ref.group, registry.location)
        return ref

    def _search(self, name):
        """The built-in's lookup (subscription resources query), stopping at the first match.

        That query is an eventually consistent cache: a registry created moments ago may be
        missing, so fall back to the resource provider's own registry list before giving up.
        """
        wanted = name.lower()
        for item in self._registry_resources():
            if str(item.get('name', '')).lower() == wanted:
                return self._remember(item['name'], group_from_id(item['id']), item.get('location'),
                                      (item.get('sku') or {}).get('name'))
        for registry in self.registries.list():
            if registry.name.lower() == wanted:
                return self._remember(registry.name, group_from_id(registry.id), registry.location,
                                      sku_name(registry))
        # exit code 1, as the built-in's lookup (its ResourceNotFound is a CLIError); azure-cli's
        # ResourceNotFoundError would exit 3
        from azure.cli.core.azclierror import UnclassifiedUserFault
        raise UnclassifiedUserFault(
            f"Registry '{name}' was not found in subscription '{self.subscription_label()}'. Check the name, or pass "
            "--resource-group, or switch subscription with 'az account set -s <subscription>'.")

    def _registry_resources(self):
        """Page through the subscription's registries in the resources query, lazily."""
        url = (f"/subscriptions/{self.subscription}/resources?$filter=resourceType%20eq%20%27"
               f"{REGISTRY_TYPE.replace('/', '%2F')}%27&api-version={RESOURCES_API_VERSION}")
        while url:
            page = self.arm_get(url)
            yield from page.get('value') or []
            url = page.get('nextLink')

    def _remember(self, name, group, location, sku):
        self.cache.put(self.subscription, name, group, location)
        return RegistryRef(name, group, location, sku, source='lookup')

    def call(self, ref, operation):
        """Run operation(group); when a cached group turns out stale (404), look up and retry once."""
        try:
            return operation(ref.group)
        except Exception as error:  # pylint: disable=broad-except
            if ref.source != 'cache' or not is_not_found(error) or not _is_parent_missing(error):
                raise
        self.forget(ref)
        fresh = self._search(ref.name)
        ref.group, ref.location, ref.source = fresh.group, fresh.location, fresh.source
        ref.sku = fresh.sku or ref.sku
        return operation(ref.group)


def _is_parent_missing(error):
    code = getattr(getattr(error, 'error', None), 'code', None)
    if code is None:
        return True  # no body to tell; a retry with a fresh lookup is cheap and safe
    return code in ('ParentResourceNotFound', 'ResourceGroupNotFound') or (
        code == 'ResourceNotFound' and "registries/" in str(error).lower() and '/replications/' not in str(error))
