"""DeleteTrail deletes a trail named by its ARN, as CloudTrail does.

Upstream gap (moto 5.2.5, ``CloudTrailBackend.delete_trail``): only a trail name is looked up;
an ARN (what ``amazon.aws.cloudtrail`` sends) matches nothing, the call still succeeds, and the
trail stays. The CloudTrail API reference takes a name or an ARN and answers
TrailNotFoundException for a trail that does not exist; this patch resolves both through moto's
``get_trail``, which raises that error.
"""
from __future__ import annotations

NAME = "cloudtrail_delete_by_arn"


def apply() -> None:
    from moto.cloudtrail.models import CloudTrailBackend

    def delete_trail(self, name: str) -> None:
        trail = self.get_trail(name)
        del self.trails[trail.trail_name]

    CloudTrailBackend.delete_trail = delete_trail
