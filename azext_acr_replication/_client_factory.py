# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------


# azure-core retries 429/5xx and dropped connections 10 times with up to 120 s between tries:
# several minutes before a CI job learns that ARM is down. Bounded here to about half a minute;
# a Retry-After from ARM is still honoured.
RETRY = {'retry_total': 6, 'retry_backoff_factor': 0.5, 'retry_backoff_max': 8}


def registry_client(cli_ctx, subscription_id=None, deadline=None, budget=None):
    """The registry management client, bounded retries; another subscription's for fleet sync. With the
    command's deadline and read budget, no retry pause runs past the deadline and every ARM read takes its
    turn in the budget (ReadBudgetPolicy, right after the retry policy: each try is a read)."""
    from azure.cli.core.commands.client_factory import get_mgmt_service_client
    from azure.cli.core.profiles import ResourceType
    from azext_acr_replication.arm.polling import DeadlineRetryPolicy
    retry = DeadlineRetryPolicy(**RETRY)
    client = get_mgmt_service_client(cli_ctx, ResourceType.MGMT_CONTAINERREGISTRY, subscription_id=subscription_id,
                                     retry_policy=retry, per_retry_policies=[retry.reads])
    return bind_deadline(client, deadline, budget)


def bind_deadline(client, deadline, budget=None):
    """Make the client (built by registry_client) keep to the command's Deadline and ReadBudget (a new
    budget when the command has none yet); returns client. Clients of one command share its budget."""
    from azext_acr_replication.arm.budget import ReadBudget
    policy = client._config.retry_policy  # pylint: disable=protected-access
    if deadline is not None and hasattr(policy, 'deadline'):
        policy.deadline = deadline
        policy.budget = budget or ReadBudget()
    return client


def cf_acr(cli_ctx, *_):
    return registry_client(cli_ctx)


def arm_getter(client, resource_manager):
    """GET any ARM URL through the registry client's pipeline (same credential, retries, logging).

    Used for the subscription resources query: importing azure-mgmt-resource and building its
    models for every registry in the subscription costs more than the call itself.
    """
    from azure.core.rest import HttpRequest
    pipeline = client._client  # pylint: disable=protected-access

    def get(url):
        if url.startswith('/'):
            url = resource_manager.rstrip('/') + url
        response = pipeline.send_request(HttpRequest('GET', url))
        response.raise_for_status()
        return response.json()
    return get
