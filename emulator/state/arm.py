"""In-memory ARM state: subscriptions, registries, replications and their long-running operations.

Time moves lazily: every request first calls advance(), which finishes operations whose time
has come, as of the moment they were due (a replica is provisioned, and starts receiving images, when
its operation ends, however late the next request comes). Nothing runs in the background.
"""
import copy
import datetime
import threading
import time
import uuid

from .images import RegistryImages
from .regions import REGION_NAMES

SUBSCRIPTION_ID = "00000000-0000-0000-0000-00000000e001"
SUBSCRIPTION_NAME = "Emulated Subscription"
# a second subscription in the same tenant, with registries of its own (fleet files span subscriptions)
SECOND_SUBSCRIPTION_ID = "00000000-0000-0000-0000-00000000e002"
SECOND_SUBSCRIPTION_NAME = "Emulated Subscription 2"
SUBSCRIPTIONS = {SUBSCRIPTION_ID: SUBSCRIPTION_NAME, SECOND_SUBSCRIPTION_ID: SECOND_SUBSCRIPTION_NAME}
TENANT_ID = "00000000-0000-0000-0000-00000000a001"
# the service principal `az login --service-principal` uses against the emulator
CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"
CLIENT_SECRET = "emulator-client-secret-do-not-print"  # a test greps output for it
RP = "Microsoft.ContainerRegistry"
USER = "test@example.com"
APP = "6a0ec4d3-30cb-4a83-91c0-ae56bc0e3d26"

SEED_REGISTRIES = [
    # (resource group, name, sku, home region)
    ("demo-rg", "demopremium", "Premium", "westus"),
    ("demo-rg", "demostandard", "Standard", "westus"),
    ("demo-rg", "demobasic", "Basic", "eastus"),
    ("prod-rg", "prodpremium", "Premium", "eastus"),
    ("prod-rg", "prodpremium2", "Premium", "westeurope"),
    ("eu-rg", "eupremium", "Premium", "northeurope"),
]
SECOND_SEED_REGISTRIES = [
    ("team-rg", "teampremium", "Premium", "eastus"),
    ("team-rg", "teampremium2", "Premium", "uksouth"),
    ("team-rg", "teamstandard", "Standard", "westus"),
]


def _stamp(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def _system_data(by, by_type, at):
    return {"createdBy": by, "createdByType": by_type, "createdAt": _stamp(at), "lastModifiedBy": by,
            "lastModifiedByType": by_type, "lastModifiedAt": _stamp(at)}


class ArmError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


TAG_NAME_FORBIDDEN = "<>%&\\?/"


def check_tags(tags):
    """Azure's tag rules, as ARM refuses a write that breaks them (400). The codes and wording are ARM's as others
    quote them: MicrosoftDocs' azure-docs-cli article on Bash and PowerShell quoting shows `(InvalidTagNameCharacters)
    The tag names '...' have reserved characters '<,>,%,&,\\,?,/'`; Azure PowerShell's Az.Migrate module raises the
    same rules with ARM's codes and text: InvalidTags ("Too many tags specified. Requested tag count - 'n'. Maximum
    number of tags allowed - '50'."), InvalidTagName (empty, or longer than 512) and InvalidTagValueLength (longer
    than 256). Which one ARM answers first when several apply is not published; this order is invented."""
    tags = tags or {}
    if len(tags) > 50:
        raise ArmError(400, "InvalidTags", "Too many tags specified. Requested tag count - '{}'. Maximum number of "
                                           "tags allowed - '50'.".format(len(tags)))
    for name, value in tags.items():
        if not str(name).strip():
            raise ArmError(400, "InvalidTagName", "The tag name must be non-null, non-empty and non-whitespace only. "
                                                  "Please provide an actual value.")
        if any(c in str(name) for c in TAG_NAME_FORBIDDEN) or any(ord(c) < 32 for c in str(name)):
            raise ArmError(400, "InvalidTagNameCharacters", "The tag names '{}' have reserved characters "
                                                            "'<,>,%,&,\\,?,/' or control characters.".format(name))
        if len(str(name)) > 512:
            raise ArmError(400, "InvalidTagName", "Tag key too large. Following tag name '{}' exceeded the maximum "
                                                  "length. Maximum allowed length for tag name - '512' "
                                                  "characters.".format(name))
        if value is not None and len(str(value)) > 256:
            raise ArmError(400, "InvalidTagValueLength", "Tag value too large. Following tag value '{}' exceeded the "
                                                         "maximum length. Maximum allowed length for tag value - "
                                                         "'256' characters.".format(value))
    return dict(tags)


def _as_of(history, moment):
    """The value of [(time, value), ...] (oldest first) at `moment`; the oldest one before it began."""
    current = history[0][1]
    for at, value in history:
        if at <= moment:
            current = value
    return current


class Registry:
    def __init__(self, group, name, sku, location, created, home_replica_name=None, subscription=SUBSCRIPTION_ID,
                 dnl_hash=None, suffix=lambda: "azurecr.io"):
        self.group, self.name, self.sku, self.location, self.created = group, name, sku, location, created
        # a registry made with a domain name label scope has host names myreg-<hash>.azurecr.io and
        # myreg-<hash>.<region>.geo.azurecr.io; the suffix is the cloud's (azurecr.cn, azurecr.us, ...)
        self.dnl_hash = dnl_hash
        self._suffix = suffix
        self.subscription = subscription
        self.home_replica_name = home_replica_name or location  # Azure names it after the region
        self.replicas = {}  # lower-case name -> Replica
        self.sku_history = [(created, sku)]  # for the lagging resources query
        self.snapshots = [(created, {})]  # (time, replicas then): for the lagging list
        self.deleted_at = {}  # lower-case replica name -> when its delete finished
        self.regional_endpoints = "Disabled"
        self.role_assignment_mode = "LegacyRegistryPermissions"  # or AbacRepositoryPermissions
        self.images = RegistryImages()

    @property
    def host_label(self):
        """The first label of the registry's host names: its name, and the domain name label hash if any."""
        return self.name.lower() + ("-" + self.dnl_hash if self.dnl_hash else "")

    @property
    def login_server(self):
        return "{}.{}".format(self.host_label, self._suffix())

    def data_regions(self):
        """region -> since when a replica there holds data: the home region, and every geo-replica
        once it is provisioned."""
        regions = {self.location: self.created}
        for replica in self.replicas.values():
            if replica.location != self.location and replica.provisioned_at is not None:
                regions[replica.location] = replica.provisioned_at
        return regions

    def sync_window(self, region):
        """(since, until) for a region that holds data, or None: since when the replica there receives pushes,
        and when it has received everything older (Ready; the home region has it all from the start)."""
        if region == self.location:
            return self.created, self.created
        for replica in self.replicas.values():
            if replica.location == region and replica.provisioned_at is not None:
                return replica.provisioned_at, max(replica.provisioned_at, replica.ready_at or 0)
        return None

    def regional_host_names(self):
        if self.regional_endpoints != "Enabled":
            return []
        regions = [self.location] + sorted({r.location for r in self.replicas.values()} - {self.location})
        return ["{}.{}.geo.{}".format(self.host_label, region, self._suffix()) for region in regions]

    def set_sku(self, sku, now):
        self.sku = sku
        self.sku_history.append((now, sku))

    def sku_at(self, moment):
        return _as_of(self.sku_history, moment)

    def snapshot(self, now):
        self.snapshots.append((now, {k: copy.copy(r) for k, r in self.replicas.items()}))
        del self.snapshots[:-200]

    def replicas_at(self, moment):
        """The replicas as a list made at `moment` would have shown them."""
        return _as_of(self.snapshots, moment)

    def id(self, sub=None):
        return "/subscriptions/{}/resourceGroups/{}/providers/{}/registries/{}".format(
            sub or self.subscription, self.group, RP, self.name)

    def resource(self, sub, sku=None):
        sku = sku or self.sku
        return {"id": self.id(sub), "name": self.name, "type": RP + "/registries",
                "sku": {"name": sku, "tier": sku}, "location": self.location, "tags": {},
                "systemData": _system_data(USER, "User", self.created)}

    # properties that only some api-versions have (emulator/arm/api_versions.py says which)
    VERSIONED = ("regionalEndpoints", "regionalEndpointHostNames", "endpointProtocol", "roleAssignmentMode",
                 "anonymousPullEnabled")

    def body(self, sub, fields=VERSIONED):
        """The registry as ARM answers, with those of VERSIONED that the request's api-version has."""
        body = self.resource(sub)
        body["properties"] = {
            "loginServer": self.login_server, "creationDate": _stamp(self.created),
            "provisioningState": "Succeeded", "adminUserEnabled": False,
            "networkRuleSet": {"defaultAction": "Allow", "ipRules": []},
            "policies": {"quarantinePolicy": {"status": "disabled"},
                         "trustPolicy": {"type": "Notary", "status": "disabled"},
                         "retentionPolicy": {"days": 7, "status": "disabled"},
                         "exportPolicy": {"status": "enabled"}},
            "encryption": {"status": "disabled"}, "dataEndpointEnabled": False, "dataEndpointHostNames": [],
            "privateEndpointConnections": [], "publicNetworkAccess": "Enabled",
            "networkRuleBypassOptions": "AzureServices", "zoneRedundancy": "Disabled",
            "anonymousPullEnabled": False, "regionalEndpoints": self.regional_endpoints,
            "regionalEndpointHostNames": self.regional_host_names(), "endpointProtocol": "IPv4",
            "roleAssignmentMode": self.role_assignment_mode}
        for name in self.VERSIONED:
            if name not in fields:
                del body["properties"][name]
        return body


class Replica:
    def __init__(self, name, location, now, tags=None, endpoint=True, zone="Disabled", home=False):
        self.name, self.location, self.tags = name, location, dict(tags or {})
        self.region_endpoint_enabled, self.zone_redundancy, self.home = endpoint, zone, home
        self.provisioning_state = "Succeeded" if home else "Creating"
        self.created, self.modified = now, now
        self.ready_at = now if home else None  # set when provisioning succeeds
        self.provisioned_at = now if home else None  # from then on it receives images
        self.stuck = False

    def display_status(self, now, provisioning=False):
        """provisioning: say 'Provisioning' while Creating or Updating, as the spec's examples show (the
        recordings show no displayStatus while Creating)."""
        if provisioning and self.provisioning_state in ("Creating", "Updating"):
            return "Provisioning"
        if self.provisioning_state in ("Creating", "Deleting"):
            return None
        if self.provisioning_state in ("Failed", "Canceled"):
            return None
        if self.ready_at is None or self.stuck or now < self.ready_at:
            return "Syncing"
        return "Ready"

    MESSAGES = {"Ready": "The replication is ready.", "Provisioning": "The replication is provisioning.",
                "Syncing": "The replication is syncing data from the home region."}

    def body(self, registry_id, now, provisioning=False):
        status = {"timestamp": _stamp(self.modified)}
        display = self.display_status(now, provisioning)
        if display:
            status["displayStatus"] = display
            status["message"] = self.MESSAGES[display]
        who = (APP, "Application") if self.home else (USER, "User")
        data = _system_data(who[0], who[1], self.created)
        data["lastModifiedAt"] = _stamp(self.modified)
        return {"type": RP + "/registries/replications", "id": registry_id + "/replications/" + self.name,
                "name": self.name, "location": self.location, "tags": dict(self.tags), "systemData": data,
                "properties": {"provisioningState": self.provisioning_state, "status": status,
                               "regionEndpointEnabled": self.region_endpoint_enabled,
                               "zoneRedundancy": self.zone_redundancy}}


# How an operation ends when it does not succeed: (code, message template). No recording or public report shows the
# error body of a replication operation that ended Failed (research for issue 23: azure-rest-api-specs issue 18934
# shows the case of a create right after a delete without its body; Azure/ARO-HCP PR 2366 a replica left Failed);
# the codes below are ARM's generic ones, and the extension classifies by status and code, never by message.
PERMANENT_FAILURE = ("ReplicationFailed",  # invented: an RP's own code for a failure that a retry does not cure
                     "The replication in region '{}' could not be provisioned: capacity is temporarily unavailable.")
TRANSIENT_FAILURE = ("InternalServerError",  # ARM's generic code for a 500 (the ARM RPC's error codes)
                     "An internal error occurred while provisioning the replication in region '{}'.")
RECREATE_FAILURE = ("ReplicationFailed",  # invented, as above: azure-rest-api-specs issue 18934 gives no body
                    "The replication in region '{}' could not be provisioned.")
CANCELED = ("Canceled", "The operation on the replication in region '{}' was canceled.")


class Operation:
    def __init__(self, kind, registry, replica_name, location, done_at, failure=None):
        self.id = "replications-" + str(uuid.uuid1())
        self.kind, self.registry, self.replica_name, self.location = kind, registry, replica_name, location
        self.done_at = done_at
        self.failure = failure  # None, or (code, message template) it ends Failed with
        self.status = {"create": "Creating", "update": "Updating", "delete": "Deleting"}[kind]
        self.error = None

    @property
    def running(self):
        return self.status not in ("Succeeded", "Failed", "Canceled")


class ArmState:
    def __init__(self, controls, clock=time.time):
        self.controls = controls
        self.clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self, extra_registries=0):
        with self.lock:
            now = self.clock()
            self.registries = {}  # (subscription, group lower, name lower) -> Registry
            self.operations = {}
            self.transient_used = {}  # region -> transient failures already handed out
            for group, name, sku, location in SEED_REGISTRIES:
                self.add_registry(group, name, sku, location, now)
            for group, name, sku, location in SECOND_SEED_REGISTRIES:
                self.add_registry(group, name, sku, location, now, sub=SECOND_SUBSCRIPTION_ID)
            for i in range(extra_registries):
                self.add_registry("bulk-rg-{:02d}".format(i % 40), "bulkreg{:05d}".format(i), "Standard",
                                  REGION_NAMES[i % len(REGION_NAMES)], now)

    def add_registry(self, group, name, sku, location, now=None, home_replica_name=None, sub=SUBSCRIPTION_ID,
                     dnl_hash=None):
        with self.lock:
            registry = Registry(group, name, sku, location, now if now is not None else self.clock(),
                                home_replica_name, sub.lower(), dnl_hash=dnl_hash, suffix=self.acr_suffix)
            self.registries[(sub.lower(), group.lower(), name.lower())] = registry
            return registry

    def add_replicas(self, registry_name, locations, now, *, name=None, tags=None, routing=True, zone="Disabled",
                     state="Succeeded", syncing=False):
        """Replicas that exist already, as if created earlier (tests set up state without az): provisioned at `now`
        (Ready, or Syncing for sync_seconds when syncing), or left in `state` (Creating, Updating and Deleting end
        after operation_seconds, as an operation started now would; Failed and Canceled stay). The home replica
        appears too, as ARM lists it once a geo-replica exists. name: only with one location."""
        with self.lock:
            registry = self.registry_by_name(registry_name)
            if registry is None:
                raise ArmError(404, "ResourceNotFound", "No registry '{}'.".format(registry_name))
            made = []
            for location in locations:
                if location not in REGION_NAMES:
                    raise ArmError(400, "LocationNotAvailableForResourceType", "Unknown region '{}'.".format(location))
                replica = Replica(name or location, location, now, tags=check_tags(tags), endpoint=routing, zone=zone)
                replica.provisioning_state = state
                if state in ("Succeeded", "Updating", "Deleting"):
                    replica.provisioned_at = now
                    replica.ready_at = now + (float(self.controls["sync_seconds"]) if syncing else 0.0)
                    replica.stuck = location in self.controls["stuck_regions"]
                registry.replicas[replica.name.lower()] = replica
                if state in ("Creating", "Updating", "Deleting"):
                    kind = {"Creating": "create", "Updating": "update", "Deleting": "delete"}[state]
                    op = Operation(kind, registry, replica.name, location, now + float(self.controls["operation_seconds"]))
                    self.operations[op.id] = op
                made.append(replica.name)
            if made and not any(r.location == registry.location for r in registry.replicas.values()):
                home = registry.home_replica_name
                registry.replicas[home.lower()] = Replica(home, registry.location, registry.created, home=True)
            registry.snapshot(now)
            return made

    def set_registry(self, registry_name, sku=None, regional_endpoints=None, role_assignment_mode=None, now=None):
        """A registry's SKU, regional endpoints (True/False) and role assignment mode, as `az acr update` sets them."""
        with self.lock:
            registry = self.registry_by_name(registry_name)
            if registry is None:
                raise ArmError(404, "ResourceNotFound", "No registry '{}'.".format(registry_name))
            if sku:
                registry.set_sku(sku, self.clock() if now is None else now)
            if regional_endpoints is not None:
                registry.regional_endpoints = "Enabled" if regional_endpoints else "Disabled"
            if role_assignment_mode:
                registry.role_assignment_mode = role_assignment_mode
            return registry

    def move_registry(self, name, group, sub=SUBSCRIPTION_ID):
        """The registry (found by name) now lives in `group` (a test of stale cached groups)."""
        with self.lock:
            registry = self.registry_by_name(name)
            del self.registries[(registry.subscription, registry.group.lower(), registry.name.lower())]
            registry.group = group
            self.registries[(sub.lower(), group.lower(), registry.name.lower())] = registry

    def in_subscription(self, sub):
        return [r for (s, _, _), r in self.registries.items() if s == sub.lower()]

    # --- time -------------------------------------------------------------------------------
    def advance(self):
        now = self.clock()
        with self.lock:
            due = sorted((op for op in self.operations.values() if op.running and op.done_at <= now),
                         key=lambda op: op.done_at)
            for op in due:
                self._finish(op, op.done_at)
        return now

    def _finish(self, op, now):
        replica = op.registry.replicas.get(op.replica_name.lower())
        if op.failure:
            code, message = op.failure
            op.status = "Canceled" if op.failure is CANCELED else "Failed"
            op.error = {"code": code, "message": message.format(op.location)}
            if replica is not None:
                replica.provisioning_state = op.status
                replica.modified = now
            op.registry.snapshot(now)
            return
        op.status = "Succeeded"
        if replica is None:
            return
        if op.kind == "delete":
            del op.registry.replicas[op.replica_name.lower()]
            op.registry.deleted_at[op.replica_name.lower()] = now
            op.registry.snapshot(now)
            return
        replica.modified = now
        if replica.provisioning_state == "Creating":
            replica.ready_at = now + float(self.controls["sync_seconds"])
            replica.provisioned_at = now
            replica.stuck = replica.location in self.controls["stuck_regions"]
        replica.provisioning_state = "Succeeded"
        op.registry.snapshot(now)

    # --- lookups ------------------------------------------------------------------------------
    def registry(self, group, name, sub=SUBSCRIPTION_ID):
        registry = self.registries.get((sub.lower(), group.lower(), name.lower()))
        if registry is None:
            if group.lower() not in self.groups(sub):
                raise ArmError(404, "ResourceGroupNotFound", "Resource group '{}' could not be found.".format(group))
            raise ArmError(404, "ResourceNotFound",
                           "The Resource '{}/registries/{}' under resource group '{}' was not found. For more "
                           "details please go to https://aka.ms/ARMResourceNotFoundFix".format(RP, name, group))
        return registry

    def groups(self, sub=SUBSCRIPTION_ID):
        return {g for s, g, _ in self.registries if s == sub.lower()} | {"empty-rg"}

    def parent(self, group, name, sub=SUBSCRIPTION_ID):
        try:
            return self.registry(group, name, sub)
        except ArmError as err:
            if err.code == "ResourceNotFound":
                raise ArmError(404, "ParentResourceNotFound",
                               "Can not perform requested operation on nested resource. Parent resource "
                               "'{}' not found.".format(name)) from None
            raise

    @staticmethod
    def replica(registry, name):
        replica = registry.replicas.get(name.lower())
        if replica is None:
            raise ArmError(404, "ResourceNotFound",
                           "The Resource '{}/registries/{}/replications/{}' under resource group '{}' was not "
                           "found. For more details please go to https://aka.ms/ARMResourceNotFoundFix".format(
                               RP, registry.name, name, registry.group))
        return replica

    def listed_replicas(self, registry, now):
        """What a list answers: the live replicas, or with list_lag_seconds, an older view of them."""
        lag = float(self.controls["list_lag_seconds"])
        if lag <= 0:
            return list(registry.replicas.values())
        return list(registry.replicas_at(now - lag).values())

    def listed_sku(self, registry, now):
        return registry.sku_at(now - float(self.controls["resources_lag_seconds"]))

    # --- writes -------------------------------------------------------------------------------
    def _check_location(self, location):
        if location not in REGION_NAMES:
            # ARM's wording for a type's unknown region (seen for other providers: Azure/acr issue 406 shows it for
            # Microsoft.ContainerInstance); no ACR recording shows which of it and NoRegisteredProviderFound
            # (Azure/acr issue 70, for an api-version) a replication in an unknown region gets
            raise ArmError(400, "LocationNotAvailableForResourceType",
                           "The provided location '{}' is not available for resource type '{}/registries/"
                           "replications'. List of available regions for the resource type is '{}'.".format(
                               location, RP, ",".join(REGION_NAMES)))

    def _failure_for(self, kind, registry, name, location, now):
        if kind == "delete":
            return None
        if location in self.controls["canceled_regions"]:
            return CANCELED
        if location in self.controls["fail_regions"]:
            return PERMANENT_FAILURE
        allowed = int((self.controls["transient_failures"] or {}).get(location, 0))
        if self.transient_used.get(location, 0) < allowed:
            self.transient_used[location] = self.transient_used.get(location, 0) + 1
            return TRANSIENT_FAILURE
        window = float(self.controls["recreate_failure_seconds"])
        deleted = registry.deleted_at.get(name.lower())
        if kind == "create" and window > 0 and deleted is not None and now - deleted < window:
            return RECREATE_FAILURE
        return None

    def _start(self, kind, registry, name, location, now, synchronous=False):
        """synchronous: the write ends at once (its answer is 200, not an LRO), as the spec allows a PUT of an
        existing replica and a PATCH (knobs synchronous_put_existing, synchronous_tag_patch)."""
        op = Operation(kind, registry, name, location,
                       now if synchronous else now + float(self.controls["operation_seconds"]),
                       failure=None if synchronous else self._failure_for(kind, registry, name, location, now))
        self.operations[op.id] = op
        # like Azure, a write is an LRO the client polls even when it is quick; only the explicit
        # knobs give the synchronous answer
        if synchronous or (op.done_at <= now and self.controls["synchronous_writes"] and kind != "delete"):
            self._finish(op, now)
        registry.snapshot(now)
        return op

    def _busy(self, registry, name):
        for op in self.operations.values():
            if op.registry is not registry or not op.running:
                continue
            if op.replica_name.lower() == name.lower():
                # Invented (no recording or public report of ACR's 409 has its body): the extension classifies a
                # 409 by its status alone (arm/errors.py is_conflict), never by this code or text
                raise ArmError(409, "OperationNotAllowed",
                               "Another operation is in progress on replication '{}'. Retry when it has "
                               "finished.".format(name))
            if self.controls["registry_conflicts"]:
                # ARM's generic code for a conflicting operation (other providers); invented for ACR, as above
                raise ArmError(409, "AnotherOperationInProgress",
                               "Another operation ({} of replication '{}') is in progress on registry '{}'. Retry "
                               "when it has finished.".format(op.kind, op.replica_name, registry.name))

    def put_replication(self, group, registry_name, name, body, now, sub=SUBSCRIPTION_ID):
        with self.lock:
            registry = self.parent(group, registry_name, sub)
            location = "".join(str((body or {}).get("location") or "").split()).lower()
            if not location:
                # ARM's generic code for a PUT without location (ARM RPC); never sent by the extension
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            self._check_location(location)
            if registry.sku != "Premium":
                # Invented: no recording shows the service's answer for a non-Premium registry (the built-in and the
                # extension refuse it before any write, with the built-in's message)
                raise ArmError(400, "RegistrySkuNotSupported",
                               "Replications are only supported for managed registries in Premium SKU.")
            props = body.get("properties") or {}
            check_tags(body.get("tags"))
            self._busy(registry, name)
            existing = registry.replicas.get(name.lower())
            zone = props.get("zoneRedundancy") or "Disabled"
            if existing is not None:
                if existing.location != location:
                    # Invented: no recording or report shows ARM's answer to a PUT that moves a replica (the
                    # extension refuses it before sending: replicas/plan.py "is in X, not Y")
                    raise ArmError(400, "InvalidReplicationLocation",
                                   "The location of replication '{}' cannot be changed.".format(name))
                if existing.zone_redundancy != zone and props.get("zoneRedundancy") is not None:
                    # The refusal is real (azure-rest-api-specs issue 18934: "The API told that it doesn't support
                    # to update (PUT) the zoneRedundancy"; terraform-provider-azurerm PR 16678), its code and text
                    # are not published: invented. The extension never sends it (plan.py asks for a delete first)
                    raise ArmError(400, "ZoneRedundancyCannotBeUpdated",
                                   "Zone redundancy of replication '{}' cannot be updated.".format(name))
                replica = existing
                synchronous = self.controls["synchronous_put_existing"] and existing.provisioning_state == "Succeeded"
                replica.provisioning_state = "Updating" if existing.provisioning_state not in ("Failed", "Canceled") \
                    else "Creating"
                replica.tags = dict(body.get("tags") or {})
            else:
                synchronous = False
                replica = Replica(name, location, now, tags=body.get("tags"), zone=zone)
                registry.replicas[name.lower()] = replica
                home = registry.location
                if not any(r.location == home for r in registry.replicas.values()):
                    home_name = registry.home_replica_name
                    registry.replicas[home_name.lower()] = Replica(home_name, home, now, home=True)
            if props.get("regionEndpointEnabled") is not None:
                replica.region_endpoint_enabled = bool(props["regionEndpointEnabled"])
            replica.modified = now
            op = self._start("create", registry, replica.name, location, now, synchronous)
            return registry, replica, op

    def patch_replication(self, group, registry_name, name, body, now, sub=SUBSCRIPTION_ID):
        with self.lock:
            registry = self.parent(group, registry_name, sub)
            replica = self.replica(registry, name)
            self._busy(registry, name)
            props = (body or {}).get("properties") or {}
            if "tags" in (body or {}) and body["tags"] is not None:
                replica.tags = check_tags(body["tags"])
            if props.get("regionEndpointEnabled") is not None:
                replica.region_endpoint_enabled = bool(props["regionEndpointEnabled"])
            synchronous = self.controls["synchronous_tag_patch"] and props.get("regionEndpointEnabled") is None
            replica.provisioning_state = "Updating"
            replica.modified = now
            op = self._start("update", registry, replica.name, replica.location, now, synchronous)
            return registry, replica, op

    def delete_replication(self, group, registry_name, name, now, sub=SUBSCRIPTION_ID):
        with self.lock:
            registry = self.parent(group, registry_name, sub)
            replica = registry.replicas.get(name.lower())
            if replica is None:
                return None
            self._busy(registry, name)
            replica.provisioning_state = "Deleting"
            replica.modified = now
            return self._start("delete", registry, replica.name, replica.location, now)

    def patch_registry(self, group, name, body, now, sub=SUBSCRIPTION_ID, fields=Registry.VERSIONED):
        """`az acr update`: the SKU, regional endpoints and the role assignment mode (each ignored, like any unknown
        property, when the request's api-version lacks it: fields); answers at once like Azure."""
        with self.lock:
            registry = self.registry(group, name, sub)
            sku = ((body or {}).get("sku") or {}).get("name")
            if sku:
                if sku not in ("Basic", "Standard", "Premium"):
                    # invented (a test's typo guard); the extension never changes a SKU
                    raise ArmError(400, "InvalidSku", "The SKU '{}' is not valid.".format(sku))
                registry.set_sku(sku, now)
            regional = ((body or {}).get("properties") or {}).get("regionalEndpoints")
            if regional and "regionalEndpoints" in fields:
                if regional not in ("Enabled", "Disabled"):
                    # invented, like the next two: no public source shows an error about regional endpoints or
                    # the role assignment mode (the spec's examples show a Standard registry with them Disabled)
                    raise ArmError(400, "InvalidRegionalEndpoints", "regionalEndpoints must be Enabled or Disabled.")
                if regional == "Enabled" and registry.sku != "Premium":
                    raise ArmError(400, "RegionalEndpointsNotSupported",
                                   "Regional endpoints are only supported for registries in Premium SKU.")
                registry.regional_endpoints = regional
            mode = ((body or {}).get("properties") or {}).get("roleAssignmentMode")
            if mode and "roleAssignmentMode" in fields:
                if mode not in ("AbacRepositoryPermissions", "LegacyRegistryPermissions"):
                    raise ArmError(400, "InvalidRoleAssignmentMode",
                                   "roleAssignmentMode must be AbacRepositoryPermissions or LegacyRegistryPermissions.")
                registry.role_assignment_mode = mode
            return registry

    # --- the registry data plane -----------------------------------------------------------------
    def acr_suffix(self):
        """The cloud's login server suffix (azurecr.io; azurecr.cn, azurecr.us in sovereign clouds)."""
        return self.controls["acr_login_server_suffix"].lower().strip(".")

    def registry_by_name(self, name):
        for registry in self.registries.values():
            if registry.name.lower() == name.lower():
                return registry
        return None

    def push(self, registry_name, repository, tag, now, digest=None, first_region=None, lag_seconds=None,
             media_type=None, **more):
        """more: platforms, platform_lags, blob_lags (images.RegistryImages.push)."""
        with self.lock:
            registry = self.registry_by_name(registry_name)
            if registry is None:
                raise ArmError(404, "ResourceNotFound", "No registry '{}'.".format(registry_name))
            return registry.images.push(repository, tag, now, first_region or registry.location, lag_seconds,
                                        digest, media_type, **more)

    def attach(self, registry_name, repository, subject_digest, artifact_type, now, first_region=None,
               lag_seconds=None, scheme="referrers"):
        with self.lock:
            registry = self._images_of(registry_name)
            from .images import Unknown
            try:
                return registry.images.attach(repository, subject_digest, artifact_type, now,
                                              first_region or registry.location, lag_seconds, scheme)
            except Unknown as unknown:
                raise ArmError(404, unknown.code, unknown.message) from None

    def _images_of(self, registry_name):
        registry = self.registry_by_name(registry_name)
        if registry is None:
            raise ArmError(404, "ResourceNotFound", "No registry '{}'.".format(registry_name))
        return registry

    def delete_tag(self, registry_name, repository, tag, now, first_region=None, lag_seconds=None):
        with self.lock:
            registry = self._images_of(registry_name)
            from .images import Unknown
            try:
                return registry.images.delete_tag(repository, tag, now, first_region or registry.location,
                                                  lag_seconds)
            except Unknown as unknown:
                raise ArmError(404, unknown.code, unknown.message) from None

    def delete_images(self, registry_name, repository, now, digest=None, first_region=None, lag_seconds=None):
        """A manifest (digest) or, without one, the whole repository deleted in first_region, elsewhere later."""
        with self.lock:
            registry = self._images_of(registry_name)
            from .images import Unknown
            try:
                if digest:
                    return registry.images.delete_manifest(repository, digest, now, first_region or registry.location,
                                                           lag_seconds)
                return registry.images.delete_repository(repository, now, first_region or registry.location,
                                                         lag_seconds)
            except Unknown as unknown:
                raise ArmError(404, unknown.code, unknown.message) from None

    def seed(self, registry_name, repositories, tags, at, **names):
        with self.lock:
            registry = self._images_of(registry_name)
            return registry.images.seed(repositories, tags, at, registry.location, **names)

    def endpoint(self, host):
        """(registry, region) a data-plane host name serves, or None when it would not resolve.

        <registry>.azurecr.io is the global endpoint (served here by the home region);
        <registry>.<region>.geo.azurecr.io a replica's regional endpoint, only while regional
        endpoints are enabled and the replica holds data. <registry> is the name, with the domain
        name label hash if the registry has one; azurecr.io is the cloud's suffix."""
        suffix = "." + self.acr_suffix()
        if not host.lower().endswith(suffix):
            return None
        labels = host.lower()[:-len(suffix)].split(".")
        self.advance()
        with self.lock:
            registry = next((r for r in self.registries.values() if r.host_label == labels[0]), None)
            if registry is None:
                return None
            if len(labels) == 1:
                return registry, registry.location
            if len(labels) == 3 and labels[2] == "geo":
                if registry.regional_endpoints != "Enabled" or labels[1] not in registry.data_regions():
                    return None
                return registry, labels[1]
        return None
