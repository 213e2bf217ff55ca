"""The What Drops Now sandbox's dataset: sneaker brands, products, retailer offers and retailers from a seed.

`generate_wdn_dataset(seed=1, products_per_brand=300)` makes the five brands the loader asks for (Converse,
Vans, Nike, Adidas, Jordan) plus look-alike brands the search also finds ("Nike SB", "Vans Vault", ...),
`products_per_brand` products for each of the five (a few for each look-alike), offers at 1-6 retailers for
most products and none for many (`offerless_share`), and retailers of which some (`missing_retailer_share`)
answer 404. Records are kept in their API shape (JSON:API: string ids, `attributes`, prices as decimal text),
so the server only pages and wraps them. The same seed and sizes give the same data, byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Record = dict[str, Any]

BRANDS: tuple[tuple[str, str, str], ...] = (
    ("Converse", "converse.com", "American shoe company making Chuck Taylor All Stars since 1917."),
    ("Vans", "vans.com", "Skateboarding shoes and apparel from Anaheim, California, since 1966."),
    ("Nike", "nike.com", "Athletic footwear and apparel from Beaverton, Oregon."),
    ("Adidas", "adidas.com", "Sportswear from Herzogenaurach, Germany: Superstar, Samba, Stan Smith."),
    ("Jordan", "nike.com/jordan", "Michael Jordan's signature line by Nike."),
)
"""(name, website, description) of the brands the loader searches for."""

LOOKALIKE_BRANDS: tuple[tuple[str, str], ...] = (
    ("Nike SB", "nike.com/sb"),
    ("Vans Vault", "vans.com/vault"),
    ("Jordan Craig", "jordancraig.com"),
    ("Adidas Originals by Wales Bonner", "adidas.com/walesbonner"),
    ("Converse Cons", "converse.com/cons"),
)
"""Brands whose names contain a searched name: the search finds them too, the loader must not take them."""

MODELS: dict[str, tuple[str, ...]] = {
    "Converse": ("Chuck Taylor All Star Hi", "Chuck 70 Low", "One Star Pro", "Run Star Hike", "Jack Purcell"),
    "Vans": ("Old Skool", "Sk8-Hi", "Authentic", "Era", "Slip-On", "Half Cab", "Knu Skool"),
    "Nike": ("Air Max 90", "Air Force 1 Low", "Dunk Low", "Blazer Mid '77", "Air Max 1", "Cortez", "Pegasus 40"),
    "Adidas": ("Samba OG", "Gazelle", "Superstar", "Stan Smith", "Forum Low", "Ultraboost 1.0", "Campus 00s"),
    "Jordan": ("Air Jordan 1 Retro High OG", "Air Jordan 4 Retro", "Air Jordan 11 Retro", "Air Jordan 3 Retro"),
}
COLLABORATORS: dict[str, tuple[str, ...]] = {
    "Converse": ("Comme des Garcons", "Stussy", "Golf le Fleur"),
    "Vans": ("Supreme", "Fear of God", "WTAPS"),
    "Nike": ("Off-White", "Sacai", "Travis Scott", "Stussy"),
    "Adidas": ("Wales Bonner", "Pharrell", "Bad Bunny"),
    "Jordan": ("Nike", "Union", "Travis Scott"),
}
"""Second names in `brand_names` for collaborations ("Nike, Sacai"); a Jordan product may read "Jordan, Nike"."""
BASE_PRICE_USD: dict[str, tuple[int, int]] = {
    "Converse": (55, 110),
    "Vans": (50, 100),
    "Nike": (90, 190),
    "Adidas": (80, 180),
    "Jordan": (150, 230),
}
COLOURWAYS = (
    "Triple White", "Black/White", "University Red", "Infrared", "Volt", "Photon Dust", "Panda", "Bred", "Sail",
    "Pine Green", "Royal Blue", "Cream", "Navy/Gum", "Wolf Grey", "Checkerboard", "Parchment", "Mocha",
)  # fmt: skip
RETAILER_NAMES = (
    "END. Clothing", "Sneakersnstuff", "Foot Locker", "KICKS CREW", "size?", "Offspring", "Footpatrol", "Kith",
    "Concepts", "Bodega", "Solebox", "Overkill", "BSTN", "Afew", "43einhalb", "Naked Copenhagen", "Hanon",
    "Titolo", "Asphaltgold", "SNS Outlet", "Zalando", "JD Sports", "Schuh", "Office", "Urban Industry",
    "Goat Resale", "Restocks", "Flight Club", "Stadium Goods", "Laced", "Klekt", "Sole Supplier Outlet",
    "Allike", "Caliroots", "Nubian", "Patta", "Slam Jam", "Wood Wood", "Tres Bien", "Livestock",
)  # fmt: skip
CURRENCIES = ("USD", "USD", "GBP", "EUR")
USD_TO = {"GBP": Decimal("0.79"), "EUR": Decimal("0.92")}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Brand:
    id: int
    name: str
    website: str
    description: str
    is_lookalike: bool = False

    def record(self) -> Record:
        attributes = {"name": self.name, "description": self.description, "website": self.website}
        return {"id": str(self.id), "type": "brands", "attributes": attributes}


@dataclass(frozen=True)
class Product:
    id: int
    brand_id: int
    name: str
    description: str
    release_at: str | None
    brand_names: str

    def record(self) -> Record:
        attributes = {
            "name": self.name,
            "description": self.description,
            "release_at": self.release_at,
            "brand_names": self.brand_names,
        }
        return {"id": str(self.id), "type": "products", "attributes": attributes}


@dataclass(frozen=True)
class Offer:
    id: str
    product_id: int
    retailer_id: int
    original_currency: str
    price_usd: Decimal
    price_gbp: Decimal
    price_eur: Decimal

    def record(self) -> Record:
        attributes = {
            "product_id": self.product_id,
            "retailer_id": self.retailer_id,
            "original_currency": self.original_currency,
            "price_usd": str(self.price_usd),
            "price_gbp": str(self.price_gbp),
            "price_eur": str(self.price_eur),
        }
        return {"id": self.id, "type": "offers", "attributes": attributes}


@dataclass(frozen=True)
class Retailer:
    id: int
    name: str
    website: str
    is_listed: bool = True
    """False: `GET /retailers/{id}` answers 404 although offers point at it."""

    def record(self) -> Record:
        return {"id": str(self.id), "type": "retailers", "attributes": {"name": self.name, "website": self.website}}


@dataclass
class WdnDataset:
    """Everything the sandbox serves, indexed the way its endpoints look things up."""

    brands: list[Brand] = field(default_factory=list)
    products_by_brand: dict[int, list[Product]] = field(default_factory=dict)
    offers_by_product: dict[int, list[Offer]] = field(default_factory=dict)
    retailers: dict[int, Retailer] = field(default_factory=dict)

    def brand(self, brand_id: int) -> Brand | None:
        return next((brand for brand in self.brands if brand.id == brand_id), None)

    def search_brands(self, query: str) -> list[Brand]:
        """Brands whose name contains `query` (any casing), as the site's search finds them."""
        needle = query.strip().lower()
        return [brand for brand in self.brands if needle and needle in brand.name.lower()]

    def product(self, product_id: int) -> Product | None:
        return next((p for ps in self.products_by_brand.values() for p in ps if p.id == product_id), None)

    # -- what a loader asking for some brands should land (tests compare against these) --------------------
    def brands_named(self, names: Iterable[str]) -> list[Brand]:
        wanted = {name.lower() for name in names}
        return [brand for brand in self.brands if brand.name.lower() in wanted]

    def products_of(self, names: Iterable[str]) -> list[Product]:
        return [p for brand in self.brands_named(names) for p in self.products_by_brand.get(brand.id, [])]

    def offers_of(self, names: Iterable[str]) -> list[Offer]:
        return [o for p in self.products_of(names) for o in self.offers_by_product.get(p.id, [])]

    def retailers_of(self, names: Iterable[str]) -> list[Retailer]:
        ids = sorted({offer.retailer_id for offer in self.offers_of(names)})
        return [self.retailers[retailer_id] for retailer_id in ids]

    def counts(self, names: Sequence[str] | None = None) -> dict[str, int]:
        """Rows per table a load of `names` (default the five brands) lands, 404 retailers included."""
        names = names if names is not None else [name for name, _, _ in BRANDS]
        retailers = self.retailers_of(names)
        return {
            "brands": len(self.brands_named(names)),
            "products": len(self.products_of(names)),
            "offers": len(self.offers_of(names)),
            "retailers": len(retailers),
            "missing_retailers": sum(not r.is_listed for r in retailers),
            "offerless_products": sum(not self.offers_by_product.get(p.id) for p in self.products_of(names)),
        }


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _retailers(rng: random.Random, count: int, missing_share: float) -> dict[int, Retailer]:
    ids = rng.sample(range(100, 1000), count)
    missing = max(1, round(count * missing_share)) if missing_share > 0 else 0
    retailers = {}
    for n, retailer_id in enumerate(ids):
        name = RETAILER_NAMES[n % len(RETAILER_NAMES)] + (f" {n // len(RETAILER_NAMES) + 1}" if n >= 40 else "")
        slug = "".join(ch for ch in name.lower() if ch.isalnum())
        retailers[retailer_id] = Retailer(retailer_id, name, f"https://www.{slug}.com", is_listed=n >= missing)
    return retailers


def _price_factors(rng: random.Random, retailers: dict[int, Retailer]) -> dict[int, float]:
    """Each retailer's markup: outlets below list price, most around it, resellers far above."""
    factors = {}
    for retailer in retailers.values():
        kind = rng.random()
        if "Outlet" in retailer.name or kind < 0.2:
            factors[retailer.id] = rng.uniform(0.55, 0.75)
        elif "Resale" in retailer.name or retailer.name in ("Restocks", "Flight Club", "Stadium Goods") or kind > 0.9:
            factors[retailer.id] = rng.uniform(1.6, 2.4)
        else:
            factors[retailer.id] = rng.uniform(0.9, 1.3)
    return factors


def generate_wdn_dataset(
    seed: int = 1,
    products_per_brand: int = 300,
    retailers: int = 40,
    offerless_share: float = 0.4,
    missing_retailer_share: float = 0.15,
    max_offers_per_product: int = 6,
) -> WdnDataset:
    """A deterministic dataset (see the module docstring). Raises ValueError for sizes out of range."""
    if products_per_brand < 1 or retailers < max_offers_per_product or max_offers_per_product < 1:
        raise ValueError(
            "products_per_brand must be >= 1, max_offers_per_product >= 1 and retailers >= max_offers_per_product"
        )
    if not (0 <= offerless_share < 1 and 0 <= missing_retailer_share < 1):
        raise ValueError("offerless_share and missing_retailer_share must be in [0, 1)")
    rng = random.Random(f"wdn:{seed}")
    data = WdnDataset(retailers=_retailers(rng, retailers, missing_retailer_share))
    factors = _price_factors(rng, data.retailers)
    retailer_ids = sorted(data.retailers)
    brand_ids = rng.sample(range(1, 500), len(BRANDS) + len(LOOKALIKE_BRANDS))
    next_product = 10_000 + rng.randrange(5_000)
    epoch = datetime(2015, 1, 1, tzinfo=UTC)
    for n, (name, website, description) in enumerate(BRANDS):
        data.brands.append(Brand(brand_ids[n], name, f"https://www.{website}", description))
    for n, (name, website) in enumerate(LOOKALIKE_BRANDS):
        brand = Brand(brand_ids[len(BRANDS) + n], name, f"https://www.{website}", f"{name}.", is_lookalike=True)
        data.brands.append(brand)
    for brand in data.brands:
        main = next((b for b, _, _ in BRANDS if brand.name.startswith(b)), "Nike")
        count = products_per_brand if not brand.is_lookalike else rng.randint(3, 8)
        products = []
        for _ in range(count):
            next_product += rng.randint(1, 7)
            model, colourway = rng.choice(MODELS[main]), rng.choice(COLOURWAYS)
            collaborator = rng.choice(COLLABORATORS[main]) if rng.random() < 0.15 else None
            brand_names = f"{brand.name}, {collaborator}" if collaborator else brand.name
            released = epoch + timedelta(days=rng.randrange(7 * 365))
            release_at = None if rng.random() < 0.03 else released.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            product_name = f"{brand.name} {model} '{colourway}'" + (f" x {collaborator}" if collaborator else "")
            product = Product(
                id=next_product,
                brand_id=brand.id,
                name=product_name,
                description=f"The {model} in {colourway}.",
                release_at=release_at,
                brand_names=brand_names,
            )
            products.append(product)
            low, high = BASE_PRICE_USD[main]
            base = rng.uniform(low, high) * (rng.uniform(1.4, 2.6) if collaborator else 1.0)
            offers = _offers(rng, product, base, retailer_ids, factors, offerless_share, max_offers_per_product)
            data.offers_by_product[product.id] = offers
        data.products_by_brand[brand.id] = products
    return data


def _offers(
    rng: random.Random,
    product: Product,
    base_usd: float,
    retailer_ids: list[int],
    factors: dict[int, float],
    offerless_share: float,
    max_offers: int,
) -> list[Offer]:
    if rng.random() < offerless_share:
        return []
    offers = []
    for retailer_id in sorted(rng.sample(retailer_ids, rng.randint(1, max_offers))):
        usd = _money(base_usd * factors[retailer_id] * rng.uniform(0.95, 1.05))
        offers.append(
            Offer(
                id=f"{rng.getrandbits(64):016x}",
                product_id=product.id,
                retailer_id=retailer_id,
                original_currency=rng.choice(CURRENCIES),
                price_usd=usd,
                price_gbp=_money(usd * USD_TO["GBP"]),
                price_eur=_money(usd * USD_TO["EUR"]),
            )
        )
    return offers
