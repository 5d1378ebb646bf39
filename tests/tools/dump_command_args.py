"""Print, as JSON, every `az acr replication` command the running azure-cli knows, with each argument's
option names and choices: run with the Python of the az under test (built-in: an empty extension dir;
ours: the extension installed). The parity test compares the two."""
import json
import sys


def _option(item):
    # azure-cli's deprecation mechanism puts Deprecated objects (with .target) among the option names
    return getattr(item, 'target', item)


def dump(prefix):
    from knack import events
    from azure.cli.core import get_default_cli
    cli = get_default_cli()
    invocation = cli.invocation_cls(cli_ctx=cli, parser_cls=cli.parser_cls,
                                    commands_loader_cls=cli.commands_loader_cls, help_cls=cli.help_cls)
    cli.invocation = invocation
    loader = invocation.commands_loader
    table = loader.load_command_table(prefix.split())
    names = sorted(n for n in table if n == prefix or n.startswith(prefix + ' '))
    result = {}
    for name in names:
        loader.command_name = name
        cli.invocation.data['command_string'] = name
        loader.load_arguments(name)
    cli.raise_event(events.EVENT_INVOKER_POST_CMD_TBL_CREATE, commands_loader=loader, cmd_tbl=loader.command_table)
    for name in names:
        command = loader.command_table[name]
        arguments = {}
        for dest, argument in command.arguments.items():
            settings = argument.type.settings
            options = [str(_option(o)) for o in (settings.get('options_list') or [])]
            if not options:
                continue  # not on the command line (cmd, client, instance, ...)
            choices = settings.get('choices')
            deprecated = [str(o.target) for o in settings.get('options_list') or [] if hasattr(o, 'target')]
            if settings.get('deprecate_info') is not None:  # the whole argument (azure-cli 2.86's breaking changes)
                deprecated += [o for o in options if o not in deprecated]
            arguments[dest] = {'options': options,
                               'choices': sorted(str(c) for c in choices) if choices else None,
                               'deprecated': deprecated}
        result[name] = arguments
    return result


if __name__ == '__main__':
    json.dump(dump(sys.argv[1] if len(sys.argv) > 1 else 'acr replication'), sys.stdout, indent=1, sort_keys=True)
