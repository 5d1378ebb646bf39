# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""acr-replication: a faster, CI-friendly `az acr replication` command group."""

from azure.cli.core import AzCommandsLoader

from azext_acr_replication._help import helps  # pylint: disable=unused-import


class AcrReplicationCommandsLoader(AzCommandsLoader):

    def __init__(self, cli_ctx=None):
        from azure.cli.core.commands import CliCommandType
        from azure.cli.core.profiles import ResourceType
        custom_type = CliCommandType(operations_tmpl='azext_acr_replication.custom#{}')
        super().__init__(cli_ctx=cli_ctx, custom_command_type=custom_type,
                         resource_type=ResourceType.MGMT_CONTAINERREGISTRY)

    def load_command_table(self, args):
        from azext_acr_replication.commands import load_command_table
        load_command_table(self, args)
        return self.command_table

    def load_arguments(self, command):
        from azext_acr_replication._params import load_arguments
        load_arguments(self, command)


COMMAND_LOADER_CLS = AcrReplicationCommandsLoader
