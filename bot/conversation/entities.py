"""Finding an entity by what someone typed: for pickers that complete names as people type
(Discord's ``/facts about:``) and for resolving the name they chose."""

from __future__ import annotations

import bisect

from bot.language import fold
from knowledge.models import Entity, FactBase

#: Most choices a picker shows, and the longest name it shows whole (Discord's limits).
MAX_CHOICES = 25
MAX_CHOICE_CHARS = 100


def shorten(text: str, limit: int = MAX_CHOICE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


class EntityNames:
    """Names and aliases of the entities that have facts, folded once. Names starting with
    what was typed are found by binary search, so a keystroke costs about the same with 20
    entities or 20,000."""

    def __init__(self, base: FactBase) -> None:
        used = {entity_id for fact in base.facts for entity_id in fact.entities}
        entities = sorted((e for e in base.entities if e.id in used), key=lambda e: e.name.lower())
        self._choices = [(shorten(entity.name), entity.id) for entity in entities]
        #: (folded name or alias, the entity's place in name order), sorted by name
        self._names = sorted((fold(name), place) for place, entity in enumerate(entities) for name in entity.names)
        self._keys = [name for name, _ in self._names]

    def choices(self, current: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(name, entity id) pairs: names or aliases starting with what was typed, then those
        containing it, each in name order."""
        typed, limit = fold(current.strip()), min(limit, MAX_CHOICES)
        if not typed:
            return self._choices[:limit]
        starting: set[int] = set()
        for name, place in self._names[bisect.bisect_left(self._keys, typed):]:
            if not name.startswith(typed):
                break
            starting.add(place)
        places = sorted(starting)
        if len(places) < limit:
            places += sorted({place for name, place in self._names if typed in name} - starting)
        return [self._choices[place] for place in places[:limit]]


def resolve_entity(base: FactBase, typed: str) -> Entity | None:
    """The entity chosen from autocomplete (its id) or typed by hand (a name or alias)."""
    wanted = fold(typed.strip())
    if not wanted:
        return None
    for entity in base.entities:
        if entity.id == typed.strip() or any(fold(name) == wanted for name in entity.names):
            return entity
    return None
