"""The bot's lasting state (subscriptions, digest claims, shown facts, unanswered questions).

Imported only by what needs it, so ``aibot ask`` never pays for SQLAlchemy.
"""

from __future__ import annotations

from bot.store.database import (
    Claim,
    NewSubscription,
    Store,
    StoreError,
    StoreTimeout,
    StoreUnavailable,
    Subscription,
    UnansweredRow,
    database_url,
    open_store,
)

__all__ = ["Claim", "NewSubscription", "Store", "StoreError", "StoreTimeout", "StoreUnavailable", "Subscription",
           "UnansweredRow", "database_url", "open_store"]
