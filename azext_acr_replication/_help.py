# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=line-too-long
from knack.help_files import helps

helps['acr replication'] = """
type: group
short-summary: Manage the replicas of a geo-replicated Azure Container Registry (acr-replication extension).
long-summary: >
    A replica is a copy of a Premium registry in another Azure region (ARM calls it a replication);
    the home replica is the one in the registry's own region. This extension replaces the built-in
    group: the same commands, flags and output, plus several regions per call in parallel, polling
    that ends soon after the operation, --no-wait and wait, waiting for data to finish syncing,
    idempotent create and sync, fleets from one file, and status: is an image in every region yet.
"""

helps['acr replication list'] = """
type: command
short-summary: List the replicas of a container registry, the home replica included.
long-summary: ARM lists no replica at all until the first geo-replica exists.
examples:
  - name: List the replicas of a container registry in a table.
    text: az acr replication list -r myregistry -o table
  - name: List only the names of replicas that are not Ready yet.
    text: az acr replication list -r myregistry --query "[?status.displayStatus!='Ready'].name" -o tsv
"""

helps['acr replication show'] = """
type: command
short-summary: Get the details of a replica. Exits with code 3 when it does not exist.
examples:
  - name: Get the details of a replica.
    text: az acr replication show -n japaneast -r myregistry
  - name: Print the sync status of a replica.
    text: az acr replication show -n japaneast -r myregistry --query status.displayStatus -o tsv
"""

helps['acr replication create'] = """
type: command
short-summary: Create one or more replicas of a container registry.
long-summary: >
    Several regions are created in parallel; the command takes as long as the slowest one.
    Re-running it is safe: a replica that already exists with the same settings is left alone
    (no write), changed tags or routing are updated, and a Failed replica is deleted and created
    again with its settings. The registry's home region is refused when it is the only region,
    and skipped with a warning when it is one of several. With --no-wait the command returns once
    every region has started; follow it with 'az acr replication wait'.
examples:
  - name: Create a replica of a container registry in West US.
    text: az acr replication create -r myregistry -l westus
  - name: Create three replicas at once and wait until their data has synced (at most 2 hours).
    text: az acr replication create -r myregistry -l japaneast eastus westeurope --wait-ready --timeout 7200
  - name: Create a zone-redundant replica without global endpoint routing, with a custom name.
    text: az acr replication create -r myregistry -l eastus -n myreplica --zone-redundancy Enabled --global-endpoint-routing false
  - name: Start creating a replica, return at once, and wait for it later.
    text: |
        az acr replication create -r myregistry -l eastus --no-wait
        az acr replication wait -r myregistry -n eastus --created
"""

helps['acr replication update'] = """
type: command
short-summary: Update the tags or the global endpoint routing of a replica.
long-summary: >
    Location and zone redundancy are fixed when a replica is created; asking to change them explains how. On a
    drained replica (see 'az acr replication drain'), --global-endpoint-routing true is a person bringing it back
    by hand: routing goes on and the drain record is removed, with a warning ('undrain' checks health first);
    --tags keeps the drain record.
examples:
  - name: Update the tags of a replica.
    text: az acr replication update -n MyReplica -r myregistry --tags key1=value1 key2=value2
  - name: Stop routing global endpoint traffic to a replica (its data keeps syncing).
    text: az acr replication update -n eastus -r myregistry --global-endpoint-routing false
  - name: Bring a drained replica back by hand (routing on, its drain record removed; undrain checks health first).
    text: az acr replication update -n eastus -r myregistry --global-endpoint-routing true
"""

helps['acr replication delete'] = """
type: command
short-summary: Delete a replica of a container registry.
long-summary: >
    Asks for confirmation when run from a terminal (--yes skips it); a script without a terminal
    deletes without asking, as the built-in command does. The home replica is refused unless
    --allow-home-replica is given.
examples:
  - name: Delete a replica.
    text: az acr replication delete -n MyReplica -r myregistry
  - name: Start the delete, return at once, and wait until it is gone.
    text: |
        az acr replication delete -n eastus -r myregistry --yes --no-wait
        az acr replication wait -n eastus -r myregistry --deleted
"""

helps['acr replication wait'] = """
type: command
short-summary: Wait until a replica reaches a state.
long-summary: >
    Polls the replica, fast at first, until the condition holds. Unlike azure-cli's generic wait
    commands, running out of time is an error: the command exits 1 with one line naming the state the
    replica is in (it is left as it is), so a script can tell "done" from "gave up". A replica that
    ends Failed or Canceled while waiting for --created, --updated or --ready ends the wait with exit
    code 1 too. --ready waits for the data (status Ready), which can take hours for a large registry.
examples:
  - name: Wait until a replica's data has finished syncing, for at most 2 hours.
    text: az acr replication wait -n japaneast -r myregistry --ready --timeout 7200
  - name: Wait for a replica started with --no-wait to be created.
    text: az acr replication wait -n eastus -r myregistry --created
  - name: Wait for a replica to be deleted.
    text: az acr replication wait -n eastus -r myregistry --deleted
  - name: Wait until a replica has failed (for a script that recreates it), with a custom JMESPath condition.
    text: az acr replication wait -n eastus -r myregistry --custom "provisioningState=='Failed'" --timeout 600
"""

helps['acr replication sync'] = """
type: command
short-summary: Make a registry's replicas (or a fleet's, with --file) match a list of regions.
long-summary: |
    Plans first: create the missing regions, recreate Failed replicas (delete, then create with their settings), update drifted routing or tags, and only with --prune delete the replicas in regions not listed. With --prune the result is the listed regions plus the home region, which is never touched. Prints the plan (table or JSON) and applies it in parallel unless --dry-run; with nothing to do it makes no write calls and exits 0. --prune and recreating a Failed replica delete without asking: review the plan with --dry-run first.

    A drained replica (az acr replication drain) keeps its global endpoint routing off even where the desired state says on, and the plan says so ('kept drained: INC-123, since 2026-12-02T10:00:00Z'); --undrain lets the desired state turn it back on and removes the drain record, without the health check of 'az acr replication undrain'.

    With --file, a desired-state file (YAML or JSON) lists many registries, across resource groups and subscriptions. The whole file is checked before any ARM call (every problem with its line, exit code 2), every registry is planned, one plan is printed, and every write is applied in parallel. A registry that fails is reported and the others go ahead (exit code 1). A short file:

        registries:
          - name: contosoprod
            locations: [japaneast, eastus]
            tags: {team: platform}
            prune: true
          - name: contosodev
            resourceGroup: dev-rg
            subscription: Contoso Dev
            locations: [eastus]
            globalEndpointRouting: {eastus: false}

    Keys per registry: name and locations (required); resourceGroup, subscription, globalEndpointRouting, zoneRedundancy, tags and prune (optional). Values are read as written: tag values stay text.
examples:
  - name: Show what would change, without changing anything.
    text: az acr replication sync -r myregistry -l japaneast eastus --dry-run -o table
  - name: Make the replicas japaneast and eastus (plus the home region), routing on, and wait for the data.
    text: az acr replication sync -r myregistry -l japaneast eastus --global-endpoint-routing true --prune --wait-ready
  - name: Review the plan for every registry in a desired-state file, changing nothing.
    text: az acr replication sync --file fleet.yaml --prune --dry-run -o table
  - name: Then apply the reviewed file.
    text: az acr replication sync --file fleet.yaml --prune
"""

helps['acr replication status'] = """
type: command
short-summary: Show how each replica is doing, and whether an image, a repository or the whole registry has reached every region yet.
long-summary: >
    Without --image, --repository or --all-repositories: one row per replica (home included) with its
    provisioning state, its status (Syncing, Ready) and since when, global endpoint routing and its
    regional endpoint (ARM only); a drained replica shows its drain record (drain: reason, at, by, ageSeconds;
    in the table's GLOBAL ROUTING column 'off (drained 2h 5m: INC-123)'). With --wait, waits until every replica
    is Ready (data synced).


    --image REPO:TAG|REPO@DIGEST ...: asks every replica, through its regional endpoint
    (<registry>.<region>.geo.azurecr.io), whether it holds the whole of each image: the digest the tag
    resolves to there, and every part of the artifact as the home region has it: for a multi-arch image
    (an OCI index or Docker manifest list) every platform's manifest (--platform: only those), its
    referrers (signatures, SBOMs, attestations; --referrers none|signatures|all, default all) of the
    image and of each platform, found with the OCI referrers API or, where a region has none, the
    referrers tag schema, and cosign's sha256-<digest>.sig/.att/.sbom tags; with --blobs also every
    config and layer blob. JSON: {registry, complete, images: [{image, digests, inEveryRegion, artifact:
    {digest, mediaType, platforms, referrers, blobs, parts}, regions: [{replica, region, endpoint, state,
    digest, arrivedAfterSeconds, detail, missing: {platforms, referrers: {artifactType: [digest]},
    blobs}, parts: {present, total}}]}]} (with --wait also waitedSeconds, timedOut). States: present,
    incomplete (the tag is there, part of the artifact is not), missing, digest differs (the detail says
    when the region holds another kind of manifest, e.g. a single-platform one under a multi-arch tag),
    replica creating, replica deleting, replica failed, no regional endpoint, unreachable, error.
    Requests: the home region is asked what the artifact is (the manifest, the referrers of each
    manifest, cosign's three tags); every other region one HEAD per part (--referrers none: one HEAD per
    image); a part found is not asked again, and parts several images share are asked once.


    --repository REPO ...: every tag of each repository in every region, compared. JSON: {registry,
    complete, repositories: [{repository, tags: {tag: {region: digest}}, inEveryRegion, missing: [{tag,
    regions}], skew: [{tag, digests: {region: digest}}], changedWhileReading}]}; with --manifests every
    manifest is compared too, untagged ones included (the platforms of indexes, referrers), through ACR's
    manifest listing: manifests: {digest: [regions]}, missingManifests: [{digest, mediaType, regions}]. The
    table has a row per tag and region that is not like the others (TAG, REGION, STATE, DIGEST) and a
    summary per repository.


    --all-repositories: every region's whole catalog compared with the home region's: per region the
    repositories and tags present, missing, extra (deleted at home, still there) and with another
    digest, and each replica's progress (tagsPresent of tagsAtHome, percent); with --wait also a rate
    and an estimate of the time left. A progress line shows on stderr while it reads.


    --wait polls until the answer is complete, following the registry: a replica being created is asked
    as soon as it is provisioned, replicas created meanwhile are found. It ends early when waiting
    cannot help (a replica Failed, a firewall's 403, no permission), saying what to do.


    Exit codes: 0 complete (every region has everything, with one digest); 1 not complete (something
    missing somewhere, a digest skew, a replica being created, a region unreachable, --timeout reached);
    3 an image or repository in no region at all (a typo, or not pushed), or, as with the built-in
    commands, a registry or resource group not found when -g is given (without -g a registry not found
    exits 1). The result is printed whatever the exit code, so scripts can read which regions lack what.


    Needs regional endpoints on the registry (az acr update -n myregistry --regional-endpoints enabled)
    and, for the signed-in identity, AcrPull (on registries with ABAC repository permissions:
    'Container Registry Repository Reader', and 'Container Registry Repository Catalog Lister' for
    --all-repositories). A refusal says which role in one line.


    On purpose: without --manifests untagged manifests are not compared (check one with --image
    REPO@sha256:...). A tag pushed before the command began is judged; one pushed or moved after it
    began, while the command reads, is listed under changedWhileReading instead of being judged, and the
    answer is then not a yes (exit 1). A tag deleted meanwhile cannot be told apart (a listing shows no
    deletes): it is judged, and shows as missing where the delete arrived first. --repository --wait
    judges every tag, those pushed meanwhile too, so a tag pushed just before the command is always
    waited for.
examples:
  - name: Show every replica, its status and for how long, and its regional endpoint.
    text: az acr replication status -r myregistry -o table
  - name: Wait until every replica has finished syncing its data (at most 2 hours).
    text: az acr replication status -r myregistry --wait --timeout 7200 -o table
  - name: Is this image in every region yet?
    text: az acr replication status -r myregistry --image app:1.4.2 -o table
  - name: In CI, after a push, wait until every region has the image before deploying.
    text: az acr replication status -r myregistry --image app:$TAG --wait --timeout 900
  - name: Check several images, one of them by digest; print only the regions that lack something.
    text: az acr replication status -r myregistry --image app:1.4.2 worker@sha256:0a1b...e9f0 --query "images[].regions[?state!='present'].region" -o tsv
  - name: In CI, after docker buildx pushed a multi-arch image and cosign signed it, wait until every platform and the signature are in every region.
    text: az acr replication status -r myregistry --image app:$TAG --referrers signatures --wait --timeout 900
  - name: Only the platforms the clusters run, and every blob they will pull.
    text: az acr replication status -r myregistry --image app:1.4.2 --platform linux/amd64 --blobs -o table
  - name: Is every tag of these repositories in every region, with the same digest?
    text: az acr replication status -r myregistry --repository app team/api -o table
  - name: Compare every manifest of a repository, untagged platform manifests and signatures included.
    text: az acr replication status -r myregistry --repository app --manifests -o table
  - name: Print the tags missing somewhere in a repository, and where.
    text: az acr replication status -r myregistry --repository app --query "repositories[0].missing" -o json
  - name: What does each region hold compared with the home region (after an incident, say)?
    text: az acr replication status -r myregistry --all-repositories -o table
  - name: How far has a new replica got? Follow it, with a rate and the time left, for at most a day.
    text: az acr replication status -r myregistry --all-repositories --wait --timeout 86400 --verbose -o table
"""

helps['acr replication probe'] = """
type: command
short-summary: Probe every replica through its regional endpoint and say which are healthy, degraded or down.
long-summary: |
    Every replica (the home one included) at once, each on its own thread with its own bound (--timeout), so one that hangs is reported down on time while the others are reported as they answered. Per replica: a sign-in (the registry's challenge and the token exchange, once), then --samples samples, each on a new connection: connect and TLS, GET /v2/ (a 401 with the registry's challenge is a healthy answer) and, with --image, a HEAD of that manifest. Plus ARM's view: provisioningState, status, global endpoint routing and the drain record.

    healthy: every sample answered in time and the sign-in worked. degraded: the median sample took longer than --slow-ms, or some samples failed (5xx, 429, resets, timeouts), or the sign-in failed. down: no sample answered (refused, reset, every one failed), or no answer within --timeout. Each with its reasons and the per-sample times (p50, max).

    Exit code 0 when every routed replica is healthy, 1 otherwise (the result is printed first). Drained replicas are shown but do not count. Needs regional endpoints on the registry.

    --drain-unhealthy (for a scheduled job) then drains every routed replica found down (and degraded with --drain-degraded), worst first, within the guardrails of 'az acr replication drain', recording why; it never undrains. The exit code still says what the probe found (1 when it drained something), so a person looks.
examples:
  - name: Probe every replica, in a table.
    text: az acr replication probe -r myregistry -o table
  - name: Probe with a HEAD of an image, 5 samples each, slow beyond 1 s.
    text: az acr replication probe -r myregistry --image app:1.4.2 --samples 5 --slow-ms 1000 -o table
  - name: In a scheduled job, drain what is down (never the last routed replica), recording the job's run.
    text: az acr replication probe -r myregistry --drain-unhealthy --reason "scheduled probe $RUN_ID" -o table
  - name: Say what a scheduled job would drain, degraded replicas included, changing nothing.
    text: az acr replication probe -r myregistry --drain-unhealthy --drain-degraded --dry-run -o table
"""

helps['acr replication drain'] = """
type: command
short-summary: Take a replica out of global endpoint routing, with guardrails, and record why.
long-summary: |
    Turns the replica's global endpoint routing off (pulls through <registry>.azurecr.io stop going to it; its data keeps syncing) and records the drain on it as tags: acr-replication.drain-reason, acr-replication.drain-at (ISO 8601 UTC) and acr-replication.drain-by (the az login identity). Every other command respects the record: sync and create keep the replica's routing off, status shows it drained and for how long.

    Refuses (exit 1, one line) when fewer than --min-routed other replicas would stay routed, provisioned, Ready and healthy by a probe (--skip-probe: by ARM alone). After the write it reads every replica again: if another drain ran at the same time and the guardrail no longer holds, the later one gives way (routing on again, exit 1). Idempotent: a drained replica is left as it is.
examples:
  - name: Drain a replica that answers slowly, with the incident as the reason.
    text: az acr replication drain -r myregistry -n eastus2 --reason "INC-123 503s from eastus2"
  - name: Drain while keeping at least two other replicas routed, trusting ARM alone (no regional endpoints).
    text: az acr replication drain -r myregistry -n eastus2 --reason INC-123 --min-routed 2 --skip-probe
"""

helps['acr replication undrain'] = """
type: command
short-summary: Put a drained replica back into global endpoint routing once it is Ready and probes healthy.
long-summary: >
    Refuses (exit 1, one line) a replica that is not Succeeded and Ready or that does not probe healthy; --force
    skips both checks (said in the output). Turns its global endpoint routing on and removes the drain record.
    Idempotent: a replica that is not drained is left as it is. 'update --global-endpoint-routing true' also
    brings a drained replica back (and removes its record), without the checks.
examples:
  - name: Bring a replica back once it probes healthy.
    text: az acr replication undrain -r myregistry -n eastus2
  - name: Bring it back now, without the checks.
    text: az acr replication undrain -r myregistry -n eastus2 --force
"""
