"""Pydantic models of the JSON API (responses and request bodies); they make up /openapi.json."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb.plan_input import MAX_BOTTLENECK_CHARS, MAX_WEIGHT
from kb.plans import MAX_BOTTLENECKS
from web.params import MATCH_K


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="Waar de fout zit, bijvoorbeeld ['query', 'k'].")
    field: str | None = Field(None, description="Naam van de parameter of het veld.")
    msg: str = Field(description="Foutmelding in het Nederlands.")
    type: str = Field(description="Soort fout (technisch), bijvoorbeeld 'missing' of 'greater_than_equal'.")


class ErrorResponse(BaseModel):
    status: int
    detail: str = Field(description="Foutmelding in het Nederlands.")
    errors: list[ErrorItem] = Field(default_factory=list)


class Citation(BaseModel):
    document: str
    document_title: str
    heading: str
    start: int
    end: int
    url: str | None = Field(None, description="Pagina met de geciteerde passage gemarkeerd in de bron.")


class Source(BaseModel):
    document: str | None = None
    document_title: str | None = None
    heading: str | None = None
    start: int | None = None
    end: int | None = None
    url: str | None = None
    all: list[Citation] = Field(default_factory=list)


class Explanation(BaseModel):
    model_config = ConfigDict(extra="allow")
    sentence: str = Field(description="De zin die het best aansloot.")
    highlights: list[list[int]] = Field(description="Tekenposities [begin, eind) van de gevonden termen in de zin.")
    matched_terms: list[str]
    dense_rank: int | None = None
    lexical_rank: int | None = None
    taxonomy_overlap: dict[str, list[str]] = Field(default_factory=dict)
    reason: str = Field(description="Waarom dit resultaat gevonden is.")
    citation: str = Field(description="Bron: document en kop.")
    words: list[str] = Field(default_factory=list, description="De woorden uit de vraag die het item bevat.")
    meaning_only: bool = Field(False, description="Alleen gevonden op betekenis: het item bevat geen woord uit de vraag.")
    also_searched: list[str] = Field(default_factory=list, description="Begrippen uit de begrippenlijst die het item bevat.")
    corrections: dict[str, str] = Field(default_factory=dict, description="Getypt woord -> verbeterd woord dat het item bevat.")


class MatchWords(BaseModel):
    """The calibrated match decision, as a number and in words."""
    match: str | None = Field(None, description="'sterk', 'mogelijk' of null (geen match, of geen beslismodel).")
    match_label: str | None = Field(None, description="'Sterke match', 'Mogelijke match' of 'Geen match'; null zonder "
                                                      "beslismodel.")
    confidence: float | None = Field(None, description="Gekalibreerde kans (0 tot 1) dat het item een direct antwoord is.")
    confidence_label: str | None = Field(None, description="De zekerheid in woorden, bijvoorbeeld 'zekerheid 72%'.")
    fits: bool | None = Field(None, description="Past het item? null zonder beslismodel.")


class SearchResult(MatchWords):
    rank: int
    id: str
    type: str
    label: str | None
    type_label: str = Field(description="Koploper, Falend Vooruit, Voorbeeldpraktijk, Advies, Bouwsteen of Beleid.")
    title: str
    summary: str
    score: float
    relevance: float = Field(description="0 tot 1 binnen deze resultatenlijst (1 = beste).")
    regions: list[str]
    themes: list[str]
    actielijnen: list[str]
    branches: list[str]
    url: str
    explanation: Explanation
    source: Source


class FacetValueOut(BaseModel):
    value: str
    label: str
    count: int
    filter: dict[str, str]


class Decision(BaseModel):
    sterk: float = Field(description="Vanaf deze zekerheid heet een item een sterke match.")
    mogelijk: float = Field(description="Vanaf deze zekerheid heet een item een mogelijke match.")
    questions: int | None = Field(None, description="Aantal voorbeeldvragen waarop het beslismodel is afgesteld.")
    sterk_text: str | None = Field(None, description="De drempel in woorden, bijvoorbeeld '20%'.")
    mogelijk_text: str | None = None


class SearchResponse(BaseModel):
    query: str
    filters: dict[str, str]
    total: int = Field(description="Aantal passende resultaten (met alles=true: alle items die in aanmerking komen).")
    offset: int
    limit: int
    alles: bool = Field(False, description="true: ook de items die niet passen (gemarkeerd met fits=false).")
    decided: bool = Field(True, description="false: geen beslismodel voor dit taalmodel; alle items, zonder oordeel.")
    about_policy: bool = Field(False, description="De vraag gaat over beleid zelf: beleid telt dan als antwoord.")
    message: str | None = Field(None, description="Als niets past: dat de kennisbank (nog) geen passende praktijk heeft.")
    corrections: dict[str, str] = Field(default_factory=dict, description="Getypt woord -> woord waarop is gezocht.")
    corrected_query: str | None = Field(None, description="De vraag met de verbeterde woorden.")
    also_searched: list[str] = Field(default_factory=list, description="Ook gezocht op (uit de begrippenlijst).")
    decision: Decision | None = None
    results: list[SearchResult]
    nearest: list[SearchResult] = Field(default_factory=list, description="Als niets past: hoogstens drie items die "
                                        "het dichtst bij liggen, maar niet passen (fits=false).")
    context: list[SearchResult] = Field(default_factory=list, description="Achtergrond uit het beleid (telt niet mee "
                                        "in total).")
    facets: dict[str, list[FacetValueOut]]


class RelatedOut(BaseModel):
    id: str
    type: str
    label: str | None
    type_label: str
    title: str
    score: float
    shared_themes: list[str]
    url: str


class EntryOut(BaseModel):
    id: str
    type: str
    label: str | None
    type_label: str
    title: str
    summary: str
    body: str
    results: list[str] = Field(description="Gekwantificeerde resultaten, letterlijk uit de bron.")
    actielijnen: list[str]
    themes: list[str]
    branches: list[str]
    regions: list[str]
    organisations: list[str]
    audience: str | None
    number: str | None
    status: str
    version: int
    updated_at: str
    url: str
    sources: list[Citation]
    related: list[RelatedOut]


class PlanOut(BaseModel):
    id: str
    title: str
    example: bool
    bottlenecks: int
    updated_at: str | None = None


class RegionOut(BaseModel):
    id: str
    number: int
    name: str
    full_name: str
    employers: list[str]
    plan: PlanOut | None
    themes: list[str] = Field(description="Belangrijkste knelpuntthema's uit het plan.")
    url: str


class RegionsResponse(BaseModel):
    total: int
    offset: int
    limit: int
    regions: list[RegionOut]


class NearestOut(BaseModel):
    id: str
    title: str
    fits: bool = Field(False, description="Altijd false: niet passend, wel het dichtstbij.")
    url: str


class BottleneckOut(BaseModel):
    index: int
    label: str = Field(description="K1, K2, ...")
    text: str
    weight: float
    themes: list[str]
    actielijnen: list[str]
    branches: list[str]
    id: int | None = None
    matches: list[str] = Field(default_factory=list, description="Ids van de passende praktijken, adviezen en bouwstenen.")
    gap: bool = Field(False, description="true: geen passende praktijk in de kennisbank (een kennislacune).")
    nearest: list[NearestOut] = Field(default_factory=list, description="Bij een lacune: niet passend, wel het dichtstbij.")
    error: str | None = Field(None, description="Waarom dit knelpunt niet doorzocht kon worden.")


class Address(MatchWords):
    bottleneck: int = Field(description="Index van het knelpunt (0 = eerste).")
    text: str
    relevance: float
    sentence: str
    highlights: list[list[int]]
    reason: str


class RecommendationOut(BaseModel):
    rank: int
    id: str
    type: str
    label: str | None
    type_label: str
    title: str
    summary: str
    score: float
    in_region: bool
    regions: list[str]
    themes: list[str]
    addresses: list[Address] = Field(description="Alleen de knelpunten waar dit item bij past, met de zin die aansloot.")
    explanation: dict
    source: Source
    url: str


class MatchResponse(BaseModel):
    region: str | None
    plan: PlanOut | None
    has_plan: bool
    message: str | None = None
    decided: bool = Field(True, description="false: geen beslismodel; lacunes kunnen niet worden herkend.")
    bottlenecks: list[BottleneckOut]
    coverage: float = Field(description="Gewogen aandeel van de knelpunten met minstens één passend item (0 tot 1).")
    covered: int = Field(0, description="Aantal knelpunten met minstens één passend item.")
    coverage_text: str | None = Field(None, description="Bijvoorbeeld '4 van de 6 knelpunten (gewogen 71%)'.")
    uncovered: list[int] = Field(description="Indexen van de knelpunten zonder passende praktijk (lacunes).")
    total: int
    offset: int
    limit: int
    recommendations: list[RecommendationOut]
    advice: list[RecommendationOut]
    bouwstenen: list[RecommendationOut]
    pitfalls: list[RecommendationOut]


class SharedTheme(BaseModel):
    id: str
    label: str


class SharedStatement(BaseModel):
    statement: str
    other: str
    similarity: float


class Shared(BaseModel):
    themes: list[SharedTheme]
    statements: list[SharedStatement]


class SimilarRegionOut(BaseModel):
    region: str
    name: str
    score: float
    plan: str
    shared: Shared
    url: str


class SimilarResponse(BaseModel):
    region: str
    has_plan: bool
    message: str | None = None
    total: int
    offset: int
    limit: int
    similar: list[SimilarRegionOut]
    without_plan: list[str]


Weight = Annotated[float, Field(gt=0, le=MAX_WEIGHT, allow_inf_nan=False,
                                description=f"Een eindig getal groter dan 0 en hoogstens {MAX_WEIGHT:g}.")]


class BottleneckIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_BOTTLENECK_CHARS, description="Het knelpunt, in een of enkele zinnen.")
    weight: Weight = Field(1.0, description=f"Hoe zwaar het knelpunt telt (standaard 1; groter dan 0, hoogstens "
                                            f"{MAX_WEIGHT:g}).")


class MatchRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "bottlenecks": ["Er zijn te weinig stageplekken in de wijkverpleging.",
                        "Door de hoge werkdruk valt personeel in de ggz uit."],
        "weights": [2, 1], "region": "Drechtsteden"}]})

    bottlenecks: list[str | BottleneckIn] = Field(
        min_length=1, max_length=MAX_BOTTLENECKS,
        description="De knelpunten: tekst, of {text, weight}.")
    weights: list[Weight] | None = Field(None, max_length=MAX_BOTTLENECKS,
                                         description=f"Gewichten in dezelfde volgorde (elk groter dan 0 en hoogstens "
                                                     f"{MAX_WEIGHT:g}).")
    region: str | None = Field(None, max_length=200,
                               description="Regio (naam, nummer of id); markeert wat al in de regio loopt.")
    k: int = Field(10, **MATCH_K, description="Aantal aanbevolen praktijken.")

    @field_validator("bottlenecks")
    @classmethod
    def _texts(cls, v):
        for item in v:
            text = item if isinstance(item, str) else item.text
            if not text.strip():
                raise ValueError("Een knelpunt mag niet leeg zijn.")
            if len(text) > MAX_BOTTLENECK_CHARS:
                raise ValueError(f"Een knelpunt mag hoogstens {MAX_BOTTLENECK_CHARS} tekens lang zijn.")
        return v

