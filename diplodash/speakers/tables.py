"""Offices by date (data/roles.yaml), publishers' home countries and known people with their name
variants (data/people.yaml): what lets a descriptor, a surname or a transcript label name a person."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

DATA = Path(__file__).resolve().parents[2] / "data"


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """A spelling-insensitive key: "Sergey Lavrov" and "Sergei Lavrov" share one."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    tokens = [t.replace("-", "") for t in re.findall(r"[a-z]+(?:-[a-z]+)*", text)
              if len(t) > 1 and t not in ("jr", "sr", "ii", "iii")]
    out = []
    for token in tokens:
        if len(token) > 3:
            for old, new in (("yy", "y"), ("iy", "y"), ("ey", "ei")):
                if token.endswith(old):
                    token = token[: -len(old)] + new
            if token.endswith("y"):
                token = token[:-1] + "i"
        out.append(token)
    if not out and re.search(r"[^\W\d_]", name):  # a script the ASCII folding erases (汪文斌, В.Путин): its own letters
        return " ".join(re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", name).lower()))
    return " ".join(out)


@dataclass
class Role:
    id: str
    aliases: list[str]
    holders: list[dict]

    def holder(self, date: pd.Timestamp | None) -> str | None:
        if date is None or pd.isna(date):
            return self.holders[-1]["name"] if len(self.holders) == 1 else None
        for holder in self.holders:
            start = pd.Timestamp(str(holder.get("from") or "1900-01-01"))
            end = pd.Timestamp(str(holder.get("to") or "2200-01-01"))
            if start <= date < end:
                return holder["name"]
        return None


DEFAULT_TABLES = (DATA / "roles.yaml", DATA / "people.yaml")


@dataclass
class Tables:
    """Offices, home countries of publishers, and known people with their name variants."""
    roles: list[Role] = field(default_factory=list)
    home_countries: dict = field(default_factory=dict)
    canonical: dict = field(default_factory=dict)    # name_key -> canonical name
    by_short: dict = field(default_factory=dict)     # surname or given name key -> [canonical names]

    @classmethod
    def load(cls, *extra: str | Path) -> "Tables":
        tables = cls()
        for path in (*DEFAULT_TABLES, *extra):
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            tables.home_countries.update(data.get("home_countries") or {})
            for role in data.get("roles") or []:
                tables.roles.append(Role(role["id"], list(role.get("aliases") or []), list(role.get("holders") or [])))
            for person in data.get("people") or []:
                tables.add_person(person["name"], person.get("aliases") or [])
        for role in tables.roles:
            for holder in role.holders:
                tables.add_person(holder["name"], [])
        tables._descriptor_re = None
        return tables

    def add_person(self, name: str, aliases: list[str]) -> None:
        for variant in [name, *aliases]:
            self.canonical.setdefault(name_key(variant), name)
        tokens = name_key(name).split()
        for short in {tokens[0], tokens[-1]} if tokens else ():
            names = self.by_short.setdefault(short, [])
            if name not in names:
                names.append(name)

    def canonical_name(self, name: str) -> str:
        return self.canonical.get(name_key(name), name)

    def descriptor_pattern(self) -> re.Pattern | None:
        if self._descriptor_re is None:
            aliases = sorted({a for r in self.roles for a in r.aliases}, key=len, reverse=True)
            self._descriptor_re = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in aliases) + r")\b", re.I) if aliases else False
        return self._descriptor_re or None

    def role_for_alias(self, text: str) -> Role | None:
        lowered = text.lower()
        for role in self.roles:
            if any(a.lower() == lowered for a in role.aliases):
                return role
        return None

    def office_holder(self, office: str, country: str | None, date) -> str | None:
        if not country:
            return None
        for role in self.roles:
            if role.id == f"{office}/{country}":
                return role.holder(date)
        return None
