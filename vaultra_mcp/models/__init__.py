"""SQLModel tables, by area. Importing this package registers every table on the metadata."""

from sqlmodel import SQLModel

from vaultra_mcp.models.agent import AgentConversation, AgentMessage
from vaultra_mcp.models.identity import (
    Business,
    IntegrationAccount,
    Membership,
    OAuthState,
    PersonalAccessToken,
    User,
    WebSession,
)
from vaultra_mcp.models.insights import MetricSnapshot, ReadinessScore, RecommendationRow
from vaultra_mcp.models.ops import JobRun, LoginFailure, NotificationDigest, RateCounter
from vaultra_mcp.models.payments import Charge, Dispute, Payout, Refund, StripeEvent
from vaultra_mcp.models.rollups import CustomerRollup, PaymentRollup

metadata = SQLModel.metadata

__all__ = [
    "AgentConversation",
    "AgentMessage",
    "Business",
    "Charge",
    "CustomerRollup",
    "Dispute",
    "IntegrationAccount",
    "JobRun",
    "LoginFailure",
    "Membership",
    "MetricSnapshot",
    "NotificationDigest",
    "OAuthState",
    "PaymentRollup",
    "Payout",
    "PersonalAccessToken",
    "RateCounter",
    "ReadinessScore",
    "RecommendationRow",
    "Refund",
    "StripeEvent",
    "User",
    "WebSession",
    "metadata",
]
