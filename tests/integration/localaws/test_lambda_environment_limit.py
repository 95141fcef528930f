"""lambda_environment_limit: CreateFunction and UpdateFunctionConfiguration refuse more than 4 KB of
environment variables, with Lambda's error; the gap is real without the patch."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.integration.localaws.test_lambda_patches import _clients_of, _function

HANDLER = "def handler(event, context):\n    return 'ran'\n"
LIMIT = 4 * 1024


def variables_of_size(size: int) -> dict[str, str]:
    """Variables whose compact JSON ({"BIG":"..."}) is exactly ``size`` bytes."""
    return {"BIG": "x" * (size - len('{"BIG":""}'))}


def test_create_refuses_more_than_4_kb_and_accepts_exactly_4_kb(localaws):
    clients = _clients_of(localaws)
    too_big = variables_of_size(LIMIT + 1)
    with pytest.raises(ClientError) as refused:
        _function(clients, HANDLER, Environment={"Variables": too_big})
    error = refused.value.response["Error"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        "Lambda was unable to configure your environment variables because the environment variables you have "
        "provided exceeded the 4KB limit. String measured: " + json.dumps(too_big, separators=(",", ":")))

    at_limit = _function(clients, HANDLER, Environment={"Variables": variables_of_size(LIMIT)})
    assert clients("lambda").get_function_configuration(FunctionName=at_limit)["Environment"]["Variables"] == \
        variables_of_size(LIMIT)


def test_a_refused_update_leaves_the_function_as_it_was(localaws):
    clients = _clients_of(localaws)
    function_arn = _function(clients, HANDLER, Environment={"Variables": {"KEPT": "yes"}}, Timeout=7)
    names = {f"KEY_{index:03}": "v" * 40 for index in range(100)}  # many small variables add up too
    with pytest.raises(ClientError, match="exceeded the 4KB limit"):
        clients("lambda").update_function_configuration(FunctionName=function_arn, Timeout=9,
                                                        Environment={"Variables": names})
    configuration = clients("lambda").get_function_configuration(FunctionName=function_arn)
    assert configuration["Environment"]["Variables"] == {"KEPT": "yes"} and configuration["Timeout"] == 7


def test_without_patch_any_size_is_accepted(localaws_without):
    clients = _clients_of(localaws_without("lambda_environment_limit"))
    function_arn = _function(clients, HANDLER, Environment={"Variables": variables_of_size(3 * LIMIT)})
    assert len(clients("lambda").get_function_configuration(FunctionName=function_arn)
               ["Environment"]["Variables"]["BIG"]) > 2 * LIMIT
