"""The reference data of the corpus: taxonomy (actielijnen, themes, branches), the 28
labour-market regions with their aliases, and known organisations, read from the YAML
files in corpus/. The knowledge base stores a copy (kb.registry.sync_registry)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.model import fold

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
NATIONAL = "landelijk"


@dataclass
class Registry:
    actielijnen: list[dict]
    themes: list[dict]
    branches: list[dict]
    regions: list[dict]
    groups: list[dict]
    employers: list[dict]
    national: dict
    organisations: list[dict] = field(default_factory=list)

    def labels(self, kind: str) -> dict[str, str]:
        items = {"actielijn": self.actielijnen, "thema": self.themes, "branche": self.branches,
                 "regio": self.regions}[kind]
        return {i["id"]: i.get("label") or i["name"] for i in items}

    def region_aliases(self, places: bool = True) -> dict[str, list[str]]:
        """alias -> region ids (several for group names like 'Limburg'); with town names if `places`."""
        out: dict[str, list[str]] = {}
        for r in self.regions:
            for a in [r["name"], *r.get("aliases", []), *(r.get("places", []) if places else [])]:
                out.setdefault(a, [])
                if r["id"] not in out[a]:
                    out[a].append(r["id"])
        for g in self.groups:
            for a in [g["name"], *g.get("aliases", [])]:
                out.setdefault(a, [])
                out[a] += [x for x in g["regions"] if x not in out[a]]
        return out

    def resolve_region(self, name: str) -> list[str]:
        """A region name, alias, id or number -> region ids; [] when unknown."""
        key = fold(name.strip())
        if not key:
            return []
        if key == NATIONAL:
            return [NATIONAL]
        for r in self.regions:
            if key in (r["id"], str(r["number"]), fold(r["name"]), fold(r.get("full_name", ""))):
                return [r["id"]]
        for alias, ids in self.region_aliases().items():
            if fold(alias) == key:
                return list(ids)
        return []


@lru_cache(maxsize=4)
def load_registry(corpus_dir: Path = CORPUS_DIR) -> Registry:
    tax = yaml.safe_load((corpus_dir / "taxonomy.yaml").read_text(encoding="utf-8"))
    reg = yaml.safe_load((corpus_dir / "regions.yaml").read_text(encoding="utf-8"))
    orgs_file = corpus_dir / "organisations.yaml"
    orgs = yaml.safe_load(orgs_file.read_text(encoding="utf-8"))["organisations"] if orgs_file.exists() else []
    return Registry(
        actielijnen=tax["actielijnen"], themes=tax["themes"], branches=tax["branches"],
        regions=reg["regions"], groups=reg.get("groups", []), employers=reg.get("employers", []),
        national=reg["national"], organisations=orgs,
    )
