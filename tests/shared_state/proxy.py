"""A TCP proxy on 127.0.0.1 in front of Redis that a test can cut, stall and restore.

``cut()`` closes the listening socket and every connection through it (Redis gone: a refused
connection); ``stall()`` keeps connections open but passes nothing (Redis too slow: only a
timeout notices); ``restore()`` listens again on the same port and lets bytes flow.
"""

from __future__ import annotations

import asyncio
import contextlib


class RedisProxy:
    def __init__(self, upstream_port: int = 6379, *, host: str = "127.0.0.1") -> None:
        self.host = host
        self.upstream_port = upstream_port
        self.port = 0
        self.connections = 0  # accepted so far: a reconnection shows as a new one
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._sessions: set[asyncio.Task[object]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def stall(self) -> None:
        """Keep every connection open, pass nothing either way."""
        self._flowing.clear()

    async def restore(self) -> None:
        self._flowing.set()
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        self._flowing.set()
        await self.cut()
        for session in list(self._sessions):
            session.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        session = asyncio.current_task()
        if session is not None:
            self._sessions.add(session)
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            await self._flowing.wait()
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, self.upstream_port)
            self._writers.add(upstream_writer)
            await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # closed: asyncio 3.11 would report a cancelled handler as an error
            pass
        finally:
            self._sessions.discard(session)  # type: ignore[arg-type]
            for end in (writer, upstream_writer):
                if end is not None:
                    self._writers.discard(end)
                    end.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
