# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
from azure.cli.core.commands import CliCommandType

from azext_acr_replication._client_factory import cf_acr


# The loader path (this module, _params, _validators) runs on every `az acr ...` call, even `--help`: what only
# a command that runs needs (the exception handler, the table formatters) is imported when it is called.
def handle_exception(error):
    from azext_acr_replication._exception_handler import handle_exception as handle
    return handle(error)


def table(name):
    """The table transformer `name` of _format, imported when a table is printed."""
    def transform(result):
        from azext_acr_replication import _format
        return getattr(_format, name)(result)
    transform.__name__ = name
    return transform


replication_table, plan_table, status_table = table('replication_table'), table('plan_table'), table('status_table')
probe_table, drain_table = table('probe_table'), table('drain_table')


def confirm_delete(command_args):
    """Ask only on a terminal: the built-in deletes without asking, and unattended scripts rely on that.
    knack skips this when --yes or core.disable_confirm_prompt is given."""
    import sys
    try:
        on_terminal = sys.stdin is not None and sys.stdin.isatty()  # None: stdin closed (`az ... <&-`)
    except (ValueError, OSError):
        on_terminal = False
    if not on_terminal:
        return True
    from knack.prompting import prompt_y_n
    return prompt_y_n(f"Delete replication '{command_args.get('replication_name')}' of registry "
                      f"'{command_args.get('registry_name')}'?")


READ_ONLY = ('acr replication status', 'acr replication wait')


def hide_refused_policy_arguments(_, **kwargs):
    """azure-cli adds --acquire-policy-token and --change-reference to every command not named list or show
    (after the command table is built); status and wait only read and refuse them, so their help omits them."""
    import argparse
    commands = getattr(kwargs.get('commands_loader'), 'command_table', None) or {}
    for name in READ_ONLY:
        arguments = getattr(commands.get(name), 'arguments', {})
        for dest in ('_acquire_policy_token', '_change_reference'):
            if dest in arguments:
                arguments[dest].type.settings['help'] = argparse.SUPPRESS


def load_command_table(self, _):
    from knack.events import EVENT_INVOKER_POST_CMD_TBL_CREATE
    # registered after azure-cli's own handler that adds the arguments, so it runs after it
    self.cli_ctx.register_event(EVENT_INVOKER_POST_CMD_TBL_CREATE, hide_refused_policy_arguments)
    custom = CliCommandType(operations_tmpl='azext_acr_replication.custom#{}', client_factory=cf_acr)

    with self.command_group('acr replication', custom_command_type=custom, exception_handler=handle_exception) as g:
        g.custom_command('list', 'acr_replication_list', table_transformer=replication_table)
        g.custom_show_command('show', 'acr_replication_show', table_transformer=replication_table)
        g.custom_command('create', 'acr_replication_create', table_transformer=replication_table,
                         supports_no_wait=True)
        g.generic_update_command('update', getter_name='acr_replication_update_get', getter_type=custom,
                                 setter_name='acr_replication_update_set', setter_type=custom,
                                 custom_func_name='acr_replication_update_custom', custom_func_type=custom,
                                 table_transformer=replication_table, supports_no_wait=True,
                                 client_factory=cf_acr)
        g.custom_command('delete', 'acr_replication_delete', confirmation=confirm_delete,
                         supports_no_wait=True)
        g.custom_command('wait', 'acr_replication_wait')
        g.custom_command('sync', 'acr_replication_sync', table_transformer=plan_table, supports_no_wait=True)
        g.custom_command('status', 'acr_replication_status', table_transformer=status_table)
        # health-aware routing (routing/)
        g.custom_command('probe', 'acr_replication_probe', table_transformer=probe_table)
        g.custom_command('drain', 'acr_replication_drain', table_transformer=drain_table)
        g.custom_command('undrain', 'acr_replication_undrain', table_transformer=drain_table)
