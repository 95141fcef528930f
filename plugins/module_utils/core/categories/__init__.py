# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry of bucket configuration categories: clone and drift both iterate it.

Adding a category is one file with a Category subclass, and one line here.
"""

from __future__ import annotations

from .accelerate import Accelerate
from .access_points import AccessPoints
from .acl import Acl
from .analytics import Analytics
from .base import Category, RewriteContext, Unmapped
from .cors import Cors
from .encryption import Encryption
from .intelligent_tiering import IntelligentTiering
from .inventory import Inventory
from .lifecycle import Lifecycle
from .logging_config import Logging
from .metrics import Metrics
from .notification import Notification
from .object_lock import ObjectLock
from .ownership_controls import OwnershipControls
from .policy import Policy
from .public_access_block import PublicAccessBlock
from .request_payment import RequestPayment
from .tagging import Tagging
from .versioning import Versioning
from .website import Website

# Order matters where one setting constrains another: ownership before ACLs, versioning before
# object lock, public access block before a policy; access points after the bucket policy they may
# be delegated to.
REGISTRY: dict[str, Category] = {category.name: category for category in (
    OwnershipControls(), Acl(), PublicAccessBlock(), Policy(), Encryption(), Versioning(), ObjectLock(),
    Lifecycle(), Cors(), Website(), Logging(), Notification(), Tagging(), Accelerate(), RequestPayment(),
    Analytics(), Metrics(), Inventory(), IntelligentTiering(), AccessPoints(),
)}

__all__ = ["REGISTRY", "Category", "RewriteContext", "Unmapped"]
