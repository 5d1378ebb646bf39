# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The data plane as the az login identity sees it: its AAD token for the registry's token exchange, its name, and
one EndpointClient per regional endpoint with the command's TLS settings and every scope it will need (asked for
together). The only module of images/ that reads azure-cli's profile."""

ACR_AUDIENCE = 'https://containerregistry.azure.net'


def aad_token_provider(cli_ctx):
    """The az login identity's AAD token for the registry's token exchange, shared by all endpoints and
    acquired again when it expires (endpoint.AadToken). The audience follows `az config set
    acr.audience_resource=...` like `az acr login` does."""
    from azext_acr_replication.images.endpoint import AadToken

    def acquire():
        from azure.cli.core._profile import Profile
        from azure.cli.core.commands.client_factory import get_subscription_id
        configured = cli_ctx.config.get('acr', 'audience_resource', fallback=None)
        audience = ACR_AUDIENCE
        if configured:
            audience = configured if configured.startswith('https://') else f'https://{configured}.azure.net'
        creds, _, tenant = Profile(cli_ctx=cli_ctx).get_raw_token(
            subscription=get_subscription_id(cli_ctx), resource=audience)
        entry = creds[2] if len(creds) > 2 and isinstance(creds[2], dict) else {}
        return creds[1], tenant, entry.get('expires_on')
    return AadToken(acquire)


def signed_in_name(cli_ctx):
    """The az login's user or service principal (app id), as `az account show` gives it."""
    from azure.cli.core._profile import Profile
    from azure.cli.core.commands.client_factory import get_subscription_id
    return (Profile(cli_ctx=cli_ctx).get_subscription(get_subscription_id(cli_ctx)).get('user') or {}).get('name')


def make_endpoints(cli_ctx, registry, scopes=()):
    """One EndpointClient (and its tokens) per endpoint, TLS verified as azure-cli does for ARM
    (AZURE_CLI_DISABLE_CONNECTION_VERIFICATION, REQUESTS_CA_BUNDLE); scopes: every one the command will need,
    asked for in as few token requests as the service allows; the registry's roleAssignmentMode names the
    role a refusal needs."""
    from azure.cli.core._debug import change_ssl_cert_verification_track2
    from azure.cli.core.util import get_az_user_agent
    from azext_acr_replication.images.endpoint import Endpoints
    return Endpoints(aad_token_provider(cli_ctx), identity=signed_in_name(cli_ctx), registry=registry.get('name'),
                     user_agent=get_az_user_agent(),
                     connection_verify=change_ssl_cert_verification_track2().get('connection_verify', True),
                     role_mode=(registry.get('properties') or {}).get('roleAssignmentMode'), scopes=scopes)
