"""Which town a public page is about (issue 13 point 1): the one its address names (/<town code>/…), or — at the
addresses without a town (/guide/, /hall/, /track/), which keep working as in a one-town deployment — the first
town. With several towns those pages also list the others, and / becomes the county's list of towns."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404
from django.urls import reverse

from .models import Town
from .selectors import town_list

# The public pages of a town: town:<key> with the town's code; without a town, the old address's name.
PAGES = {"home": "home", "guide": "cases:guide", "track": "cases:track", "hall": "hall"}


@dataclass(frozen=True)
class PublicTown:
    town: Town | None  # None only when no town is set up yet
    towns: list[Town] = field(default_factory=list)  # every town when there are several (the chooser), else []
    prefixed: bool = False  # the address names the town: the page's links keep naming it

    @property
    def several(self) -> bool:
        return len(self.towns) > 1

    def links(self) -> dict[str, str]:
        """The page's links to the town's other public pages: under the town when the address names it, else the
        addresses without a town (exactly as before towns were first-class)."""
        if self.town is not None and self.prefixed:
            return {key: reverse(f"town:{key}", kwargs={"town_code": self.town.code}) for key in PAGES}
        return {key: reverse(name) for key, name in PAGES.items()}


def public_town(town_code: str | None = None) -> PublicTown:
    """The town of a public page (one query, two with several towns); 404 for a town code that does not exist."""
    if town_code is not None:
        towns = list(town_list())
        town = next((t for t in towns if t.code == town_code), None)
        if town is None:
            raise Http404
        return PublicTown(town=town, towns=towns if len(towns) > 1 else [], prefixed=True)
    towns = list(town_list())
    return PublicTown(town=towns[0] if towns else None, towns=towns if len(towns) > 1 else [])
