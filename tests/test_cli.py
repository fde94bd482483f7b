"""The command line through a subprocess, exactly as DESIGN.md's contract says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CONTRACT_KEYS = {"question", "matched", "answer", "lang", "score", "fact_ids", "sources", "suggestions"}


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


def test_batch_from_a_file_for_people(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("What is Stargate?\nHow much is Intel investing in AI?\n", encoding="utf-8")
    out = aibot("ask", "--batch", str(questions)).stdout.decode().splitlines()
    assert len(out) == 2 and "500 billion" in out[0] and "Intel" in out[1]


def test_unanswered_questions_feed_the_gaps_command(private_data_dir: Path) -> None:
    aibot("ask", "--batch", "-", stdin=b"How much is Intel investing in AI?\nhow much is intel investing in ai\n"
          b"What is Nvidia's revenue?\nWhat is Stargate?\n")
    listing = aibot("knowledge", "gaps", "--json")
    assert listing.returncode == 0, listing.stderr
    gaps = json.loads(listing.stdout)
    assert gaps[0]["count"] == 2 and "Intel" in gaps[0]["text"]
    assert {g["text"] for g in gaps} >= {"What is Nvidia's revenue?"}
    assert all("Stargate" not in g["text"] for g in gaps)


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
