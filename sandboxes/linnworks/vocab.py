"""Word lists the sandbox draws its car-parts catalogue, customers and channels from (constants only)."""

from __future__ import annotations

ZERO_GUID = "00000000-0000-0000-0000-000000000000"

# (code used in SKUs, category name, part names sold in it, weight range kg, purchase price range GBP)
CATEGORIES: tuple[tuple[str, str, tuple[str, ...], tuple[float, float], tuple[float, float]], ...] = (
    (
        "BRK",
        "Brakes",
        ("Front Brake Pads Set", "Rear Brake Pads Set", "Front Brake Discs Pair", "Rear Brake Shoes Set"),
        (0.8, 9.0),
        (6.0, 48.0),
    ),
    (
        "FLT",
        "Filters",
        ("Oil Filter", "Air Filter", "Cabin Pollen Filter", "Fuel Filter"),
        (0.1, 0.9),
        (2.5, 14.0),
    ),
    (
        "SUS",
        "Suspension",
        ("Front Shock Absorber", "Rear Coil Spring", "Anti Roll Bar Drop Link", "Front Lower Control Arm"),
        (0.4, 6.5),
        (7.0, 65.0),
    ),
    (
        "CLT",
        "Clutch",
        ("Clutch Kit 3 Piece", "Clutch Release Bearing", "Clutch Master Cylinder"),
        (0.3, 8.0),
        (12.0, 140.0),
    ),
    ("IGN", "Ignition", ("Spark Plug", "Ignition Coil Pack", "Glow Plug"), (0.05, 0.7), (2.0, 38.0)),
    (
        "EXH",
        "Exhaust",
        ("Exhaust Back Box", "Exhaust Mounting Rubber", "Exhaust Centre Section"),
        (0.1, 9.0),
        (3.0, 90.0),
    ),
    (
        "ENG",
        "Engine",
        ("Timing Belt Kit", "Water Pump", "Auxiliary Drive Belt", "Engine Mount"),
        (0.2, 3.5),
        (5.0, 85.0),
    ),
    (
        "ELE",
        "Electrical",
        ("Alternator", "Starter Motor", "ABS Wheel Speed Sensor", "Lambda Oxygen Sensor"),
        (0.1, 7.0),
        (9.0, 160.0),
    ),
    ("COO", "Cooling", ("Radiator", "Thermostat", "Coolant Expansion Tank"), (0.2, 6.0), (4.0, 95.0)),
    (
        "STE",
        "Steering",
        ("Outer Track Rod End", "Inner Tie Rod", "Steering Rack Gaiter Kit"),
        (0.2, 1.5),
        (3.5, 40.0),
    ),
    (
        "WIP",
        "Wipers",
        ("Wiper Blade 24in", "Wiper Blade 16in", "Rear Wiper Blade 12in"),
        (0.1, 0.4),
        (2.0, 12.0),
    ),
    (
        "LGT",
        "Lighting",
        ("Headlight Bulb H7 Twin Pack", "Rear Tail Light Left", "Number Plate Lamp"),
        (0.05, 2.5),
        (1.5, 75.0),
    ),
)

# (code used in SKUs, brand name as it appears in titles)
BRANDS: tuple[tuple[str, str], ...] = (
    ("FPS", "FirstPart"),
    ("BOS", "Bosch"),
    ("MTX", "Mintex"),
    ("VAL", "Valeo"),
    ("TRW", "TRW"),
    ("LUK", "LuK"),
    ("GAT", "Gates"),
    ("NGK", "NGK"),
    ("MAH", "Mahle"),
    ("SKF", "SKF"),
    ("DEN", "Denso"),
    ("BLP", "Blue Print"),
)

VEHICLES: tuple[str, ...] = (
    "Ford Focus Mk3 2011-2018",
    "Ford Fiesta Mk7 2008-2017",
    "Vauxhall Astra J 2009-2015",
    "Vauxhall Corsa D 2006-2014",
    "VW Golf Mk6 2008-2013",
    "VW Polo 6R 2009-2017",
    "BMW 3 Series E90 2005-2012",
    "Audi A4 B8 2008-2015",
    "Nissan Qashqai J10 2007-2013",
    "Toyota Yaris XP90 2005-2011",
    "Peugeot 208 2012-2019",
    "Renault Clio IV 2012-2019",
    "Skoda Octavia Mk3 2013-2020",
    "Honda Civic FK 2012-2017",
    "Mercedes C-Class W204 2007-2014",
)

PLACEMENTS: tuple[str, ...] = (
    "Front",
    "Rear",
    "Front Left",
    "Front Right",
    "Rear Left",
    "Rear Right",
    "Universal",
)

SUPPLIERS: tuple[tuple[str, str], ...] = (
    ("Euro Car Parts Trade", "GBP"),
    ("GSF Car Parts", "GBP"),
    ("Parts Alliance Wholesale", "GBP"),
    ("Motor Factors Direct", "GBP"),
    ("Autoteile Großhandel GmbH", "EUR"),
)

# (Source, SubSource) pairs: several eBay stores, Amazon and a web shop.
CHANNELS: tuple[tuple[str, str], ...] = (
    ("EBAY", "fastpartsuk"),
    ("EBAY", "autospares-direct"),
    ("EBAY", "carbits4less"),
    ("AMAZON", "Amazon UK"),
    ("SHOPIFY", "fastparts.co.uk"),
)

# (Vendor, PostalServiceName, PostalServiceCode, postage inc. VAT)
POSTAL_SERVICES: tuple[tuple[str, str, str, float], ...] = (
    ("Royal Mail", "Royal Mail Tracked 48", "TPS48", 0.0),
    ("Royal Mail", "Royal Mail Tracked 24", "TPN24", 3.99),
    ("DPD", "DPD Next Day", "DPD12", 6.95),
    ("Evri", "Evri 48 Standard", "EVR48", 0.0),
)

PAYMENT_METHODS: tuple[str, ...] = ("PayPal", "Managed Payments", "Amazon Pay", "Shopify Payments", "Card")

FIRST_NAMES: tuple[str, ...] = (
    "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "William",
    "Amelia", "Olivia", "Isla", "Emily", "Poppy", "Ava", "Isabella", "Jessica", "Lily", "Sophie",
    "Mohammed", "Priya", "Aleksander", "Siobhan", "Gareth", "Rhian", "Callum", "Niamh", "Tariq", "Mei",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Patel", "Khan", "Nowak", "O'Brien", "Hughes", "MacLeod", "Okafor", "Chen", "Kowalski", "Ahmed",
)  # fmt: skip

STREETS: tuple[str, ...] = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane",
    "Queens Road", "The Crescent", "Manor Way", "Hawkesworth Drive", "Kingsway", "Elm Grove",
)  # fmt: skip

# (Town, Region, postcode area)
TOWNS: tuple[tuple[str, str, str], ...] = (
    ("Leeds", "West Yorkshire", "LS"),
    ("Bagshot", "Surrey", "GU"),
    ("Birmingham", "West Midlands", "B"),
    ("Manchester", "Greater Manchester", "M"),
    ("Bristol", "Avon", "BS"),
    ("Cardiff", "South Glamorgan", "CF"),
    ("Glasgow", "Lanarkshire", "G"),
    ("Norwich", "Norfolk", "NR"),
    ("Exeter", "Devon", "EX"),
    ("Newcastle upon Tyne", "Tyne and Wear", "NE"),
    ("Belfast", "County Antrim", "BT"),
    ("Southampton", "Hampshire", "SO"),
)

NOTES: tuple[str, ...] = (
    "Customer asked for a VAT invoice",
    "Please leave with neighbour if out",
    "Checked fitment against reg plate",
    "Resent tracking number to buyer",
)
