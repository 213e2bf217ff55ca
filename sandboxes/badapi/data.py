"""The Reaktor "bad API" sandbox's dataset: warehouse products of three categories and their availability.

`generate_badapi_dataset(seed=1, products_per_category=2500)` makes products shaped like the API's
(`{"id": 24 lower-case hex, "type", "name": "HEMDAL RAIN", "color": ["purple"], "price": 86, "manufacturer"}`),
each category stocked by five or six of eight manufacturers. Availability is per manufacturer, with the ids
UPPER case and the stock level inside an XML `DATAPAYLOAD`; a few products have no availability entry
(`unlisted_share`) and a few entries name no product (`orphan_share`), as in the real API.

Availability changes over time: `availability(manufacturer, generation)` keeps each product's value from the
generation before with probability 1 - `change_share`, so every cache period (generation) of the server
serves slightly different stock. The same seed, sizes and generation give the same answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("gloves", "facemasks", "beanies")
MANUFACTURERS = ("abiplos", "hennex", "ippal", "juuran", "laion", "niksleh", "okkau", "umpante")
COLOURS = ("black", "blue", "green", "grey", "purple", "red", "white", "yellow")
IN_STOCK_VALUES = ("INSTOCK", "LESSTHAN10", "OUTOFSTOCK")
_SYLLABLES = (
    "HEM", "DAL", "RAIN", "AK", "SUP", "JE", "REV", "NY", "OK", "SIJ", "TAN", "VOL", "KO", "LI", "MUR", "PEL",
    "ÖR", "GAS", "UM", "BI", "DEN", "FAR", "SOL", "KAP", "IN", "TUR", "WE", "LAN", "ZAR", "EP",
)  # fmt: skip

Record = dict[str, Any]


def payload(in_stock_value: str) -> str:
    """The XML DATAPAYLOAD of one availability entry, as the API writes it."""
    return f"<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>{in_stock_value}</INSTOCKVALUE>\n</AVAILABILITY>"


@dataclass
class BadApiDataset:
    """Products per category, and what availability answers per manufacturer (see the module docstring)."""

    seed: int
    products: dict[str, list[Record]] = field(default_factory=dict)
    unlisted_ids: set[str] = field(default_factory=set)
    """Product ids no availability answer mentions."""
    orphan_ids: dict[str, list[str]] = field(default_factory=dict)
    """Per manufacturer, upper-case ids in its availability that belong to no product."""
    change_share: float = 0.1

    @property
    def manufacturers(self) -> list[str]:
        """Every manufacturer named by a product, sorted."""
        return sorted({product["manufacturer"] for rows in self.products.values() for product in rows})

    def products_of(self, manufacturer: str) -> list[Record]:
        return [p for rows in self.products.values() for p in rows if p["manufacturer"] == manufacturer]

    def in_stock_value(self, product_id: str, generation: int) -> str:
        """A product's INSTOCKVALUE in a generation: generation 0's, changed with probability change_share since."""
        value = random.Random(f"{self.seed}:{product_id}:0").choice(IN_STOCK_VALUES)
        for gen in range(1, generation + 1):
            draw = random.Random(f"{self.seed}:{product_id}:{gen}")
            if draw.random() < self.change_share:
                value = draw.choice(IN_STOCK_VALUES)
        return value

    def availability(self, manufacturer: str, generation: int = 0) -> list[Record]:
        """The `response` list of `GET /v2/availability/{manufacturer}` in a generation."""
        entries = [
            {"id": p["id"].upper(), "DATAPAYLOAD": payload(self.in_stock_value(p["id"], generation))}
            for p in self.products_of(manufacturer)
            if p["id"] not in self.unlisted_ids
        ]
        entries += [
            {"id": orphan, "DATAPAYLOAD": payload("INSTOCK")} for orphan in self.orphan_ids.get(manufacturer, [])
        ]
        return entries

    def expected_availability(self, generation: int = 0) -> dict[str, str]:
        """Product id (lower case) -> INSTOCKVALUE, or UNKNOWN when no availability mentions it."""
        return {
            p["id"]: "UNKNOWN" if p["id"] in self.unlisted_ids else self.in_stock_value(p["id"], generation)
            for rows in self.products.values()
            for p in rows
        }

    def counts(self) -> dict[str, int]:
        availability = sum(len(self.availability(m)) for m in self.manufacturers)
        return {
            "products": sum(len(rows) for rows in self.products.values()),
            **{category: len(rows) for category, rows in self.products.items()},
            "manufacturers": len(self.manufacturers),
            "availability": availability,
            "unlisted_products": len(self.unlisted_ids),
            "orphan_availability": sum(len(ids) for ids in self.orphan_ids.values()),
        }


def _name(rng: random.Random) -> str:
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(rng.choice((1, 2, 2, 3)))]
    return " ".join(words)


def generate_badapi_dataset(
    seed: int = 1,
    products_per_category: int = 2500,
    unlisted_share: float = 0.01,
    orphan_share: float = 0.005,
    change_share: float = 0.1,
) -> BadApiDataset:
    """A deterministic dataset (see the module docstring). Raises ValueError for sizes out of range."""
    if products_per_category < 1:
        raise ValueError("products_per_category must be at least 1")
    if not (0 <= unlisted_share < 1 and 0 <= orphan_share < 1 and 0 <= change_share <= 1):
        raise ValueError("unlisted_share and orphan_share must be in [0, 1), change_share in [0, 1]")
    rng = random.Random(f"badapi:{seed}")
    data = BadApiDataset(seed=seed, change_share=change_share)
    seen: set[str] = set()
    for category in CATEGORIES:
        makers = rng.sample(MANUFACTURERS, rng.randint(5, 6))
        rows = []
        for _ in range(products_per_category):
            product_id = f"{rng.getrandbits(96):024x}"
            while product_id in seen:
                product_id = f"{rng.getrandbits(96):024x}"
            seen.add(product_id)
            rows.append(
                {
                    "id": product_id,
                    "type": category,
                    "name": _name(rng),
                    "color": rng.sample(COLOURS, rng.choice((1, 1, 1, 2))),
                    "price": rng.randint(1, 100),
                    "manufacturer": rng.choice(makers),
                }
            )
        data.products[category] = rows
    everything = [p["id"] for rows in data.products.values() for p in rows]
    unlisted = round(len(everything) * unlisted_share)
    data.unlisted_ids = set(rng.sample(everything, max(1, unlisted) if unlisted_share > 0 else 0))
    for manufacturer in data.manufacturers:
        orphans = round(len(data.products_of(manufacturer)) * orphan_share)
        data.orphan_ids[manufacturer] = [f"{rng.getrandbits(96):024X}" for _ in range(orphans)]
    return data
