"""The pure halves of the adapter, on payloads recorded from Slack's documentation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import render, translate
from bot.answering import AnswerEngine, Question
from bot.conversation import About, ConversationService, Message, ReplyKind
from bot.conversation.replies import SourceDocument
from bot.digest.model import Digest, DigestItem
from tests.slack.fake_slack import all_strings
from tests.slack.helpers import BROADCAST

PAYLOADS = Path(__file__).parent / "payloads"


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return payload


def test_mention_becomes_plain_question_without_the_bot_or_special_mentions() -> None:
    body = load("app_mention.json")
    message = translate.event_message(body["event"], bot_user_id="U0LAN0Z89")
    assert message.text == "What is Microsoft's data center budget? cc here & ai-team in #general"
    assert (message.user_id, message.channel_id, message.platform) == ("U061F7AUR", "C0LAN2Q65", "slack")
    assert not BROADCAST.search(message.text)


def test_conversation_keys_follow_the_thread_or_the_dm_channel() -> None:
    """A mention and a mention in its thread are one conversation; a DM channel is one conversation."""
    top = translate.event_message(load("app_mention.json")["event"])
    in_thread = translate.event_message(load("app_mention_in_thread.json")["event"])
    assert top.conversation == in_thread.conversation == "slack:C0LAN2Q65:1515449522.000016"
    dm = translate.event_message(load("message_im.json")["event"])
    other_dm = load("message_im.json")["event"] | {"ts": "9999999999.000001"}
    assert dm.conversation == translate.event_message(other_dm).conversation
    assert dm.conversation != top.conversation
    command = translate.command_message(translate.command(load("slash_command.json")))
    assert command.conversation == "slack:C2147483705:U2147483697"


def test_replies_go_in_the_thread_of_the_question() -> None:
    assert translate.reply_thread(load("app_mention.json")["event"]) == "1515449522.000016"
    assert translate.reply_thread(load("app_mention_in_thread.json")["event"]) == "1515449522.000016"
    assert translate.reply_thread(load("message_im.json")["event"]) is None


def test_dms_from_people_only() -> None:
    assert translate.is_plain_dm(load("message_im.json")["event"])
    assert not translate.is_plain_dm(load("message_im_bot.json")["event"])
    assert not translate.is_plain_dm(load("message_im_edited.json")["event"])
    assert translate.is_from_bot(load("message_im_bot.json")["event"])
    assert not translate.is_from_bot(load("app_mention.json")["event"])


def test_event_keys_and_retry_number() -> None:
    assert translate.event_keys(load("app_mention.json")) == ["Ev0LAN670R", "C0LAN2Q65:1515449522.000016"]
    assert translate.event_keys({"event": {"channel": "C1", "ts": "1.2"}}) == ["C1:1.2"]
    assert translate.event_keys({"event": {}}) == []
    assert translate.retry_number({"X-Slack-Retry-Num": "2"}) == 2
    assert translate.retry_number({"x-slack-retry-num": ["1"]}) == 1
    assert translate.retry_number({}) == 0


@pytest.mark.parametrize(
    ("text", "kind", "lang"),
    [("", "help", "en"), ("help", "help", "en"), ("aide", "help", "fr"), ("about", "about", "en"),
     ("digest daily 09:00 Europe/Paris fr", "digest", "en"), ("What is Stargate?", "ask", "en"),
     ("Combien Meta investit-il ?", "ask", "fr")],
)
def test_slash_command_kinds(text: str, kind: str, lang: str) -> None:
    body = load("slash_command.json") | {"text": text}
    cmd = translate.command(body)
    assert (cmd.kind, cmd.lang) == (kind, lang)
    assert (cmd.user_id, cmd.channel_id, cmd.team_id) == ("U2147483697", "C2147483705", "T0001")


def test_slash_command_channel_mention_is_inert() -> None:
    cmd = translate.command(load("slash_command.json"))
    assert cmd.kind == "ask"
    assert cmd.text == "channel how much is Meta investing in AI in 2025?"
    assert translate.command(load("slash_command.json") | {"text": "digest weekly mon 08:30 UTC"}).args == [
        "weekly", "mon", "08:30", "UTC"]


def test_button_press_is_the_suggested_question() -> None:
    message = translate.action_message(load("block_actions.json"))
    assert message == Message(text="What is Microsoft's data center budget?", conversation="slack:CBR2V3XEX:UA8RXUSPL",
                              user_id="UA8RXUSPL", channel_id="CBR2V3XEX", platform="slack", tenant="T9TK3CUKW")
    assert translate.action_message(load("block_actions.json") | {"actions": []}) is None
    threaded = load("block_actions.json")
    threaded["container"] = threaded["container"] | {"thread_ts": "1548261200.000100"}
    pressed = translate.action_message(threaded)
    assert pressed is not None and pressed.conversation == "slack:CBR2V3XEX:1548261200.000100"


def test_defuse_breaks_every_broadcast_form() -> None:
    for text in ["<!channel>", "<!here|here>", "<!everyone>", "<!subteam^S1|@team>", "@channel", "@Here", "@everyone"]:
        assert not BROADCAST.search(render.defuse(text)), text
    assert render.defuse("R&D <b>") == "R&amp;D &lt;b&gt;"
    assert render.defuse("mail me@hereford.com") == "mail me@hereford.com"


async def test_matched_answer_blocks(engine: AnswerEngine) -> None:
    answer = await engine.answer(Question(text="What is Microsoft's data center budget?"))
    message = render.answer_message(answer)
    assert [b["type"] for b in message["blocks"]] == ["section", "context"]
    assert "80 billion" in message["blocks"][0]["text"]["text"]
    assert message["blocks"][1]["elements"][0]["text"] == "Source: AFP, January 2025"
    assert "80 billion" in message["text"] and "AFP" in message["text"]


async def test_unsure_answer_offers_buttons(engine: AnswerEngine) -> None:
    answer = await engine.answer(Question(text="What about the budget?"))
    message = render.answer_message(answer)
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert len(actions) == 1
    buttons = actions[0]["elements"]
    assert [b["value"] for b in buttons] == answer.suggestions
    assert all(re.match(render.SUGGEST_ACTION_PATTERN, b["action_id"]) for b in buttons)
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert all(len(b["text"]["text"]) <= render.BUTTON_LIMIT for b in buttons)
    for suggestion in answer.suggestions:
        assert suggestion in message["text"]


async def test_answer_in_place_says_what_was_asked_in_french(engine: AnswerEngine) -> None:
    answer = await engine.answer(Question(text="Combien Microsoft va-t-il dépenser dans les centres de données ?"))
    message = render.answer_message(answer, asked="Combien Microsoft <!channel> ?")
    assert message["blocks"][0]["elements"][0]["text"].startswith("Vous avez demandé")
    assert "milliards" in message["text"]
    assert not any(BROADCAST.search(s) for s in all_strings(message))


def test_help_and_about_in_both_languages(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    assert "Examples" in render.reply_message(service.help("en"))["text"]
    assert "Exemples" in render.reply_message(service.help("fr"))["text"]
    about = render.reply_message(service.about("fr"))
    assert f"{len(engine.base.facts)} faits" in about["text"] and "AFP, janvier 2025: Dépêche AFP" in about["text"]


async def test_every_reply_kind_renders(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    for text, kind in [("hi", ReplyKind.SMALLTALK), ("What is Stargate?", ReplyKind.ANSWER),
                       ("investment", ReplyKind.ABSTAIN), ("show me a chart", ReplyKind.CHART),
                       ("aide", ReplyKind.HELP)]:
        reply = await service.handle(Message(text=text, conversation=text, user_id="u"))
        assert reply.kind is kind, text
        message = render.reply_message(reply)
        assert message["text"] and message["blocks"], text
        assert reply.body.split("\n")[0][:40] in message["text"].replace("&amp;", "&"), text


def test_about_a_base_of_thousands_of_documents_stays_within_slacks_limits() -> None:
    sources = tuple(SourceDocument("AFP", f"Dispatch {n}", "2025-01") for n in range(20_000))
    about = render.about_message("en", About(version="1.0", facts=20_000, entities=900, sources=sources))
    assert len(about["text"]) <= render.SECTION_LIMIT
    assert all(len(element["text"]) <= render.SECTION_LIMIT
               for block in about["blocks"] for element in block.get("elements", [block.get("text", {})]))


def test_digest_blocks() -> None:
    item = DigestItem("microsoft-2025-data-centers", "Microsoft: 80 billion dollars in 2025", "AFP, January 2025")
    digest = Digest(lang="en", title="AI investment digest", headline=[item], fact_of_the_day=item)
    message = render.digest_message(digest)
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds == ["header", "section", "section", "context", "section", "section", "context"]
    assert message["blocks"][1]["text"]["text"] == "*Headline figures*"
    assert message["blocks"][4]["text"]["text"] == "*Fact of the day*"
    assert "New since" not in message["text"]
    assert "Microsoft: 80 billion dollars in 2025 (AFP, January 2025)" in message["text"]


def test_recent_keys_forget_after_ttl_and_match_any_key() -> None:
    from adapters.slack.guard import RecentEvents

    now = [0.0]
    recent = RecentEvents(60, clock=lambda: now[0])
    assert recent.first_time(["Ev1", "C1:1.0"])
    assert not recent.first_time(["Ev1"])
    assert not recent.first_time(["Ev2", "C1:1.0"])  # same message, other event
    now[0] = 61
    assert recent.first_time(["Ev1"])
