# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------


# azure-core retries 429/5xx and dropped connections 10 times with up to 120 s between tries:
# several minutes before a CI job learns that ARM is down. Bounded here to about half a minute;
# a Retry-After from ARM is still honoured.
RETRY = {'retry_total': 6, 'retry_backoff_factor': 0.5, 'retry_backoff_max': 8}


def cf_acr(cli_ctx, *_):
    from azure.cli.core.commands.client_factory import get_mgmt_service_client
    from azure.cli.core.profiles import ResourceType
    return get_mgmt_service_client(cli_ctx, ResourceType.MGMT_CONTAINERREGISTRY, **RETRY)


def cf_replications(cli_ctx, *_):
    return cf_acr(cli_ctx).replications


def cf_resources(cli_ctx, *_):
    from azure.cli.core.commands.client_factory import get_mgmt_service_client
    from azure.cli.core.profiles import ResourceType
    return get_mgmt_service_client(cli_ctx, ResourceType.MGMT_RESOURCE_RESOURCES, **RETRY)
