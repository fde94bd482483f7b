"""What a genuine Slack payload must look like before bolt and :mod:`adapters.slack.translate` read it.

A body can be correctly signed and still be the wrong shape (a replayed test payload, a
proxy that rewrites, a Slack change): ``event`` or ``actions`` as a string made bolt's
request parser or our listeners raise, which was a 500 with a traceback. Here every
field that bolt or the translator reads is given its type, and a payload that does not
fit is a 400 naming where (the field's path, never its value). Other fields pass
untouched (``extra="allow"``), so a new field from Slack never refuses a request.

Types are strict where a wrong one would crash (an object where a string is expected, a
string where an object or a list is); ``None`` is accepted wherever Slack may omit a field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Named(_Part):
    """``team``, ``user``, ``channel``, ``enterprise`` as objects (interactive payloads)."""

    id: StrictStr | None = None
    team_id: StrictStr | None = None
    enterprise_id: StrictStr | None = None
    name: StrictStr | None = None


class _Authorization(_Part):
    enterprise_id: StrictStr | None = None
    team_id: StrictStr | None = None
    user_id: StrictStr | None = None
    is_bot: StrictBool | None = None
    is_enterprise_install: StrictBool | None = None


class _Message(_Part):
    """A message inside an event (edits, replies) or the one that carried a button."""

    type: StrictStr | None = None
    user: StrictStr | _Named | None = None
    text: StrictStr | None = None
    ts: StrictStr | None = None
    thread_ts: StrictStr | None = None
    channel: StrictStr | _Named | None = None  # an object in channel_created and the like
    bot_id: StrictStr | None = None
    subtype: StrictStr | None = None
    team: StrictStr | None = None


class _Event(_Message):
    type: StrictStr
    channel_type: StrictStr | None = None
    user_team: StrictStr | None = None
    event_ts: StrictStr | None = None
    bot_profile: dict[str, Any] | None = None
    files: list[dict[str, Any]] | None = None
    message: _Message | None = None
    previous_message: _Message | None = None
    item: _Message | None = None
    assistant_thread: _Message | None = None


class _ChatEvent(_Event):
    """A mention or a message, which the bot answers: who and where are plain ids."""

    user: StrictStr | None = None
    channel: StrictStr | None = None


class _Container(_Part):
    type: StrictStr | None = None
    message_ts: StrictStr | None = None
    channel_id: StrictStr | None = None
    thread_ts: StrictStr | None = None
    is_ephemeral: StrictBool | None = None


class _Action(_Part):
    action_id: StrictStr | None = None
    block_id: StrictStr | None = None
    value: StrictStr | None = None
    type: StrictStr | None = None
    action_ts: StrictStr | None = None


class _View(_Part):
    app_installed_team_id: StrictStr | None = None
    team_id: StrictStr | None = None


class _Envelope(_Part):
    """Any JSON body, or the ``payload`` of an interactive form: the fields bolt's context reads."""

    type: StrictStr
    token: StrictStr | None = None
    team_id: StrictStr | None = None
    api_app_id: StrictStr | None = None
    enterprise_id: StrictStr | None = None
    context_team_id: StrictStr | None = None
    context_enterprise_id: StrictStr | None = None
    is_enterprise_install: StrictBool | None = None
    is_ext_shared_channel: StrictBool | None = None
    event_id: StrictStr | None = None
    challenge: StrictStr | None = None
    authed_users: list[StrictStr] | None = None
    authorizations: list[_Authorization] | None = None
    event: _Event | None = None
    # interactive payloads (block_actions and the like)
    team: StrictStr | _Named | None = None
    user: StrictStr | _Named | None = None
    channel: StrictStr | _Named | None = None
    enterprise: StrictStr | _Named | None = None
    container: _Container | None = None
    message: _Message | None = None
    actions: list[_Action] | None = None
    response_url: StrictStr | None = None
    trigger_id: StrictStr | None = None
    view: _View | None = None


class _EventCallback(_Envelope):
    event: _Event


class _ChatEventCallback(_Envelope):
    event: _ChatEvent


class _PressedAction(_Action):
    action_id: StrictStr


class _BlockActions(_Envelope):
    """What :func:`adapters.slack.translate.action_message` and bolt's action matching need."""

    user: _Named
    channel: _Named | None = None
    actions: Annotated[list[_PressedAction], Field(min_length=1)]  # type: ignore[assignment]  # narrower here
    response_url: StrictStr


#: The events the bot answers (adapters/slack/manifest.yaml subscribes to these).
_CHAT_EVENTS = frozenset({"app_mention", "message"})
#: The envelope types this bot handles, checked further than the common fields.
_BY_TYPE: dict[str, type[_Envelope]] = {"event_callback": _EventCallback, "block_actions": _BlockActions}


def problem(payload: dict[str, Any]) -> str | None:
    """None when ``payload`` has the shape Slack sends; else where it does not, as ``event.user``.

    Only field names from the models above (and list positions) can appear in the answer,
    never a value from the payload, so it is safe to log and to send back.
    """
    kind = payload.get("type")
    model = _BY_TYPE.get(kind, _Envelope) if isinstance(kind, str) else _Envelope
    event = payload.get("event")
    if model is _EventCallback and isinstance(event, dict) and str(event.get("type")) in _CHAT_EVENTS:
        model = _ChatEventCallback
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"] if not _is_type_tag(part))
        return f"unexpected shape at {where or 'top level'}"
    except RecursionError:
        return "unexpected shape (nested too deeply)"
    return None


def _is_type_tag(part: object) -> bool:
    """pydantic names the union member it tried (``str``, ``_Named``) in the path; not a field."""
    return isinstance(part, str) and (part in {"str", "bool"} or part.startswith(("_", "function-")))
