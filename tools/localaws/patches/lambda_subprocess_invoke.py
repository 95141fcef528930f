"""TODO"""
NAME = "lambda_subprocess_invoke"


def apply() -> None:
    pass
