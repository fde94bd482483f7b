"""Property tests (hypothesis) on every part that takes text from outside: the question
cleaner and analyser, the whole answer path, the Slack and Discord translators, and the
data loader on generated YAML. Each finds its own inputs; none may raise, and each keeps
the one promise that matters most for its part."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import translate as discord_translate
from adapters.slack import translate as slack_translate
from bot.answering import AnswerEngine, Question
from bot.language import MAX_QUESTION_CHARS, clean, detect_language, words
from knowledge.errors import FactBaseError
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from tests.robust.hostile import _PIECES

#: Text a chat user can send: any code point, with the hostile pieces of tests/robust/hostile.py mixed in.
chat_text = st.lists(st.sampled_from(_PIECES) | st.text(max_size=12), max_size=12).map(" ".join) | st.text()
BROADCAST = re.compile(r"<!(channel|here|everyone)|@(channel|here|everyone)\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(chat_text)
def test_the_cleaner_leaves_no_control_character_no_mention_and_a_bounded_text(text: str) -> None:
    cleaned = clean(text)
    assert len(cleaned) <= MAX_QUESTION_CHARS
    assert not CONTROL.search(cleaned)
    assert "@everyone" not in cleaned.lower() and "<!channel>" not in cleaned
    assert detect_language(cleaned) in {"en", "fr"}
    assert all(w.text for w in words(cleaned))


@SETTINGS
@given(chat_text, st.sampled_from(["en", "fr"]))
def test_the_analyser_takes_any_text(engine: AnswerEngine, text: str, lang: str) -> None:
    analysis = engine.index.analyzer.analyse(text, lang)  # type: ignore[arg-type]
    assert all(isinstance(term, str) and term for term in analysis.terms)


@SETTINGS
@given(chat_text, st.sampled_from([None, "en", "fr"]))
def test_any_question_gets_a_reply_in_a_known_language_and_never_a_broadcast(
    engine: AnswerEngine, text: str, lang: str | None,
) -> None:
    answer = engine.answer_now(Question(text=text, lang=lang))  # type: ignore[arg-type]
    assert answer.lang in {"en", "fr"} and 0 <= answer.score <= 100
    assert answer.answer and not BROADCAST.search(answer.answer)
    assert not answer.matched or answer.fact_ids


slack_event = st.fixed_dictionaries(
    {"type": st.sampled_from(["app_mention", "message"]), "text": st.text() | chat_text},
    optional={"user": st.text(max_size=12), "channel": st.text(max_size=12), "ts": st.text(max_size=20),
              "thread_ts": st.text(max_size=20), "channel_type": st.sampled_from(["im", "channel", "group"]),
              "bot_id": st.text(max_size=5), "subtype": st.text(max_size=12)})


@SETTINGS
@given(slack_event, st.text(max_size=12))
def test_slack_events_translate_to_a_question_without_a_live_mention(event: dict[str, Any], bot_id: str) -> None:
    question = slack_translate.event_message(event, bot_user_id=bot_id or None)
    assert not re.search(r"<[@!#]", question.text)
    slack_translate.is_from_bot(event)
    slack_translate.is_plain_dm(event)
    slack_translate.reply_thread(event)


@SETTINGS
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6) | st.fixed_dictionaries(
    {"event_id": json_values, "event": json_values}))
def test_slack_event_keys_take_any_json_body(body: dict[str, Any]) -> None:
    keys = slack_translate.event_keys(body)
    assert all(isinstance(key, str) and key for key in keys)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["X-Slack-Retry-Num", "x-slack-retry-num", "Other"]),
                       st.text(max_size=8) | st.lists(st.text(max_size=8), max_size=2)))
def test_slack_retry_number_takes_any_header(headers: dict[str, Any]) -> None:
    assert isinstance(slack_translate.retry_number(headers), int)


@SETTINGS
@given(st.fixed_dictionaries({"text": st.text() | chat_text},
                             optional={"user_id": st.text(max_size=12), "channel_id": st.text(max_size=12),
                                       "team_id": st.text(max_size=12)}))
def test_slash_commands_translate_whatever_follows_the_command(engine: AnswerEngine, body: dict[str, Any]) -> None:
    command = slack_translate.command(body)
    assert command.kind in {"ask", "help", "about", "digest", "chart", "reload"} and command.lang in {"en", "fr"}
    answer = engine.answer_now(Question(text=slack_translate.command_message(command).text))  # "@everyone" typed stays text until here
    assert answer.answer and not BROADCAST.search(answer.answer) and not BROADCAST.search(answer.question)


@SETTINGS
@given(st.fixed_dictionaries({"actions": st.lists(st.fixed_dictionaries({}, optional={"value": json_scalars}),
                                                  max_size=2)},
                             optional={"user": st.fixed_dictionaries({"id": st.text(max_size=12)}),
                                       "channel": st.fixed_dictionaries({"id": st.text(max_size=12)})}))
def test_button_presses_translate_or_are_ignored(body: dict[str, Any]) -> None:
    question = slack_translate.action_message(body)
    assert question is None or question.text.strip()


@SETTINGS
@given(chat_text, st.integers(1, 2**64), st.integers(0, 2**64), st.booleans(), st.none() | st.integers(1, 2**64),
       st.frozensets(st.integers(0, 2**64), max_size=3))
def test_discord_messages_translate_without_the_bots_own_mention(
    content: str, bot_id: int, author: int, author_is_bot: bool, guild: int | None, mentioned: frozenset[int],
) -> None:
    message = discord_translate.IncomingMessage(content=content, author_id=author, author_is_bot=author_is_bot,
                                                channel_id=1, guild_id=guild, mentioned_ids=mentioned)
    question = discord_translate.message_from(message, bot_id)
    if question is not None:
        assert f"<@{bot_id}>" not in question.text and f"<@!{bot_id}>" not in question.text
        assert not author_is_bot and author != bot_id


@SETTINGS
@given(st.lists(chat_text, max_size=40), st.none() | st.text(max_size=10))
def test_discord_choices_stay_within_discords_limits(suggestions: list[str], locale: str | None) -> None:
    choices = discord_translate.question_choices(suggestions)
    assert len(choices) <= 25
    assert all(1 <= len(name) <= 100 and 1 <= len(value) <= 100 for name, value in choices)
    assert discord_translate.lang_for_locale(locale) in {"en", "fr"}


# --- the data loader on generated YAML ---------------------------------------------------------

_SHIPPED = yaml.safe_load((DEFAULT_DATA_DIR / "facts/afp-2025-01-meta-ai-investment.yaml").read_text("utf-8"))
_FACT = _SHIPPED["facts"][0]


def _mutated_fact() -> st.SearchStrategy[dict[str, Any]]:
    """The first shipped fact with one field replaced by anything YAML can hold, or removed."""
    return st.tuples(st.sampled_from(sorted(_FACT)), st.none() | json_values, st.booleans()).map(
        lambda change: {k: v for k, v in _FACT.items() if k != change[0]}
        | ({} if change[2] else {change[0]: change[1]}))


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped data per module; each example rewrites only facts/generated.yaml."""
    data = tmp_path_factory.mktemp("generated") / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.one_of(
    json_values,
    st.builds(lambda fact: {"facts": [fact | {"id": "generated-fact"}]}, _mutated_fact()),
    st.builds(lambda facts: {"facts": facts}, st.lists(json_values, max_size=3)),
))
def test_the_loader_either_loads_or_names_the_problem(data_copy: Path, document: Any) -> None:
    (data_copy / "facts" / "generated.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    try:
        base = load_fact_base(data_copy)
    except FactBaseError as exc:
        assert str(exc)
    else:
        assert len(base.facts) >= len(_SHIPPED["facts"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_the_loader_takes_any_text_as_a_yaml_file(data_copy: Path, text: str) -> None:
    (data_copy / "facts" / "generated.yaml").write_text(text, "utf-8")
    try:
        load_fact_base(data_copy)
    except FactBaseError as exc:
        assert str(exc)
