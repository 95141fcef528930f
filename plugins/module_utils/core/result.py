# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a core function did: changed or not, normalized before/after, the writes it made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    changed: bool = False
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    # One line per write made (or, in check mode, that would be made), in order.
    actions: list[str] = field(default_factory=list)
    # Values the front door returns to its caller (bucket names, Regions, ARNs, ...).
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What failed while the rest was done, in a user's words: the front door fails at the end with it.
    failure: str | None = None

    def record(self, action: str) -> None:
        self.changed = True
        self.actions.append(action)

    def write(self, action: str, call, check_mode: bool) -> None:
        """Make one write (not in check mode) and record it once it succeeded, so that the steps an
        error reports as done are only those that happened."""
        if not check_mode:
            call()
        self.record(action)

    def done(self, check_mode: bool) -> list[str]:
        """The steps an error reports as already carried out: none in check mode, which writes nothing."""
        return [] if check_mode else list(self.actions)

    def as_dict(self) -> dict[str, Any]:
        return {**self.data, "changed": self.changed, "actions": list(self.actions)}
