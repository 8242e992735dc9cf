"""Which sentence of a plan states a bottleneck? A sentence classifier trained on labelled
Dutch sentences (corpus/bench/sentences.yaml).

Classes: knelpunt (a problem the region has), succes (what went well: "het verzuim is licht
gedaald"), actie ("we gaan ... opzetten"), ambitie ("In 2026 willen wij ..."), achtergrond
(context) and bijschrift (a table or figure caption).

Features: tf-idf of accent-folded words (1-2 grams) and characters (3-5 grams within words),
plus cue features that carry the general mechanisms a reader uses: problem words, success
words, action and ambition phrases, caption openings, and the direction of a change times
what changes ("verzuim" + "gedaald" is a success, "verzuim" + "stijgt" a problem;
"aanmeldingen" + "gestegen" a success). The model is a multinomial logistic regression
(scikit-learn). Fitted parameters are stored as JSON with the sha256 of the training file:
corpus/bottleneck_classifier.json (self-contained) and
corpus/bottleneck_classifier_embeddings.json (also the sentence embeddings of the project's
encoder, weight EMBED_WEIGHT). Measured by cross-validation (ingest/evaluate.py), the model
with embeddings is clearly better (McNemar p < 0.001), so callers that have the encoder
inject it: `load_classifier(Embedding(encoder.model_id, encoder.encode_passages))`; ingest
itself may not import index. Without an encoder (or for another encoder than the one the
parameters were fitted with) the self-contained model is used.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from ingest.model import fold
from ingest.registry import CORPUS_DIR

SENTENCES_FILE = CORPUS_DIR / "bench" / "sentences.yaml"
MODEL_FILE = CORPUS_DIR / "bottleneck_classifier.json"
EMBEDDING_MODEL_FILE = CORPUS_DIR / "bottleneck_classifier_embeddings.json"
LABELS = ("knelpunt", "succes", "actie", "ambitie", "achtergrond", "bijschrift")
PROBLEM = "knelpunt"
C = 8.0                      # inverse regularisation; chosen by cross-validation (ingest/evaluate.py)
EMBED_WEIGHT = 4.0           # scale of the (unit) sentence embeddings beside tf-idf; CV grid 0.5, 1, 2, 4
MAX_SENTENCE_CHARS = 1000    # longer 'sentences' are cut before classification

# --- cue features ------------------------------------------------------------------------------

_BAD = (r"verzuim|uitval|uitvall|verloop|uitstroom|uitstrom|wachtlijst|wachttijd|tekort|agressie|werkdruk|regeldruk|"
        r"vacature|ziekmeld|administrat|inhuur|uitzendkracht|zzp|klachten|burn-?out|afhak|vertrek|overbelast|"
        r"krapte|gebrek|werkloos|druk op|kosten|ligduur|wachtenden")
_GOOD = (r"aanmeld|instroom|instrom|tevreden|stageplaats|stageplek|herintreder|zij-instromer|leerling|student|"
         r"deelnemer|sollicitant|diploma|medewerkers|personeel|opleidingsplaats|waardering|bezetting|uren|"
         r"begeleid|docent|opvolger")
_UP = r"stijg|steeg|gestegen|toene|toegenomen|neemt .*toe|nam .*toe|oplo|opgelopen|groei|hoger|verdubbel|meer dan|fors|verhoog"
_DOWN = r"daal|daalde|gedaald|afne|afgenomen|neemt .*af|nam .*af|verminder|gehalveerd|lager|minder|kromp|krimp|terugge"
CUES: dict[str, re.Pattern] = {
    "problem_word": re.compile(r"\b(?:te weinig|te veel|te hoog|te laag|te zwaar|te groot|onvoldoende|gebrek|tekort|"
                               r"krapte|moeilijk|lastig|niet genoeg|lukt niet|lukt het niet|ontbreekt|kampt|kampen|"
                               r"overbelast|onvervuld|niet vervul|knelpunt|zorgwekkend|schaars|probleem|problemen|"
                               r"achterblijft|blijft achter|stokt|hoog|hoge|slecht|versnipper|nauwelijks|geen|"
                               r"onder druk|met moeite|moeite|zorgen over|dure|duur|ten koste|niet meer|nooit|"
                               r"kwijt|verliezen|verdwijnen|ontbreken|afhankelijk|overbelasting)\b"),
    "blocked_wish": re.compile(r"\b(?:willen|wil|zouden|graag)\b.*\b(?:maar|terwijl)\b.*\b(?:niet|geen|nauwelijks)\b"),
    "success_word": re.compile(r"\b(?:dankzij|inmiddels|gelukt|geslaagd|succesvol|goed|positief|verbeterd|"
                               r"opgeleverd|opgelost|behaald|gevonden|ingevuld|vervuld|enthousiast)\b"),
    "action_phrase": re.compile(r"\b(?:we gaan|wij gaan|gaan we|gaat .* (?:opzetten|inrichten|starten)|starten|start|"
                                r"zetten|zet|richten|richt|organiseren|organiseert|ontwikkelen|ontwikkelt|bieden|"
                                r"biedt|investeren|voeren|voert|breiden|opzetten|inrichten|invoeren|introduceert|"
                                r"er komt|pakken|aanpakken|maken een|werkt .* uit|onderzoeken|ondersteunen|om .* te)\b"),
    "ambition_phrase": re.compile(r"\b(?:willen|wil|streven|streeft|streven ernaar|doel|doelen|ambitie|moet .* zijn|"
                                  r"moet|in 20\d\d|over (?:twee|drie|vijf|tien) jaar)\b"),
    "future_year": re.compile(r"\b(?:in|tot|voor|eind) 20(?:2[4-9]|3\d)\b"),
    "caption_start": re.compile(r"^(?:tabel|figuur|grafiek|afbeelding|kaart|schema|bron)\b\s*\d*\s*[.:]?"),
    "colon_list_intro": re.compile(r"(?:volgende|hieronder|onderstaande|als volgt)\b"),
    "we_subject": re.compile(r"^(?:we|wij|de partners|de regio|werkgevers|het ziekenhuis)\b"),
    "number": re.compile(r"\d"),
    "bad_up": re.compile(rf"(?:{_BAD}).*(?:{_UP})|(?:{_UP}).*(?:{_BAD})"),
    "bad_down": re.compile(rf"(?:{_BAD}).*(?:{_DOWN})|(?:{_DOWN}).*(?:{_BAD})"),
    "good_up": re.compile(rf"(?:{_GOOD}).*(?:{_UP})|(?:{_UP}).*(?:{_GOOD})"),
    "good_down": re.compile(rf"(?:{_GOOD}).*(?:{_DOWN})|(?:{_DOWN}).*(?:{_GOOD})"),
    "past_tense": re.compile(r"\b(?:is|zijn|heeft|hebben) (?:\w+ ){0,6}(?:ge\w+d|ge\w+t|ge\w+en)\b"),
    "no_verb_fragment": re.compile(r"^(?:(?!\b(?:is|zijn|wordt|worden|heeft|hebben|kan|kunnen|gaat|gaan|moet|"
                                   r"moeten|blijft|blijven|ligt|krijgen|vinden|werkt|werken|lopen|maken)\b).)*$"),
}
CUE_NAMES = tuple(CUES)


def normalise(sentence: str) -> str:
    """The text the features see: accent-folded, lowercase, one line, bullets and list
    numbers removed, cut to MAX_SENTENCE_CHARS."""
    s = fold(" ".join(sentence.split()))[:MAX_SENTENCE_CHARS]
    return re.sub(r"^(?:[-*•]|\d{1,2}[.)])\s+", "", s)


def cue_vector(sentence: str) -> np.ndarray:
    s = normalise(sentence)
    return np.array([1.0 if p.search(s) else 0.0 for p in CUES.values()], dtype=np.float64)


# --- training data ------------------------------------------------------------------------------

def training_data(path: Path = SENTENCES_FILE) -> tuple[list[str], list[str], str]:
    """(sentences, labels, sha256 of the file)."""
    raw = path.read_bytes()
    data = yaml.safe_load(raw.decode("utf-8"))
    texts, labels = [], []
    for label in LABELS:
        for s in data.get(label) or []:
            texts.append(str(s))
            labels.append(label)
    return texts, labels, hashlib.sha256(raw).hexdigest()


# --- the model ----------------------------------------------------------------------------------

def _vectorizers():
    from sklearn.feature_extraction.text import TfidfVectorizer
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w[\w-]*\b",
                            sublinear_tf=True, min_df=1, max_features=6000)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                            max_features=8000)
    return words, chars


def featurise(words, chars, sentences: list[str], embed=None, embed_weight: float = 1.0):
    from scipy.sparse import csr_matrix, hstack
    norm = [normalise(s) for s in sentences]
    parts = [words.transform(norm), chars.transform(norm), csr_matrix(np.vstack([cue_vector(s) for s in sentences]))]
    if embed is not None:
        parts.append(csr_matrix(np.asarray(embed(sentences), dtype=np.float64) * embed_weight))
    return hstack(parts).tocsr()


def fit_model(sentences: list[str], labels: list[str], *, c: float = C, embed=None, embed_weight: float = 1.0):
    """(words, chars, LogisticRegression) fitted on the sentences."""
    from sklearn.linear_model import LogisticRegression
    words, chars = _vectorizers()
    norm = [normalise(s) for s in sentences]
    words.fit(norm)
    chars.fit(norm)
    X = featurise(words, chars, sentences, embed, embed_weight)
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", solver="newton-cg")
    clf.fit(X, labels)
    return words, chars, clf


@dataclass(frozen=True)
class Embedding:
    """Sentence embeddings injected by a caller that has an encoder (ingest may not import
    index): `Embedding(encoder.model_id, encoder.encode_passages)`."""
    model_id: str
    encode: Callable[[list[str]], np.ndarray]

    def __call__(self, sentences: list[str]) -> np.ndarray:
        return np.asarray(self.encode(list(sentences)), dtype=np.float64)


@dataclass
class SentenceClassifier:
    """A fitted classifier. `probabilities(sentences)` -> one dict label -> p per sentence."""
    words: object
    chars: object
    model: object
    sha256: str
    embedding: Embedding | None = None     # set for the model with sentence embeddings
    embed_weight: float = EMBED_WEIGHT

    @property
    def signature(self) -> str:
        """Which model this is: 'lexicaal' or 'embeddings:<encoder id>', and the training file's
        sha256 (stored with what it extracted, so that a changed model reads again)."""
        kind = f"embeddings:{self.embedding.model_id}" if self.embedding is not None else "lexicaal"
        return f"{kind}@{self.sha256[:16]}"

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.model.classes_]

    def probabilities(self, sentences: list[str]) -> list[dict[str, float]]:
        if not sentences:
            return []
        X = featurise(self.words, self.chars, sentences, self.embedding, self.embed_weight)
        return [dict(zip(self.labels, map(float, row))) for row in self.model.predict_proba(X)]

    def classify(self, sentences: list[str]) -> list[str]:
        return [max(p, key=p.get) for p in self.probabilities(sentences)]


def _to_json(words, chars, clf, sha: str, embedding: Embedding | None) -> dict:
    def vec(v):
        vocab = sorted(v.vocabulary_, key=v.vocabulary_.get)
        return {"vocabulary": vocab, "idf": [round(float(x), 6) for x in v.idf_]}
    return {"about": "Knelpuntzin-classificatie (ingest/sentences.py): logistische regressie op tf-idf van woorden "
                     "en lettergrepen plus signaalkenmerken" + (" en zinsembeddings" if embedding else "")
                     + ". Opnieuw fitten: ingest.sentences.save_classifier().",
            "training_sha256": sha, "cues": list(CUE_NAMES), "C": C,
            "encoder": embedding.model_id if embedding else None,
            "embed_weight": EMBED_WEIGHT if embedding else None, "classes": [str(c) for c in clf.classes_],
            "words": vec(words), "chars": vec(chars),
            "coef": [[round(float(x), 6) for x in row] for row in clf.coef_],
            "intercept": [round(float(x), 6) for x in clf.intercept_]}


def _from_json(d: dict, embedding: Embedding | None = None) -> SentenceClassifier:
    from sklearn.linear_model import LogisticRegression
    words, chars = _vectorizers()
    for v, key in ((words, "words"), (chars, "chars")):
        v.vocabulary_ = {t: i for i, t in enumerate(d[key]["vocabulary"])}
        v.idf_ = np.asarray(d[key]["idf"], dtype=np.float64)
    clf = LogisticRegression()
    clf.classes_ = np.asarray(d["classes"])
    clf.coef_ = np.asarray(d["coef"], dtype=np.float64)
    clf.intercept_ = np.asarray(d["intercept"], dtype=np.float64)
    return SentenceClassifier(words, chars, clf, d["training_sha256"], embedding, d.get("embed_weight") or EMBED_WEIGHT)


def model_file(embedding: Embedding | None) -> Path:
    return MODEL_FILE if embedding is None else EMBEDDING_MODEL_FILE


def save_classifier(embedding: Embedding | None = None, sentences_file: Path = SENTENCES_FILE) -> SentenceClassifier:
    """Fit on the labelled sentences and store the parameters as JSON (deterministic):
    corpus/bottleneck_classifier.json, or with `embedding` corpus/bottleneck_classifier_embeddings.json
    (valid for that encoder only)."""
    texts, labels, sha = training_data(sentences_file)
    words, chars, clf = fit_model(texts, labels, embed=embedding, embed_weight=EMBED_WEIGHT)
    d = _to_json(words, chars, clf, sha, embedding)
    model_file(embedding).write_text(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n",
                                     encoding="utf-8")
    load_classifier.cache_clear()
    return _from_json(d, embedding)


@lru_cache(maxsize=4)
def load_classifier(embedding: Embedding | None = None) -> SentenceClassifier:
    """The stored classifier. With `embedding`: the model with sentence embeddings when it was
    fitted for that encoder (model id) on the current training file, else the lexical model.
    Without: the lexical model, refitted in memory when the training file changed since it
    was stored (or when the stored file is missing or unreadable)."""
    sha = hashlib.sha256(SENTENCES_FILE.read_bytes()).hexdigest()
    if embedding is not None:
        d = _stored(EMBEDDING_MODEL_FILE)
        if d and d.get("training_sha256") == sha and d.get("encoder") == embedding.model_id \
                and d.get("cues") == list(CUE_NAMES):
            return _from_json(d, embedding)
    d = _stored(MODEL_FILE)
    if d and d.get("training_sha256") == sha and d.get("cues") == list(CUE_NAMES):
        return _from_json(d)
    texts, labels, sha = training_data()
    words, chars, clf = fit_model(texts, labels)
    return SentenceClassifier(words, chars, clf, sha)


def _stored(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
