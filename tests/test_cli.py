"""The command line through a subprocess, exactly as DESIGN.md's contract says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from knowledge.models import FactBase

CONTRACT_KEYS = {"question", "matched", "answer", "lang", "score", "fact_ids", "sources", "suggestions", "intent"}


def aibot(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          timeout=60, env=os.environ.copy())


def test_ask_json_meta() -> None:
    run = aibot("ask", "--json", "How much is Meta investing in AI in 2025?")
    assert run.returncode == 0, run.stderr
    reply = json.loads(run.stdout)
    assert set(reply) == CONTRACT_KEYS
    assert reply["matched"] is True and "60 to 65 billion" in reply["answer"]
    assert reply["sources"][0]["publisher"] == "AFP" and reply["sources"][0]["document"]
    assert 0 <= reply["score"] <= 100


def test_ask_json_french_microsoft() -> None:
    reply = json.loads(aibot("ask", "--json", "Combien Microsoft va-t-il dépenser cette année ?").stdout)
    assert reply["lang"] == "fr" and "80 milliards" in reply["answer"]


def test_ask_for_a_person_prints_the_answer_and_its_source() -> None:
    run = aibot("ask", "What", "is", "Stargate?")
    out = run.stdout.decode()
    assert run.returncode == 0 and "500 billion dollars" in out and "Source: AFP, January 2025" in out


def test_batch_keeps_one_output_line_per_input_line_even_for_bad_lines() -> None:
    lines = [b"What is Stargate?", b"", b"\xff\xfe\x00 binary junk", "🚀".encode(), b"x" * 100_000,
             b"Combien Meta investit-il dans l'IA ?", b"@everyone How much is Intel investing?"]
    run = aibot("ask", "--json", "--batch", "-", stdin=b"\n".join(lines) + b"\n")
    assert run.returncode == 0, run.stderr
    replies = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert len(replies) == len(lines)
    assert [r["matched"] for r in replies] == [True, False, False, False, False, True, False]
    assert replies[5]["lang"] == "fr"
    assert all(set(r) == CONTRACT_KEYS for r in replies)
    assert [r["intent"] for r in replies] == ["answer", "abstain", "abstain", "abstain", "abstain", "answer", "abstain"]


def test_batch_from_a_file_for_people(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("What is Stargate?\nHow much is Intel investing in AI?\n", encoding="utf-8")
    out = aibot("ask", "--batch", str(questions)).stdout.decode().splitlines()
    assert len(out) == 2 and "500 billion" in out[0] and "Intel" in out[1]


def test_unanswered_questions_feed_the_gaps_command(private_data_dir: Path) -> None:
    aibot("ask", "--record", "--batch", "-", stdin=b"How much is Intel investing in AI?\nhow much is intel investing in ai\n"
          b"What is Nvidia's revenue?\nWhat is Stargate?\n")
    listing = aibot("knowledge", "gaps", "--json")
    assert listing.returncode == 0, listing.stderr
    gaps = json.loads(listing.stdout)
    assert gaps[0]["count"] == 2 and "Intel" in gaps[0]["text"]
    assert {g["text"] for g in gaps} >= {"What is Nvidia's revenue?"}
    assert all("Stargate" not in g["text"] for g in gaps)


def test_trying_the_bot_records_nothing_unless_asked(private_data_dir: Path) -> None:
    """`aibot ask` and `aibot chat` are a person trying the bot: their unanswered questions stay
    out of the admin's gaps and report; the question asked with --record after them is the
    sentinel that recording works and is the only one listed."""
    aibot("ask", "How much is Intel investing in AI?")
    aibot("ask", "--batch", "-", stdin=b"you are useless\n")
    assert aibot("chat", stdin=b"What is Nvidia's revenue?\n/quit\n").returncode == 0
    aibot("chat", "--record", stdin=b"How much is Apple spending on AI?\n/quit\n")
    gaps = json.loads(aibot("knowledge", "gaps", "--json").stdout)
    assert [g["text"] for g in gaps] == ["How much is Apple spending on AI?"]


def test_knowledge_index_keeps_the_index_that_the_next_start_reads_back(private_data_dir: Path) -> None:
    """The release step: the first run indexes, the second finds it kept, and a command
    started afterwards reads that entry back (reading it marks it as recently used)."""
    first = aibot("knowledge", "index")
    assert first.returncode == 0 and b"indexed in" in first.stdout, first.stderr
    (entry,) = (private_data_dir / "index").iterdir()
    again = aibot("knowledge", "index")
    assert again.returncode == 0 and b"already indexed" in again.stdout, again.stderr
    done = entry / "complete"
    os.utime(done, (0, 0))
    assert aibot("ask", "What is Stargate?").returncode == 0
    assert [path.name for path in (private_data_dir / "index").iterdir()] == [entry.name]
    assert done.stat().st_mtime > 0


def test_knowledge_index_says_when_it_cannot_keep_the_index(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    run = subprocess.run([sys.executable, "-m", "bot", "knowledge", "index"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "AIBOT_DATA_DIR": str(blocked)})
    assert run.returncode == 1 and "could not keep the index" in run.stderr


def test_knowledge_list_json() -> None:
    facts = json.loads(aibot("knowledge", "list", "--json").stdout)
    assert len(facts) >= 14 and all(f["source"]["quotes"] for f in facts)


def test_help_on_every_command() -> None:
    for args in (["--help"], ["ask", "--help"], ["knowledge", "--help"], ["knowledge", "validate", "--help"],
                 ["run", "--help"], ["chat", "--help"]):
        run = aibot(*args)
        assert run.returncode == 0 and b"Usage:" in run.stdout, args


def test_broken_setting_is_one_line_naming_it() -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "hi"], capture_output=True, text=True,
                         env={**os.environ, "AIBOT_RATE_LIMIT_COUNT": "many"})
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "AIBOT_RATE_LIMIT_COUNT" in run.stderr


def test_broken_fact_base_refuses_to_start(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "hi"], capture_output=True, text=True,
                         env={**os.environ, "AIBOT_KNOWLEDGE_DIR": str(tmp_path)})
    assert run.returncode == 2 and "fact base" in run.stderr and "Traceback" not in run.stderr


def test_chat_console_session() -> None:
    run = aibot("chat", stdin=b"What is Stargate?\nC'est quoi Stargate ?\nHow much is Intel investing?\n/quit\n")
    out = run.stdout.decode()
    assert run.returncode == 0
    assert "500 billion" in out and "500 milliards" in out and "Intel" in out


def test_chat_reads_piped_lines_as_one_conversation_with_help_about_and_exit(fact_base: FactBase) -> None:
    run = aibot("chat", stdin=b"help\n/about\nHow much is Meta investing in AI?\nand Microsoft?\nexit\nWhat is Stargate?\n")
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr
    assert "Examples:" in out and f"{len(fact_base.facts)} facts" in out
    assert "60 to 65 billion" in out and "Microsoft plans to spend 80 billion" in out
    assert "500 billion" not in out  # after exit nothing is read


FOLLOW_UPS = [
    # (line, what the answer must say) -- one conversation, in order
    ("How much is Meta investing in AI?", "60 to 65 billion"),
    ("and Microsoft?", "Microsoft plans to spend 80 billion"),
    ("bigger than Meta's?", "Microsoft plans more"),
    ("where is that from?", "AFP"),
    ("Combien Meta investit-il dans l'IA ?", "60 à 65 milliards"),
    ("et l'an dernier ?", "Cela situe 2024 autour de 40 à 43 milliards"),
    ("What is Stargate?", "500 billion"),
    ("who presented it?", "Donald Trump presented"),
]


def test_batch_conversation_reads_each_line_with_the_earlier_ones() -> None:
    stdin = "".join(f"{line}\n" for line, _ in FOLLOW_UPS).encode()
    run = aibot("ask", "--json", "--batch", "-", "--conversation", stdin=stdin)
    assert run.returncode == 0, run.stderr
    replies = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert len(replies) == len(FOLLOW_UPS)
    for (line, expected), reply in zip(FOLLOW_UPS, replies, strict=True):
        assert reply["matched"] and expected in reply["answer"], (line, reply["answer"])
        assert reply["question"] == line and reply["intent"] == "answer" and set(reply) == CONTRACT_KEYS
    assert replies[5]["lang"] == "fr"


def test_batch_without_conversation_reads_every_line_alone() -> None:
    stdin = b"How much is Meta investing in AI?\nbigger than Microsoft's?\nwhere is that from?\n"
    replies = [json.loads(line) for line in aibot("ask", "--json", "--batch", "-", stdin=stdin).stdout.splitlines()]
    assert replies[0]["matched"] is True
    assert replies[1]["matched"] is False  # one side of a comparison, with nothing to compare it to
    assert replies[2]["matched"] is False and replies[2]["intent"] == "abstain"
    with_context = [json.loads(line) for line in aibot("ask", "--json", "--batch", "-", "--conversation",
                                                       stdin=stdin).stdout.splitlines()]
    assert with_context[1]["matched"] is True and "Microsoft plans more" in with_context[1]["answer"]


def test_conversation_without_a_batch_is_a_usage_error() -> None:
    run = aibot("ask", "--conversation", "What is Stargate?")
    assert run.returncode == 2 and b"--conversation" in run.stderr


def test_small_talk_and_help_have_their_intent() -> None:
    stdin = b"hi\nmerci bien\nhelp\nshow me a chart\n"
    replies = [json.loads(line) for line in aibot("ask", "--json", "--batch", "-", stdin=stdin).stdout.splitlines()]
    assert [r["intent"] for r in replies] == ["smalltalk", "smalltalk", "help", "chart"]
    assert [r["lang"] for r in replies] == ["en", "fr", "en", "en"]
    assert "Stargate" in replies[3]["answer"]  # no chart maker here: the text ranking
