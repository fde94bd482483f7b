"""Tenants: whose data a stored row is, so one community's admins never read another's.

Every row that comes from people (unanswered questions, votes, question counts, digest
subscriptions) carries its tenant, a plain id the adapters set on each message:

- a Slack workspace's team id (``T0123ABCD``), or its Enterprise Grid organisation's id
  (``E0123ABCD``) when the app is installed org-wide, as bolt reads them from the payload;
- a Discord server's guild id (``123456789012345678``); a DM has no server: ``discord-dm``;
- ``console`` for the terminal (``aibot chat``, ``aibot ask``).

Admin views on a platform (a digest's report and its preview) read one tenant only: the
tenant of the channel's subscription. The command line reads every tenant, or one with
``--tenant ID``. Rows stored before tenants existed were moved to ``legacy`` (migration 0006).
"""

from __future__ import annotations

#: The terminal: ``aibot chat`` and ``aibot ask`` (and anything that says no tenant).
CONSOLE = "console"
#: Where migration 0006 put the rows stored before they carried a tenant (they cannot be told apart).
LEGACY = "legacy"
#: The widest tenant id the store keeps (Slack and Discord ids are 9 to 20 characters).
MAX_TENANT = 64


def tenant_or_console(tenant: str | None) -> str:
    """The tenant a row is stored under: the given one, cut to the column's width, or the console's."""
    return tenant[:MAX_TENANT] if tenant else CONSOLE
