# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`sync --file`: the az side of fleet sync: one management client per subscription, the progress
line, and the verdict (the plan is printed even when some registries failed, then exit code 1)."""
from knack.log import get_logger

from azext_acr_replication.arm.errors import exit_after_output
from azext_acr_replication.fleet.sync import FleetItem, sync_fleet

logger = get_logger(__name__)


def resolve_subscription(cli_ctx):
    """name or id -> subscription id among the az login's accounts (offline: azureProfile.json), or None."""
    def resolve(value):
        from azure.cli.core._profile import Profile
        try:
            return Profile(cli_ctx=cli_ctx).get_subscription(value)['id'].lower()
        except Exception:  # pylint: disable=broad-except
            return None
    return resolve


def sync_file(cmd, entries, options, *, prune=False, context_for=None):
    """entries: the checked FleetEntry list (the validator read the file); options: a RunOptions."""
    from azure.cli.core.commands.client_factory import get_subscription_id
    current = get_subscription_id(cmd.cli_ctx).lower()
    items = [FleetItem(entry.desired(prune, entry.subscription or current), entry.subscription or current)
             for entry in entries]
    contexts = {}
    for subscription in {item.subscription for item in items}:
        contexts[subscription] = context_for(subscription)
    progress = cmd.cli_ctx.get_progress_controller()
    sync_fleet(contexts, items, options, progress)
    dry_run = options.dry_run
    result = [item.to_dict(dry_run) for item in items]
    failed = [item for item in items if item.error]
    changes = sum(r['changes'] for r in result)
    if not failed and not changes:
        logger.warning("All %d registries already match: nothing to do.", len(items))
    if failed:
        for item in failed:
            logger.error("%s: %s", item.desired.registry, item.error)
        names = ', '.join(item.desired.registry for item in failed)
        exit_after_output(cmd.cli_ctx, f"{len(failed)} of {len(items)} registries failed ({names}); the others "
                                       f"{'were planned' if dry_run else 'went ahead'}. Fix them and run the "
                                       "command again: it changes only what still differs.")
    return result
