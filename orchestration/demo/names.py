"""Pools of fictitious names. Some carry accents, commas and quotes, as real CRM data does."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo import columns as col

FIRST_NAMES = (
    "Ava", "Ben", "Chloé", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kara", "Liam", "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoë", "Aiko", "Bruno", "Camila", "Dev",
    "Emma", "Felix", "Greta", "Hannah", "Ivan", "Jana", "Kofi", "Lena", "Marco", "Nina",
    "Oscar", "Priya", "Rafael", "Sofia", "Tomás", "Ulla", "Victor", "Wanda", "Yara", "Zane",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ito", "Jensen",
    "Kowalski", "Lambert", "Müller", "Nakamura", "O'Brien", "Petrov", "Quintero", "Rossi", "Silva",
    "Tanaka", "Ueda", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmermann", "Andersen", "Brennan",
    "Chen", "Da Silva", "Evans", "Fontaine", "Gallagher", "Haddad", "Iyer", "Johansson", "Kim",
    "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Reyes", "Schmidt", "Thompson", "Van Dijk",
    "Weber", "Young", "Zhang", "Smith",
)  # fmt: skip
COMPANY_WORDS = (
    "Northwind", "Bluepeak", "Silverline", "Redwood", "Ironbridge", "Brightwater", "Stonefield",
    "Clearpath", "Evergreen", "Highland", "Lakeside", "Meridian", "Nimbus", "Orion", "Pinecrest",
    "Quantum", "Riverstone", "Summit", "Tidewater", "Unity", "Vertex", "Westgate", "Yellowtail",
    "Zenith", "Aurora", "Beacon", "Cascade", "Delta", "Everest", "Falcon", "Granite", "Harbor",
    "Keystone", "Lumen", "Mosaic", "Nordic", "Oakridge", "Pioneer", "Crescent", "Sterling",
)  # fmt: skip
COMPANY_KINDS = (
    "Logistics", "Health", "Foods", "Robotics", "Energy", "Analytics", "Retail", "Capital",
    "Software", "Manufacturing", "Labs", "Media", "Telecom", "Motors", "Pharma", "Textiles",
    "Consulting", "Insurance", "Airlines", "Construction",
)  # fmt: skip
# Legal-form suffixes; ", Inc." puts a comma in the name (quoted in CSV).
COMPANY_SUFFIXES = ("", "", ", Inc.", " Ltd", " GmbH", " S.A.", " LLC", " AG", " B.V.", " Pty Ltd")
# A few names with double quotes and non-ASCII letters, used now and then.
ODD_COMPANY_NAMES = (
    'Café "Zur Post" GmbH',
    "Søndergaard & Søn A/S",
    "L'Atelier Créatif SARL",
    'Fábrica "El Sol", S.A.',
    "Kōbe Precision K.K.",
)
INDUSTRIES = (
    "Technology", "Healthcare", "Manufacturing", "Retail", "Finance", "Energy",
    "Transportation", "Education", "Media", "Telecommunications", "Hospitality", "Consulting",
)  # fmt: skip
TITLES = (
    "CEO", "CFO", "CTO", "VP Operations", "Head of IT", "Procurement Manager",
    "Operations Manager", "Director of Sales", "IT Manager", "Office Manager",
)  # fmt: skip


def person_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    first = col.pick(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), n))
    last = col.pick(LAST_NAMES, rng.integers(0, len(LAST_NAMES), n))
    return first, last


def company_names(rng: np.random.Generator, n: int) -> pa.Array:
    word = col.pick(COMPANY_WORDS, rng.integers(0, len(COMPANY_WORDS), n))
    kind = col.pick(COMPANY_KINDS, rng.integers(0, len(COMPANY_KINDS), n))
    suffix = col.pick(COMPANY_SUFFIXES, rng.integers(0, len(COMPANY_SUFFIXES), n))
    names = col.join(col.join(word, kind, separator=" "), suffix)
    odd = rng.random(n) < 0.01
    odd_names = col.pick(ODD_COMPANY_NAMES, rng.integers(0, len(ODD_COMPANY_NAMES), n))
    return pc.if_else(pa.array(odd), odd_names, names)


def email_local_part(first: pa.Array, last: pa.Array) -> pa.Array:
    """`first.last`, lower-case ASCII letters only."""
    joined = col.join(first, last, separator=".")
    return pc.replace_substring_regex(pc.utf8_lower(joined), r"[^a-z.]", "")


def email_domain(company: pa.Array) -> pa.Array:
    """A reserved `.example` domain from the company name."""
    word = pc.replace_substring_regex(pc.utf8_lower(company), r"[^a-z]", "")
    return col.join(pc.utf8_slice_codeunits(word, 0, 20), "example", separator=".")
