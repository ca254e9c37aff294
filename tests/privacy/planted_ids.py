"""Invented people and identifiers for the planted-PII corpus (see planted_corpus.py).

Card numbers, IBANs and NHS numbers carry valid check digits because real ones do; phone numbers,
passports and driver licences follow real national formats. Nobody here exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SEED = 20250423
KINDS = ("PERSON", "EMAIL", "PHONE", "CREDIT_CARD", "SSN", "PASSPORT", "DRIVER_LICENSE", "IBAN", "NHS",
         "IP_ADDRESS", "STREET_ADDRESS", "URL")

FIRST = ["Priya", "Marcus", "Elena", "Tomasz", "Aisha", "Daniel", "Mei", "Oluwaseun", "Sofia", "Rahul",
         "Hannah", "Diego", "Fatima", "Liam", "Ingrid", "Kwame", "Chloe", "Mateo", "Yuki", "Gabriel",
         "Amara", "Nikolai", "Leila", "Connor", "Beatriz", "Samuel", "Anika", "Jonah", "Rosa", "Emeka"]
LAST = ["Raman", "Whitfield", "Kowalczyk", "Okafor", "Lindqvist", "Castellanos", "Brennan", "Haddad",
        "Nakamura", "Adeyemi", "Moreau", "Patel", "Fischer", "Oyelaran", "Delacroix", "Sullivan", "Ivanova",
        "Mbeki", "Thornton", "Vasquez", "Albright", "Chowdhury", "Gallagher", "Novak", "Ferreira"]
STREETS = ["Maple Grove", "Kingsley", "Harbor View", "Chestnut", "Willowbrook", "Ashford", "Lakeshore",
           "Pembroke", "Juniper", "Sycamore Ridge", "Bramble", "Fairmont", "Orchard", "Hawthorne"]
US_SUFFIX = ["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Boulevard", "Place"]
UK_SUFFIX = ["Road", "Street", "Close", "Crescent", "Lane", "Terrace", "Gardens"]
US_CITIES = [("Springfield", "IL"), ("Portland", "OR"), ("Austin", "TX"), ("Columbus", "OH"),
             ("Raleigh", "NC"), ("Madison", "WI"), ("Tucson", "AZ"), ("Albany", "NY")]
UK_CITIES = ["London", "Leeds", "Bristol", "Manchester", "Norwich", "Cardiff", "Sheffield"]
US_AREA = ["212", "312", "415", "503", "512", "614", "919", "608", "520", "518"]
MAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "hotmail.co.uk"]


@dataclass
class Planted:
    """One conversation and the PII strings planted in it."""

    messages: list[dict[str, str]] = field(default_factory=list)
    planted: list[dict[str, str]] = field(default_factory=list)

    def pii(self, kind: str, text: str) -> str:
        assert kind in KINDS, kind
        if not any(p["text"] == text for p in self.planted):
            self.planted.append({"kind": kind, "text": text})
        return text

    def user(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def assistant(self, text: str) -> None:
        self.messages.append({"role": "assistant", "content": text})


# -- generators of realistic identifiers -----------------------------------------------------------------

def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    digits = luhn_complete(rng.choice(["4", "51", "53", "55"]), 16, rng)
    sep = rng.choice([" ", "-", ""])
    return sep.join(digits[i:i + 4] for i in range(0, 16, 4))


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def iban(rng: random.Random) -> str:
    country, bban = rng.choice([
        ("GB", "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
         + "".join(rng.choice("0123456789") for _ in range(14))),
        ("DE", "".join(rng.choice("0123456789") for _ in range(18))),
        ("NL", "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
         + "".join(rng.choice("0123456789") for _ in range(10))),
    ])
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    code = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4)) if rng.random() < 0.6 else code


def nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, digits)) + str(check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def us_phone(rng: random.Random) -> str:
    area, ex, line = rng.choice(US_AREA), rng.randint(201, 989), rng.randint(1000, 9999)
    return rng.choice([f"({area}) {ex}-{line}", f"{area}-{ex}-{line}", f"+1 {area} {ex} {line}",
                       f"{area}.{ex}.{line}"])


def uk_phone(rng: random.Random) -> str:
    # UK mobile ranges are 071-075 and 077-079 (076 is pagers and personal numbering)
    num = f"{rng.choice([rng.randint(7100, 7599), rng.randint(7700, 7999)])} {rng.randint(100000, 999999)}"
    return rng.choice([f"0{num}", f"+44 {num}"])


def passport(rng: random.Random) -> str:
    nine_digits = str(rng.randint(100000000, 999999999))
    return rng.choice([nine_digits, rng.choice("ACEX") + str(rng.randint(10**7, 10**8 - 1))])


def driver_license(rng: random.Random) -> str:
    return rng.choice([rng.choice("BDFGKSW") + str(rng.randint(10**6, 10**7 - 1)),  # California style
                       str(rng.randint(10**7, 10**8 - 1)),  # Texas style
                       rng.choice("HJMP") + str(rng.randint(10**11, 10**12 - 1))])  # Florida style


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "2001:db8:" + ":".join(f"{rng.randint(0, 65535):x}" for _ in range(6))
    first = rng.choice([73, 81, 98, 172, 192, 203])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


@dataclass
class Person:
    first: str
    last: str
    uk: bool
    rng: random.Random

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    def email(self) -> str:
        local = self.rng.choice([f"{self.first}.{self.last}", f"{self.first[0]}{self.last}",
                                 f"{self.first}{self.rng.randint(1, 99)}"]).lower()
        return f"{local}@{self.rng.choice(MAIL_DOMAINS)}"

    def phone(self) -> str:
        return uk_phone(self.rng) if self.uk else us_phone(self.rng)

    def address(self) -> str:
        num, street = self.rng.randint(2, 2400), self.rng.choice(STREETS)
        if self.uk:
            flat = f"Flat {self.rng.randint(1, 9)}, " if self.rng.random() < 0.4 else ""
            letters = "ABDEFGHJLNPQRSTUWXYZ"
            area = self.rng.choice(["NW", "LS", "BS", "M", "NR", "CF", "S"])
            pc = f"{area}{self.rng.randint(1, 19)} {self.rng.randint(1, 9)}{self.rng.choice(letters)}" \
                 f"{self.rng.choice(letters)}"
            city = self.rng.choice(UK_CITIES)
            return f"{flat}{num % 200} {street} {self.rng.choice(UK_SUFFIX)}, {city} {pc}"
        city, state = self.rng.choice(US_CITIES)
        unit = f", Apt {self.rng.randint(1, 40)}{self.rng.choice('ABCD')}" if self.rng.random() < 0.4 else ""
        zip_code = self.rng.randint(10000, 99999)
        return f"{num} {street} {self.rng.choice(US_SUFFIX)}{unit}, {city}, {state} {zip_code}"

    def url(self) -> str:
        handle = f"{self.first}-{self.last}".lower()
        return self.rng.choice([f"linkedin.com/in/{handle}-{self.rng.randint(10, 999)}",
                                f"https://{self.first.lower()}{self.last.lower()}.dev/portfolio",
                                f"https://github.com/{handle.replace('-', '')}{self.rng.randint(1, 99)}",
                                f"www.instagram.com/{self.first.lower()}.{self.last.lower()}"])


def new_person(rng: random.Random, uk: bool | None = None) -> Person:
    return Person(rng.choice(FIRST), rng.choice(LAST), rng.random() < 0.4 if uk is None else uk, rng)
