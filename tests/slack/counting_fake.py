"""A fake Slack that also counts the TCP connections its Web API accepted.

Each connection is told apart by the client's address and port, which the kernel does not
hand out again while the connection (or its TIME_WAIT) lasts, so a run of a few thousand
calls counts each connection once.
"""

from __future__ import annotations

from aiohttp import web

from tests.slack.fake_slack import FakeSlack


class CountingFakeSlack(FakeSlack):
    """:class:`FakeSlack` plus :attr:`connections`, the distinct client connections to ``/api/``."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.peers: set[tuple[str, int]] = set()

    @property
    def connections(self) -> int:
        return len(self.peers)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport is not None else None
        if peer is not None:
            self.peers.add((str(peer[0]), int(peer[1])))
        return await super()._api(request)
