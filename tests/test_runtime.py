"""The composition root's own failure messages."""

from __future__ import annotations

import pytest

from bot.platforms import Platform, RunOptions, Services
from bot.runtime import _create
from bot.settings import Settings, SettingsError, load_settings


class NotInstalled:
    """A platform whose library is missing, as after `pip install .` without the extra."""

    name = "discord"

    def is_configured(self, settings: Settings) -> bool:
        return True

    def check(self, settings: Settings) -> None:
        return None

    def create(self, services: Services, options: RunOptions) -> Platform:
        raise ModuleNotFoundError("No module named 'aiohttp'", name="aiohttp")


def test_a_missing_platform_library_is_an_install_hint(engine) -> None:  # type: ignore[no-untyped-def]
    services = Services(settings=load_settings(), engine=engine)
    with pytest.raises(SettingsError) as caught:
        _create(NotInstalled(), "discord", services, RunOptions())
    assert str(caught.value) == (
        "discord support is not installed (no module 'aiohttp'); install it with: pip install 'aibot[discord]'"
    )
