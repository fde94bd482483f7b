#!/usr/bin/env python3
"""Soak and chaos test of a real ``aibot run slack --http`` on 127.0.0.1 (issue 14, items 2 to 6).

Everything stays on loopback: the fake Slack Web API of the test suite
(tests/slack/fake_slack.py), the bot as a separate process, and a proxy
(tests/robust/netfault.py) between the bot and the local PostgreSQL, in a database of
its own that is dropped at the end. Bounded: a fixed number of requests per phase and a
deadline for the whole run (``--deadline``), after which it stops by itself.

Phases, each printing its figures:

1. malformed and unsigned requests (bad JSON, ``null``, a list, ``payload=notjson``, a
   non-numeric timestamp, 1 MB unsigned bodies): HTTP statuses, and log bytes per refusal;
2. signed mentions paced at 50 a second (below what the bot answers): ack p50/p99; then
   ``--users`` distinct users at concurrency 50 (as fast as acks come back, so it saturates
   the machine): ack p50/p99, replies per event, RSS before and after, and how many events
   were checked on the replica's own memory only;
3. a retry of the first event after all the others (at least 6,000): replies to it;
4. the database stalled (the proxy holds every byte): reply time to an unanswerable
   question, then SIGTERM and the time until the process has exited;
5. (issue 22, item 3; run before phase 4) ``--slow-clients`` connections that each declare a
   large Content-Length, send one byte and hold, reconnecting as soon as the bot drops them,
   for ``--slow-seconds``, while signed mentions go through at a steady rate: how long a slow
   client is held, the bot's peak RSS, its log bytes per dropped client, and every mention
   acknowledged and answered once. ``--only-slow`` runs this phase alone.

    python benchmarks/soak.py [--users 20000] [--deadline 900]
    python benchmarks/soak.py --only-slow --sqlite [--slow-clients 3000 --slow-seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import multiprocessing
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.robust.netfault import FaultyProxy  # noqa: E402
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention  # noqa: E402

PG_DSN = os.environ.get("AIBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
QUESTIONS = ["What is Microsoft's data center budget?", "How much is Meta investing in AI in 2025?",
             "What is Stargate?", "Combien Microsoft va-t-il dépenser cette année ?", "Who runs Microsoft?"]
UNANSWERABLE = "Who won the 1998 football world cup?"
METRICS_TOKEN = "soak-metrics-token"  # /metrics on the public port asks for it


def signed_headers(body: bytes, *, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _run_proxy(ports: multiprocessing.Queue[int], stall: EventType, stalled: EventType) -> None:
    """The proxy in a process of its own, so the load this script makes does not slow the database path."""

    async def serve() -> None:
        proxy = await FaultyProxy().start()
        ports.put(proxy.port)
        await asyncio.get_running_loop().run_in_executor(None, stall.wait)
        proxy.stall()
        stalled.set()
        await asyncio.Event().wait()

    asyncio.run(serve())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Soak:
    def __init__(self, users: int, log_path: Path, *, shared: bool = True, traced: Path | None = None) -> None:
        self.users = users
        self.traced = traced
        self.paced_events = 500
        self.paced_rate = 50.0
        self.shared = shared
        self.log_path = log_path
        self.port = free_port()
        self.fake: FakeSlack | None = None
        self.proxy: multiprocessing.Process | None = None
        self.stall = multiprocessing.Event()
        self.proxy_stalled = multiprocessing.Event()
        self.proxy_port = 0
        self.process: asyncio.subprocess.Process | None = None
        self.database = f"aibot_soak_{os.getpid()}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def post(self, http: aiohttp.ClientSession, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        started = time.perf_counter()
        async with http.post(self.url, data=body, headers=headers) as response:
            await response.read()
            return response.status, time.perf_counter() - started

    async def start(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(PG_DSN, timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await admin.close()
        self.fake = await FakeSlack().start()
        ports: multiprocessing.Queue[int] = multiprocessing.Queue()
        self.proxy = multiprocessing.Process(target=_run_proxy, args=(ports, self.stall, self.proxy_stalled),
                                             daemon=True)
        self.proxy.start()
        self.proxy_port = await asyncio.get_running_loop().run_in_executor(None, ports.get, True, 30)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DATABASE_"))}
        env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": self.fake.api_url, "AIBOT_DATABASE_TIMEOUT": "2", "AIBOT_LOG_LEVEL": "INFO",
                "AIBOT_DATA_DIR": str(self.log_path.parent / "data"), "AIBOT_METRICS_TOKEN": METRICS_TOKEN}
        if self.shared:
            env["DATABASE_URL"] = f"postgresql+asyncpg://postgres@127.0.0.1:{self.proxy_port}/{self.database}"
        self.log = self.log_path.open("wb")
        runner = ["-m", "bot"] if self.traced is None else [str(ROOT / "benchmarks" / "traced_bot.py"),
                                                            str(self.traced)]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, *runner, "run", "slack", "--http", "--port", str(self.port), env=env,
            stdout=self.log, stderr=self.log)
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                if self.process.returncode is not None:
                    raise SystemExit(f"aibot run exited with {self.process.returncode}; see {self.log_path}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise SystemExit("aibot run did not start within 60 s")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self.proxy is not None:
            self.proxy.terminate()
            self.proxy.join(5)
        if self.fake is not None:
            await self.fake.stop()
        self.log.close()
        import asyncpg

        with contextlib.suppress(Exception):
            admin = await asyncpg.connect(PG_DSN, timeout=5)
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            await admin.close()

    async def sentinel(self, http: aiohttp.ClientSession, channel: str) -> None:
        """A genuine question, answered: everything sent before it has been handled and logged."""
        assert self.fake is not None
        before = len(self.fake.posts())
        body = json.dumps(event_callback(mention("What is Stargate?", channel=channel, user="USENTINEL"))).encode()
        await self.post(http, body, {"Content-Type": "application/json", **signed_headers(body)})
        await self.fake.wait_until(lambda: len(self.fake.posts()) > before, within=30)  # type: ignore[union-attr]

    async def malformed(self, http: aiohttp.ClientSession) -> None:
        cases: list[tuple[str, bytes, dict[str, str]]] = []
        form = "application/x-www-form-urlencoded"
        for body, kind in ((b"{not json", "application/json"), (b"null", "application/json"),
                           (b"[1, 2, 3]", "application/json"), (b"payload=notjson", form)):
            for _ in range(50):
                cases.append(("unsigned", body, {"Content-Type": kind}))
                cases.append(("signed", body, {"Content-Type": kind, **signed_headers(body)}))
        for _ in range(50):
            body = b'{"type": "event_callback"}'
            cases.append(("bad timestamp", body, {"Content-Type": "application/json",
                                                  **signed_headers(body, timestamp="soon")}))
            cases.append(("1 MB unsigned", b"x" * 1_000_000, {"Content-Type": "application/json"}))
        await self.sentinel(http, "C0BEFORE")
        size_before = self.log_path.stat().st_size
        statuses: Counter[str] = Counter()
        for label, body, headers in cases:
            status, _ = await self.post(http, body, headers)
            statuses[f"{label}: {status}"] += 1
        await self.sentinel(http, "C0AFTER")
        logged = self.log_path.stat().st_size - size_before
        print("1. malformed requests")
        for key, count in sorted(statuses.items()):
            print(f"   {key:24s} x{count}")
        print(f"   5xx answers: {sum(c for k, c in statuses.items() if k.endswith((': 500', ': 502', ': 503')))}")
        print(f"   log: {logged} bytes for {len(cases)} refused requests = {logged / len(cases):.0f} bytes each")

    async def traffic(self, http: aiohttp.ClientSession) -> None:
        assert self.fake is not None and self.process is not None
        first = event_callback(mention(QUESTIONS[0], channel="C0FIRST", user="UFIRST"))
        first_body = json.dumps(first).encode()
        await self.post(http, first_body, {"Content-Type": "application/json", **signed_headers(first_body)})
        await self.fake.wait_until(lambda: any(p["channel"] == "C0FIRST" for p in self.fake.posts()), within=30)
        await self.paced(http)
        rss_before = rss_mb(self.process.pid)
        commits_before = await self.commits()
        cpu_before = cpu_seconds(self.process.pid)
        await self.snapshot(1)
        acks: list[float] = []
        statuses: Counter[int] = Counter()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(self.users):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                event = mention(QUESTIONS[n % len(QUESTIONS)], channel=f"C{n % 50:04d}", user=f"U{n:07d}",
                                ts=f"{1_700_000_000 + n}.000100")
                body = json.dumps(event_callback(event, event_id=f"EvSOAK{n:08d}")).encode()
                status, took = await self.post(http, body, {"Content-Type": "application/json",
                                                            **signed_headers(body)})
                statuses[status] += 1
                acks.append(took)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(50)))
        expected = self.users + self.paced_events + 3  # the paced ones, the first event and the two sentinels
        await self.fake.wait_until(lambda: len(self.fake.posts()) >= expected, within=600)  # type: ignore[union-attr]
        elapsed = time.perf_counter() - started
        rss_after = rss_mb(self.process.pid)
        cpu = cpu_seconds(self.process.pid) - cpu_before
        await asyncio.sleep(1.5)  # the server publishes its counts within a second or so
        commits = await self.commits() - commits_before
        await self.snapshot(2)
        unshared = await self.metric("aibot_events_unshared_total")
        per_event = Counter((p["channel"], p.get("thread_ts")) for p in self.fake.posts())
        print(f"2b. {self.users} signed mentions from {self.users} distinct users, concurrency 50, {elapsed:.0f} s "
              f"({self.users / elapsed:.0f} events/s; the bot used {cpu:.0f} s of CPU, "
              f"{cpu / self.users * 1000:.1f} ms an event)")
        print(f"   statuses: {dict(statuses)}")
        print(f"   ack p50 {statistics.median(acks) * 1000:.0f} ms, p99 {percentile(acks, 0.99) * 1000:.0f} ms")
        print(f"   replies per event: {dict(Counter(per_event.values()))} (replies: count of events)")
        print(f"   RSS {rss_before:.1f} MB before, {rss_after:.1f} MB after: growth {rss_after - rss_before:.1f} MB")
        if self.shared:
            print(f"   events checked on this replica only (shared memory too slow or down): {unshared:.0f}")
            print(f"   database transactions: {commits} ({commits / self.users:.2f} per event)")
        if self.traced is not None:
            from benchmarks.traced_bot import compare

            compare(self.traced / "snapshot-1.pickle", self.traced / "snapshot-2.pickle")

        # 3. the first event again, as Slack's retry, after all the others
        await self.post(http, first_body, {"Content-Type": "application/json", "X-Slack-Retry-Num": "1",
                                           "X-Slack-Retry-Reason": "http_timeout", **signed_headers(first_body)})
        await self.sentinel(http, "C0RETRY")
        replies = sum(1 for p in self.fake.posts() if p["channel"] == "C0FIRST")
        print(f"3. retry of the first event after {self.users} others: {replies} reply in all")

    async def paced(self, http: aiohttp.ClientSession) -> None:
        """Acks at a steady rate below what the bot answers (Slack sends as events happen, it does
        not wait for acks): what an ack costs when the machine is not saturated."""
        assert self.fake is not None
        acks: list[float] = []

        async def one(n: int) -> None:
            event = mention(QUESTIONS[n % len(QUESTIONS)], channel="C0PACED", user=f"UPACED{n:05d}",
                            ts=f"1600000000.{n:06d}")
            body = json.dumps(event_callback(event, event_id=f"EvPACED{n:06d}")).encode()
            status, took = await self.post(http, body, {"Content-Type": "application/json", **signed_headers(body)})
            acks.append(took if status == 200 else float("inf"))

        started = time.perf_counter()
        tasks = []
        for n in range(self.paced_events):
            await asyncio.sleep(max(0.0, started + n / self.paced_rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        await self.fake.wait_until(lambda: sum(p["channel"] == "C0PACED" for p in self.fake.posts())
                                   >= self.paced_events, within=60)  # type: ignore[union-attr]
        print(f"2a. {self.paced_events} mentions paced at {self.paced_rate:.0f}/s: ack p50 "
              f"{statistics.median(acks) * 1000:.1f} ms, p99 {percentile(acks, 0.99) * 1000:.1f} ms")

    async def snapshot(self, number: int) -> None:
        """Under ``--tracemalloc``, the bot's memory written to a file (benchmarks/traced_bot.py)."""
        if self.traced is None or self.process is None:
            return
        self.process.send_signal(signal.SIGUSR1)
        done = self.traced / f"snapshot-{number}.done"
        for _ in range(1200):
            if done.exists():
                return
            await asyncio.sleep(0.1)
        raise SystemExit("the traced bot wrote no snapshot within 120 s")

    async def commits(self) -> int:
        """Transactions committed in the soak's database so far (every autocommitted statement is one)."""
        if not self.shared:
            return 0
        import asyncpg

        admin = await asyncpg.connect(PG_DSN, timeout=5)
        try:
            found = await admin.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = $1", self.database)
        finally:
            await admin.close()
        return int(found or 0)

    async def metric(self, name: str) -> float:
        """A metric from the bot's /metrics, summed over its labels (0 when absent)."""
        url, bearer = f"http://127.0.0.1:{self.port}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"}
        async with aiohttp.ClientSession() as http, http.get(url, headers=bearer) as response:
            text = await response.text()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith((name + " ", name + "{")))

    async def stalled(self, http: aiohttp.ClientSession) -> None:
        assert self.fake is not None and self.process is not None
        self.stall.set()
        await asyncio.get_running_loop().run_in_executor(None, self.proxy_stalled.wait, 10)
        body = json.dumps(event_callback(mention(UNANSWERABLE, channel="C0STALLED", user="USTALL"))).encode()
        started = time.perf_counter()
        await self.post(http, body, {"Content-Type": "application/json", **signed_headers(body)})
        await self.fake.wait_until(lambda: any(p["channel"] == "C0STALLED" for p in self.fake.posts()), within=60)
        reply = time.perf_counter() - started
        stopping = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
            exit_time = f"{time.perf_counter() - stopping:.1f} s (exit status {self.process.returncode})"
        except TimeoutError:
            exit_time = "not within 30 s"
        print("4. database stalled (every byte held by the proxy)")
        print(f"   reply to an unanswerable question: {reply:.2f} s")
        print(f"   SIGTERM to exit: {exit_time}")


#: What a slow client declares: under the 1 MiB limit (adapters.slack.guard.MAX_BODY), so the
#: bot must wait for the body timeout rather than refuse it at once from the header.
SLOW_DECLARED = 900_000


class SlowClients:
    """Connections that declare a large body, send one byte and hold until the bot closes them."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.held: list[float] = []  # seconds from the byte sent to the bot closing the connection
        self.answers: Counter[str] = Counter()  # the status line the bot sent before closing, if any
        self.refused = 0  # connections the bot's host did not accept (listen backlog full, and so on)
        self.open = 0
        self.peak_open = 0
        self.left = 0  # still held when the soak stopped, and closed by the client
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await asyncio.gather(*(self._one(n) for n in range(self.count)))

    async def _one(self, n: int) -> None:
        await asyncio.sleep(n / 1000)  # 1,000 new connections a second, so the listen backlog keeps up
        head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {SLOW_DECLARED}\r\n\r\n{{").encode()
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)
            except (OSError, TimeoutError):
                self.refused += 1
                await asyncio.sleep(0.5)
                continue
            self.open += 1
            self.peak_open = max(self.peak_open, self.open)
            try:
                writer.write(head)
                await writer.drain()
                sent = time.perf_counter()
                reading = asyncio.ensure_future(reader.read())
                stopping = asyncio.ensure_future(self._stop.wait())
                await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not reading.done():  # the soak ends: this one goes away, as a client does
                    reading.cancel()
                    self.left += 1
                    break
                reply = reading.result()
                self.held.append(time.perf_counter() - sent)
                self.answers[reply.split(b"\r\n", 1)[0].decode("latin-1") or "(closed, no answer)"] += 1
            except (OSError, asyncio.IncompleteReadError):
                self.answers["(reset)"] += 1
            finally:
                self.open -= 1
                writer.close()


def _run_slow_clients(port: int, count: int, opened: EventType, stop: EventType,
                      results: multiprocessing.Queue[dict[str, object]]) -> None:
    """The slow clients in a process of their own, so their load does not slow this one's timings."""

    async def attack() -> None:
        clients = SlowClients(port, count)
        running = asyncio.create_task(clients.run())
        deadline = time.monotonic() + count / 1000 + 10
        while clients.peak_open < count and time.monotonic() < deadline:  # noqa: ASYNC110 - a count, polled
            await asyncio.sleep(0.1)
        opened.set()
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        peak_open = clients.peak_open
        clients.stop()
        await running
        results.put({"held": clients.held, "answers": dict(clients.answers), "refused": clients.refused,
                     "left": clients.left, "peak_open": peak_open, "cpu": cpu_seconds(os.getpid())})

    asyncio.run(attack())


async def slow_phase(soak: Soak, http: aiohttp.ClientSession, count: int, seconds: float) -> None:
    """Phase 5: slow clients held against the real server while signed mentions go through."""
    assert soak.fake is not None and soak.process is not None
    pid = soak.process.pid
    await soak.sentinel(http, "C0SLOWBEFORE")
    rss_before = rss_mb(pid)
    cpu_before = cpu_seconds(pid)
    log_before = soak.log_path.stat().st_size
    posts_before = len(soak.fake.posts())
    opened, stop = multiprocessing.Event(), multiprocessing.Event()
    results: multiprocessing.Queue[dict[str, object]] = multiprocessing.Queue()
    attacker = multiprocessing.Process(target=_run_slow_clients, args=(soak.port, count, opened, stop, results),
                                       daemon=True)
    attacker.start()
    loop = asyncio.get_running_loop()
    peak = [rss_before]
    sampling = True

    async def sample() -> None:
        while sampling:
            peak[0] = max(peak[0], rss_mb(pid))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    dropped_before = await soak.metric("aibot_http_clients_dropped_total")
    acks: list[float] = []
    statuses: Counter[int] = Counter()
    rate = 20.0
    mentions = int(seconds * rate)

    async def one(n: int) -> None:
        event = mention(QUESTIONS[n % len(QUESTIONS)], channel="C0SLOW", user=f"USLOW{n:05d}",
                        ts=f"1650000000.{n:06d}")
        body = json.dumps(event_callback(event, event_id=f"EvSLOW{n:06d}")).encode()
        try:
            status, took = await soak.post(http, body, {"Content-Type": "application/json", **signed_headers(body)})
        except aiohttp.ClientError:
            status, took = 0, float("inf")
        statuses[status] += 1
        acks.append(took)

    await loop.run_in_executor(None, opened.wait, 60)  # every slow client holds a connection
    started = time.perf_counter()
    tasks = []
    for n in range(mentions):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    with contextlib.suppress(AssertionError):  # a missing reply is reported below
        await soak.fake.wait_until(lambda: sum(p["channel"] == "C0SLOW" for p in soak.fake.posts())  # type: ignore[union-attr]
                                   >= mentions, within=60)
    cpu = cpu_seconds(pid) - cpu_before
    stop.set()
    summary = await loop.run_in_executor(None, results.get, True, 60)
    attacker.join(10)
    await asyncio.sleep(1.0)  # the last disconnects are logged
    await soak.sentinel(http, "C0SLOWAFTER")
    sampling = False
    await sampler
    rss_after = rss_mb(pid)
    dropped = await soak.metric("aibot_http_clients_dropped_total") - dropped_before
    log_bytes = soak.log_path.stat().st_size - log_before
    log_text = soak.log_path.read_bytes()[log_before:].decode("utf-8", "replace")
    drop_lines = [line for line in log_text.splitlines() if "dropped a client" in line or "went away" in line]
    summaries = [line for line in log_text.splitlines() if "not logged one by one" in line]
    longest = max((len(line) for line in drop_lines), default=0)
    tracebacks = log_text.count("Traceback")
    replies = Counter(p.get("thread_ts") for p in soak.fake.posts()[posts_before:] if p["channel"] == "C0SLOW")
    dropped_held: list[float] = summary["held"]  # type: ignore[assignment]
    held = dropped_held or [float("nan")]
    print(f"5. {count} slow clients (Content-Length {SLOW_DECLARED}, one byte sent, held; reconnecting when "
          f"dropped) for {seconds:.0f} s, with {mentions} signed mentions at {rate:.0f}/s")
    print(f"   slow connections: {len(dropped_held)} dropped by the bot, then {summary['left']} went away as the soak "
          f"stopped; at most {summary['peak_open']} open at once, {summary['refused']} connects refused; "
          f"answers {summary['answers']}")
    print(f"   held p50 {statistics.median(held):.2f} s, max {max(held):.2f} s")
    print(f"   mentions: statuses {dict(statuses)}, ack p50 {statistics.median(acks) * 1000:.0f} ms, "
          f"p99 {percentile(acks, 0.99) * 1000:.0f} ms; answered {len(replies)} of {mentions}, "
          f"replies per event {dict(Counter(replies.values()))}")
    print(f"   RSS {rss_before:.1f} MB before, peak {peak[0]:.1f} MB (+{peak[0] - rss_before:.1f}), "
          f"{rss_after:.1f} MB after; CPU used: the bot {cpu:.1f} s, the slow clients {summary['cpu']:.1f} s "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    drop_bytes = sum(len(line) + 1 for line in drop_lines + summaries)
    print(f"   log: {drop_bytes} bytes for {dropped:.0f} dropped clients (aibot_http_clients_dropped_total): "
          f"{len(drop_lines)} lines one by one (the longest {longest} bytes) and {len(summaries)} summary lines; "
          f"{log_bytes} bytes in all with the mentions' own lines; {tracebacks} tracebacks")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000, help="distinct users, one mention each (>= 6000)")
    parser.add_argument("--deadline", type=float, default=900, help="seconds before the whole run gives up")
    parser.add_argument("--keep-log", type=Path, default=None, help="copy the bot's log here at the end")
    parser.add_argument("--sqlite", action="store_true",
                        help="the bot on its own SQLite file instead of PostgreSQL behind the proxy (phase 4 then "
                             "shows nothing about a stalled database)")
    parser.add_argument("--tracemalloc", type=Path, default=None, metavar="DIR",
                        help="run the bot under tracemalloc (benchmarks/traced_bot.py), snapshots in DIR, and print "
                             "what grew during the traffic phase (slower; RSS then includes the tracing)")
    parser.add_argument("--slow-clients", type=int, default=3000, help="slow clients held at once in phase 5")
    parser.add_argument("--slow-seconds", type=float, default=30.0, help="how long phase 5 lasts")
    parser.add_argument("--only-slow", action="store_true", help="run phase 5 alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aibot-soak-") as tmp:
        soak = Soak(args.users, Path(tmp) / "aibot.log", shared=not args.sqlite, traced=args.tracemalloc)
        try:
            async with asyncio.timeout(args.deadline):
                await soak.start()
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
                    if not args.only_slow:
                        await soak.malformed(http)
                        await soak.traffic(http)
                    await slow_phase(soak, http, args.slow_clients, args.slow_seconds)
                    if not args.only_slow:
                        await soak.stalled(http)
        except TimeoutError:
            print(f"stopped: the run passed its {args.deadline:.0f} s deadline")
        finally:
            await soak.stop()
            errors = [line for line in soak.log_path.read_text(errors="replace").splitlines()
                      if " ERROR " in line or "Traceback" in line]
            print(f"bot log: {soak.log_path.stat().st_size} bytes, {len(errors)} ERROR/traceback lines")
            if args.keep_log:
                args.keep_log.write_bytes(soak.log_path.read_bytes())
            for line in errors[:5]:
                print(f"   {line[:200]}")


if __name__ == "__main__":
    asyncio.run(main())
