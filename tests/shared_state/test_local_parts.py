"""The parts of shared state that need no Redis: the setting, the JSON a topic travels as, and
the local state every process has without ``REDIS_URL``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Topic
from bot.conversation.context import topic_from_json, topic_to_json
from bot.settings import SettingsError, load_settings
from bot.shared_state import LocalState, open_redis, redis_location

_text = st.text(max_size=200)
_ids = st.lists(st.text(min_size=1, max_size=30), max_size=8)


@given(user=_text, question=_text, lang=st.sampled_from(["en", "fr"]), entities=_ids, year=st.none() | st.integers(),
       fact_ids=_ids, abstained=st.none() | _text, unknown=_ids)
def test_a_topic_survives_its_json(user: str, question: str, lang: str, entities: list[str], year: int | None,
                                   fact_ids: list[str], abstained: str | None, unknown: list[str]) -> None:
    topic = Topic(user_id=user, question=question, lang=lang, entities=frozenset(entities), year=year,  # type: ignore[arg-type]
                  fact_ids=tuple(fact_ids), at=12.5, abstained=abstained, unknown=tuple(unknown))
    assert topic_from_json(topic_to_json(topic), at=12.5) == topic


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b'{"v": 2, "user_id": "u"}', b"\x80\x04K\x01.",
                                 b'{"v":1,"user_id":"u","question":"q","lang":"de","entities":[],"year":null,"fact_ids":[]}'])
def test_a_value_that_is_not_a_topic_reads_as_none(raw: bytes) -> None:
    assert topic_from_json(raw, at=0.0) is None


def test_the_redis_url_is_a_secret_and_a_wrong_one_is_named_not_repeated() -> None:
    settings = load_settings(redis_url="redis://:hunter2@127.0.0.1:6379/0")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    with pytest.raises(SettingsError, match="REDIS_URL") as caught:
        load_settings(redis_url="http://:hunter2@127.0.0.1:6379")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(SettingsError, match="AIBOT_REDIS_TIMEOUT"):
        load_settings(redis_timeout=0)


@pytest.mark.parametrize(("url", "where"), [
    ("redis://:pw@cache.example:6380/1", "cache.example:6380"),
    ("rediss://user:pw@10.0.0.5/0", "10.0.0.5:6379"),
    ("unix:///run/redis.sock", "/run/redis.sock"),
])
def test_the_log_names_where_redis_is_never_the_password(url: str, where: str) -> None:
    assert redis_location(url) == where


async def test_without_redis_url_state_stays_in_the_process(engine: AnswerEngine) -> None:
    settings = load_settings()
    assert settings.redis_url is None
    async with open_redis(settings) as link:
        assert link is None
        service = ConversationService.from_settings(engine, settings, redis=link, chart_maker=None)
    assert isinstance(service.shared, LocalState) and service.shared.memory is service.memory
