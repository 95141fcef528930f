# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue between AnsibleAWSModule and the core: clients, results, diff, errors."""

from __future__ import annotations

import os
import threading

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError
except ImportError:  # AnsibleAWSModule reports missing boto3/botocore
    boto3 = Config = None
    BotoCoreError = Exception

from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string, enable_placebo, get_aws_connection_info
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.categories import REGISTRY
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clients import ClientFactory, retry_config, session_credentials
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import DRError, describe_error, invalid_input_message
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.fleet import FleetOutcome, buckets_with_tags, run_fleet
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.replication import STORAGE_CLASSES
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.validation import selection_problems

# Options of doc fragment resilience.s3_dr.bucket_selection.
BUCKET_SELECTION_SPEC = dict(
    source_bucket=dict(type="str"),
    dest_bucket=dict(type="str"),
    sources=dict(type="list", elements="dict", aliases=["pairs"], options=dict(
        source_bucket=dict(type="str", required=True),
        dest_bucket=dict(type="str"),
    )),
    source_tags=dict(type="dict"),
    source_region=dict(type="str"),
    dest_region=dict(type="str", required=True),
    dest_suffix=dict(type="str", default="-dr"),
    concurrency=dict(type="int", default=16),
    allow_unknown_region=dict(type="bool", default=False),
)
BUCKET_SELECTION_RULES = dict(
    mutually_exclusive=[("source_bucket", "sources", "source_tags")],
    required_one_of=[("source_bucket", "sources", "source_tags")],
    required_by={"source_tags": "source_region", "dest_bucket": "source_bucket"},
)

CATEGORY_NAMES = list(REGISTRY)
# Options of doc fragment resilience.s3_dr.clone_options.
CLONE_OPTIONS_SPEC = dict(
    categories=dict(type="list", elements="str", choices=CATEGORY_NAMES),
    exclude_categories=dict(type="list", elements="str", choices=CATEGORY_NAMES, default=[]),
    kms_key_map=dict(type="dict", default={}, no_log=False),
    notification_target_map=dict(type="dict", default={}),
    bucket_map=dict(type="dict", default={}),
    policy_value_map=dict(type="dict", default={}),
    trigger_tag_key=dict(type="str", default="dr", no_log=False),
    on_unmapped=dict(type="str", choices=["skip", "fail"], default="skip"),
    secure_baseline=dict(type="bool", default=True),
    iac_owner_tags=dict(type="list", elements="str", default=[], no_log=False),
)


# The suboptions of a replication rule (s3_crr_enable's O(rules), s3_dr_mrap's O(rules)).
RULE_OPTIONS = dict(
    id=dict(type="str", required=True),
    priority=dict(type="int"),
    status=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
    prefix=dict(type="str"),
    tags=dict(type="dict"),
    delete_marker_replication=dict(type="bool"),
    storage_class=dict(type="str", choices=list(STORAGE_CLASSES)),
    sse_kms_encrypted_objects=dict(type="bool", default=False),
    replica_kms_key_id=dict(type="str"),
    replica_modifications=dict(type="bool", default=False),
    replication_time=dict(type="bool", default=False),
    metrics=dict(type="bool", default=False),
    dest_account=dict(type="str"),
    owner_override=dict(type="bool"),
)


def session_clients(module, config=None, per_thread: bool = False) -> ClientFactory:
    """Clients with the module's AWS connection parameters, for any Region the core asks for, all from ONE boto3 session.

    The parameters are resolved once, the way amazon.aws does (``get_aws_connection_info``: profile or keys,
    ``endpoint_url``, ``validate_certs``/``aws_ca_bundle``, ``aws_config``, which wins over ``config`` as in
    ``boto3_conn``). ``AnsibleAWSModule.client`` builds a new session, with its own loaded service models, for
    every client: about 12 MB each, where a client of a shared session costs about 0.3 MB. A session is not
    thread-safe, so clients are made under a lock; the clients themselves are.
    """
    _region, endpoint_url, connect = get_aws_connection_info(module)
    connect = dict(connect)
    profile = connect.pop("profile_name", None)
    client_config = Config(user_agent=_get_user_agent_string())
    for extra in (config, connect.pop("aws_config", None)):
        if extra is not None:
            client_config = client_config.merge(extra)
    try:
        session = boto3.session.Session(profile_name=profile)
    except (ValueError, BotoCoreError) as error:
        module.fail_json_aws(error, msg="Couldn't connect to AWS")
    return _session_factory(session, endpoint_url, client_config, connect, per_thread)


def _session_factory(session, endpoint_url, client_config, connect: dict, per_thread: bool) -> ClientFactory:
    enable_placebo(session)
    lock = threading.Lock()

    def make_client(service: str, region: str):
        with lock:
            return session.client(service, region_name=region, endpoint_url=endpoint_url, config=client_config,
                                  **connect)

    def with_credentials(credentials):  # another account's (an assumed role): same endpoint, TLS and retries
        return _session_factory(boto3.session.Session(), endpoint_url, client_config,
                                {**connect, **session_credentials(credentials)}, per_thread)

    return ClientFactory(make_client, per_thread=per_thread, with_credentials=with_credentials)


M_ARENA_MAX = -8  # glibc mallopt parameter


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas for a module that runs many threads; call it before the first thread starts.

    glibc gives threads their own malloc arenas (up to 8 per CPU), and a fleet's worker and read-ahead threads
    each leave one holding memory: 200 buckets peaked about 60 MB higher with the default than with 2 arenas
    (benchmarks/README.md). A MALLOC_ARENA_MAX the user set is left as it is; without glibc (musl, macOS)
    nothing is done.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass


def module_clients(module) -> ClientFactory:
    """Clients with the module's credentials, profile and endpoint, for any Region the core asks for, one per thread."""
    return session_clients(module, retry_config(), per_thread=True)


def selected_buckets(module, clients, discovery=None) -> dict[str, str | None]:
    """Source bucket -> its DR bucket name (None: derived from dest_suffix), for whichever selection was given.

    With a core ``Discovery``, what the tag selection learns (Regions, tags) is kept for the steps after it.
    """
    params = module.params
    if params["concurrency"] < 1:
        module.fail_json(msg="concurrency must be 1 or more")
    problems = selection_problems(params["source_bucket"], params["sources"], params["source_tags"],
                                  params["source_region"], params["dest_region"], params["allow_unknown_region"])
    if problems:
        module.fail_json(msg=invalid_input_message(problems))
    if params["source_bucket"]:
        return {params["source_bucket"]: params["dest_bucket"]}
    if params["sources"]:
        return {item["source_bucket"]: item["dest_bucket"] for item in params["sources"]}
    try:
        selected = buckets_with_tags(clients, params["source_region"], params["source_tags"], params["concurrency"],
                                     discovery)
    except Exception as error:  # pylint: disable=broad-exception-caught
        module.fail_json_aws(error, msg=f"Cannot list the buckets of {params['source_region']} tagged {params['source_tags']}")
    return dict.fromkeys(selected)


def fail_with(module, error: DRError, **extra) -> None:
    """Fail with the core's message (bucket, Region, what to do, steps already done)."""
    module.fail_json(msg=str(error), bucket=error.bucket, region=error.region, steps_done=error.done, **extra)


def fleet_return(module, outcomes: list[FleetOutcome]) -> None:
    """Exit with a result per bucket; fail at the end naming each failed bucket and why."""
    results = []
    for outcome in outcomes:
        if outcome.result is not None and outcome.result.failure:  # done but for some parts: failed, with its result
            results.append({**outcome.result.as_dict(), "failed": True, "msg": outcome.result.failure})
        elif outcome.result is not None:
            results.append({**outcome.result.as_dict(), "failed": False})
        else:
            results.append({"source_bucket": outcome.bucket, "failed": True, "changed": bool(outcome.done),
                            "msg": outcome.error, "steps_done": outcome.done or []})
    changed = any(item["changed"] for item in results)
    diff = {"before": {o.bucket: o.result.before for o in outcomes if o.result},
            "after": {o.bucket: o.result.after for o in outcomes if o.result}}
    # Warnings go through module.warn only: a "warnings" key in each result is deprecated by ansible-core 2.19.
    for outcome in outcomes:
        for warning in (outcome.result.warnings if outcome.result else []):
            module.warn(warning)
    failed = [(outcome.bucket, outcome.result.failure if outcome.result else outcome.error) for outcome in outcomes
              if outcome.result is None or outcome.result.failure]
    if failed:
        module.fail_json(
            msg=f"{len(failed)} of {len(outcomes)} buckets failed: "
                + "; ".join(f"{bucket}: {error}" for bucket, error in failed),
            changed=changed, results=results, failed_buckets=[bucket for bucket, _error in failed], diff=diff)
    module.exit_json(changed=changed, results=results, failed_buckets=[], diff=diff)


def exit_single_or_fleet(module, selection: dict[str, str | None], work) -> None:
    """Run ``work(bucket) -> Result`` for the one source bucket, or for the fleet; exit the module."""
    bucket = module.params["source_bucket"]
    if bucket:
        try:
            result = work(bucket)
        except DRError as error:
            fail_with(module, error)
        except Exception as error:  # an AWS error the core did not foresee: still name the bucket, no traceback
            fail_with(module, DRError(f"Bucket {bucket}: {describe_error(error)}.", bucket=bucket, cause=error))
        for warning in result.warnings:
            module.warn(warning)
        if result.failure:  # the rest was done: fail at the end, with the full result
            module.fail_json(msg=result.failure, **result.as_dict(), diff={"before": result.before, "after": result.after})
        module.exit_json(**result.as_dict(), diff={"before": result.before, "after": result.after})
    fleet_return(module, run_fleet(selection, work, module.params["concurrency"]))
