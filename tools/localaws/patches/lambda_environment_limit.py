"""Lambda refuses environment variables larger than 4 KB together.

Upstream gap (moto 5.2.5, ``LambdaBackend.create_function`` and ``LambdaFunction.update_configuration``):
any size of ``Environment.Variables`` is accepted. AWS caps all of a function's environment variables
together at 4 KB, not adjustable (Lambda quotas, "Environment variables":
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and CreateFunction and
UpdateFunctionConfiguration answer 400 InvalidParameterValueException "Lambda was unable to configure
your environment variables because the environment variables you have provided exceeded the 4KB
limit. String measured: <the variables as compact JSON>". The measured string is the variables as a
JSON object without spaces, in UTF-8 bytes; this patch measures the same and refuses before anything
is stored, so a refused update leaves the function as it was.
"""
from __future__ import annotations

import json

NAME = "lambda_environment_limit"
MAX_ENVIRONMENT_BYTES = 4 * 1024


def measured(variables: dict) -> str:
    """The string Lambda measures (and quotes in its error): the variables as compact JSON."""
    return json.dumps(variables, separators=(",", ":"), ensure_ascii=False)


def apply() -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    def check(environment) -> None:
        variables = (environment or {}).get("Variables") or {}
        text = measured(variables)
        if len(text.encode()) > MAX_ENVIRONMENT_BYTES:
            raise InvalidParameterValueException(
                "Lambda was unable to configure your environment variables because the environment variables you "
                f"have provided exceeded the 4KB limit. String measured: {text}")

    original_create = LambdaBackend.create_function
    original_update = LambdaFunction.update_configuration

    def create_function(self, spec):
        check(spec.get("Environment"))
        return original_create(self, spec)

    def update_configuration(self, config_updates):
        if "Environment" in config_updates:
            check(config_updates["Environment"])
        return original_update(self, config_updates)

    LambdaBackend.create_function = create_function
    LambdaFunction.update_configuration = update_configuration
