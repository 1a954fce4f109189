"""One business's payments by kind: the shape every step of ingest passes along."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PaymentSet:
    """Charges, refunds, disputes and payouts: the Stripe objects a history holds, or the rows
    they map to. One shape for both, because generating, fetching, mapping and inserting always
    move the four kinds together."""

    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.charges) + len(self.refunds) + len(self.disputes) + len(self.payouts)
