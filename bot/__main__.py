"""``python -m bot`` is the same as ``aibot``."""

from bot.cli import main

main()
