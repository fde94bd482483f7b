"""Hostile text, generated the same way every run: what a busy server sends a bot."""

from __future__ import annotations

import random

_PIECES = [
    "½", "⅞", "①", "²", "³⁄₄", "𝟙𝟚", "١٢٣", "٣½", "0x1F", "1e309", "NaN", "-0", "1,5 Md€", "$$$", "€€",
    "\u202e", "\u200b", "\ufeff", "\u2028", "\u2029", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\r",
    "👨‍👩‍👧‍👦", "🏳️‍🌈", "Z̸̢̛a̷l̶g̵o̴", "ﷺ", "ﬃ", "ǅ", "ß", "İ", "Å", "ﾊﾝｶｸ", "𒀱", "\U0010ffff",
    "<@U123>", "<!channel>", "@everyone", "@here", "<#C1|general>", "<https://x.test|link>", "```",
    "'; DROP TABLE facts; --", "%s%s%n", "{0}{__class__}", "${jndi:ldap://x}", "\\u0000", "null", "[]",
    "Meta", "Microsoft", "Stargate", "combien", "investit", "billion", "milliards", "2025", "AI", "IA",
    "How much", "Qui", "?", "!", "...", "l'", "d’", "-", "—", "  ", "\t",
]


def hostile_lines(count: int, seed: int = 14) -> list[bytes]:
    """``count`` lines, none containing a newline byte; some are not UTF-8 at all."""
    rng = random.Random(seed)
    lines: list[bytes] = []
    for n in range(count):
        kind = n % 10
        if kind == 0:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))).replace(b"\n", b"")
        elif kind == 1:
            raw = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 30))).encode(
                "utf-8", "surrogatepass")
        elif kind == 2:
            raw = (rng.choice(_PIECES) * rng.randrange(1, 3000)).replace("\n", "").encode("utf-8", "surrogatepass")
        else:
            raw = " ".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 14))).encode("utf-8", "surrogatepass")
        lines.append(raw.replace(b"\n", b" "))
    return lines
