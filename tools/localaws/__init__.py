"""The embedded local AWS endpoint: moto in server mode plus fidelity patches.

Only tests, the demo and developers use this package; nothing under plugins/ or roles/ imports it.
Product code reaches it through the standard ``AWS_ENDPOINT_URL`` setting.
"""
from .launcher import LocalAWS, endpoint_environment

__all__ = ["LocalAWS", "endpoint_environment"]
