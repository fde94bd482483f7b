"""Whatever Slack or Discord sends, the translators give a message of the right conversation,
with no broadcast left in its text (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import translate as discord_translate
from adapters.slack import translate as slack_translate
from tests.slack.helpers import BROADCAST

BOT = 1000
ids = st.integers(min_value=1, max_value=2**63 - 1)
slack_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=9, max_size=9)
timestamps = st.builds(lambda s, us: f"{s}.{us:06d}", st.integers(10**9, 2 * 10**9), st.integers(0, 999_999))


@given(text=st.text(max_size=200), user=slack_ids, channel=slack_ids, ts=timestamps,
       thread=st.none() | timestamps, im=st.booleans())
def test_slack_events_become_messages_of_their_thread_or_dm(text: str, user: str, channel: str, ts: str,
                                                            thread: str | None, im: bool) -> None:
    event = {"type": "message" if im else "app_mention", "text": f"<@U0BOT> {text} <!channel>", "user": user,
             "channel": channel, "ts": ts, **({"channel_type": "im"} if im else {}),
             **({"thread_ts": thread} if thread else {})}
    message = slack_translate.event_message(event, bot_user_id="U0BOT")
    assert message.user_id == user and message.platform == "slack"
    assert not BROADCAST.search(message.text)
    expected = f"slack:{channel}" if im else f"slack:{channel}:{thread or ts}"
    assert message.conversation == expected


@given(text=st.text(max_size=200), author=ids, channel=ids, guild=st.none() | ids, reply_to=st.none() | ids,
       to_bot=st.booleans(), mention=st.booleans())
def test_discord_messages_become_messages_of_their_chain_or_channel_and_author(
    text: str, author: int, channel: int, guild: int | None, reply_to: int | None, to_bot: bool, mention: bool,
) -> None:
    content = f"<@{BOT}> {text}" if mention else text
    incoming = discord_translate.IncomingMessage(
        content=content, author_id=author, author_is_bot=False, channel_id=channel, guild_id=guild,
        mentioned_ids=frozenset({BOT}) if mention else frozenset(), reply_to_id=reply_to,
        reply_to_bot=to_bot and reply_to is not None)
    message = discord_translate.message_from(incoming, BOT)
    if author == BOT or not (guild is None or mention or incoming.reply_to_bot
                             or f"<@{BOT}>" in text or f"<@!{BOT}>" in text):
        assert message is None
        return
    assert message is not None and message.user_id == str(author)
    if incoming.reply_to_bot:
        assert message.conversation == discord_translate.answer_key(reply_to or 0)
    else:
        assert message.conversation == f"discord:{channel}:{author}"
    assert f"<@{BOT}>" not in message.text
