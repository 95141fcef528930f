"""DescribeTrails answers only the trails named in ``trailNameList``, as CloudTrail does.

Upstream gap (moto 5.2.5, ``CloudTrailResponse.describe_trails``): the ``trailNameList`` parameter
is ignored and every trail of the Region (and the shadow trails of multi-Region trails) comes
back. ``amazon.aws.cloudtrail`` asks for one trail by name and takes the first of the list, so it
mistakes another trail for its own (and, with state absent, deletes that one). The CloudTrail API
reference filters on trail names or ARNs; this patch does the same after moto's own listing.
"""
from __future__ import annotations

import json

NAME = "cloudtrail_trail_name_list"


def apply() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse

    def describe_trails(self) -> str:
        include_shadow_trails = self._get_bool_param("includeShadowTrails", True)
        names = self._get_param("trailNameList") or []
        trails = self.cloudtrail_backend.describe_trails(include_shadow_trails)
        if names:
            trails = [trail for trail in trails if trail.trail_name in names or trail.arn in names]
        return json.dumps({"trailList": [trail.description(include_region=True) for trail in trails]})

    CloudTrailResponse.describe_trails = describe_trails
