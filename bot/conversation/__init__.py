"""Conversations: one service that every adapter hands its messages to (see :mod:`.service`)."""

from __future__ import annotations

from bot.conversation.context import ConversationMemory, Topic
from bot.conversation.replies import About, ChartImage, ChartMaker, FactLine, FactList, Reply, ReplyKind
from bot.conversation.service import ConversationService, Message, package_version

__all__ = [
    "About", "ChartImage", "ChartMaker", "ConversationMemory", "ConversationService", "FactLine", "FactList",
    "Message", "Reply", "ReplyKind", "Topic", "package_version",
]
