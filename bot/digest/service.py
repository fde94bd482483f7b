"""The platform-neutral digest commands: what ``/aibot digest ...`` and ``/digest ...`` do.

Adapters turn a platform event into a :class:`CommandContext` plus the words after
``digest`` and render the :class:`CommandReply` they get back; everything else (parsing
the schedule, checking who may change it, the store) happens here, once for every platform.

Accepted forms (``args`` is the command split on whitespace; a quoted cron expression may
arrive as one item or as five):

- ``daily 09:00 [ZONE] [en|fr]``
- ``weekly mon 08:30 [ZONE] [en|fr]``
- ``cron "0 9 * * 1-5" [ZONE] [en|fr]``
- ``show``, ``off``, ``preview``, ``help``
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.digest.model import CommandContext, CommandReply, Digest
from bot.language import Lang

if TYPE_CHECKING:
    pass

_log = logging.getLogger(__name__)


class DigestService:
    """Subscriptions and previews for every platform; built once in ``open_services``."""

    async def handle_command(self, ctx: CommandContext, args: list[str]) -> CommandReply:
        """Run one digest command typed in ``ctx.channel_id``; never raises for bad input."""
        raise NotImplementedError  # interface published early for the adapters; implementation follows

    async def preview(self, lang: Lang) -> Digest:
        """The digest as it would be posted now, without posting or using up the fact of the day."""
        raise NotImplementedError  # interface published early for the adapters; implementation follows
