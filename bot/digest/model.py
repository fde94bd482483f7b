"""The platform-neutral shapes a digest travels in, shared by the core and the adapters.

The core composes a :class:`Digest`; each adapter renders it (Block Kit, embed) and
posts it through :class:`DigestPoster`. Digest commands typed in Slack or Discord are
parsed by the core from a :class:`CommandContext` into a :class:`CommandReply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.charts import Chart, make_chart
from bot.language import Lang
from knowledge.errors import AibotError
from knowledge.models import FactBase


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: who/what, the text, and where it comes from."""

    fact_id: str
    text: str
    source_line: str


@dataclass(frozen=True)
class DigestChart:
    """The chart that comes with the headline figures, drawn when the digest is posted (in a
    thread, cached), so composing stays pure and quick and a preview never draws."""

    base: FactBase = field(compare=False, repr=False)
    lang: Lang

    async def render(self) -> Chart | None:
        return await make_chart(self.base, self.lang)


@dataclass(frozen=True)
class Digest:
    """A composed digest in one language, in reading order."""

    lang: Lang
    title: str
    headline: list[DigestItem] = field(default_factory=list)  # headline figures, ranked
    new_facts: list[DigestItem] = field(default_factory=list)  # added since this channel's last digest
    fact_of_the_day: DigestItem | None = None
    chart: DigestChart | None = None  # set when the base has at least two amounts to compare
    #: the admins' report, last, when the subscription asks for it: items without a fact or source
    report: list[DigestItem] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[DigestItem]]]:
        """(heading key in bot.messages, items) for every non-empty section, in order; an item
        whose ``source_line`` is empty (the report's) is shown without one."""
        parts = [("digest_headline", self.headline), ("digest_new", self.new_facts)]
        if self.fact_of_the_day is not None:
            parts.append(("digest_fact_of_the_day", [self.fact_of_the_day]))
        parts.append(("digest_report", self.report))
        return [(key, items) for key, items in parts if items]


class PostError(AibotError):
    """A digest could not be posted; ``permanent`` errors (channel deleted) count toward disabling."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class DigestPoster(Protocol):
    """Implemented by each platform adapter that can post digests."""

    name: str

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        """Post, or raise PostError."""


@dataclass(frozen=True)
class CommandContext:
    """Who typed a digest command, and where, as plain ids."""

    platform: str
    workspace_id: str | None
    channel_id: str
    user_id: str
    is_admin: bool
    lang: Lang
    #: whose data the channel's digest report reads (bot.tenants); None: the workspace's. A
    #: Slack app installed org-wide passes its organisation's id here.
    tenant: str | None = None


@dataclass(frozen=True)
class CommandReply:
    """What to say back; ``digest`` is set for a preview, for the adapter to render."""

    text: str
    ok: bool = True
    digest: Digest | None = None
