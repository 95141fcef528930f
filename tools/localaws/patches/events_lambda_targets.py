"""TODO"""
NAME = "events_lambda_targets"


def apply() -> None:
    pass
