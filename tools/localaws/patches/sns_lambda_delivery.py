"""TODO"""
NAME = "sns_lambda_delivery"


def apply() -> None:
    pass
