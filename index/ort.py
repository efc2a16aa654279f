"""Short texts (queries) through ONNX Runtime: the same model, exported once.

A sentence-transformers call per query is mostly framework overhead; the same transformer
exported to ONNX and run by ONNX Runtime gives the same vectors for a fraction of the cost, so
queries take this path and batches (the build) stay on torch. Only the layout
``Transformer -> mean Pooling [-> Normalize]`` is exported (all-MiniLM-L6-v2's); any other
model keeps to sentence-transformers. The export is checked against torch when made.

With ``int8`` the export's weights are then stored as 8-bit integers with one scale per block
of 32 (ONNX Runtime's ``MatMulNBits``), multiplied in 8-bit arithmetic; the copy is checked
against float32 when made and discarded if any probe disagrees. Blocks of 32 were chosen over
per-tensor quantization, which was cheaper but moved top-ten hits. The measurements behind
both choices: bench/findings.md ("Measurements moved from code comments").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 17
#: least cosine between ONNX and sentence-transformers vectors on the probe texts, per precision
AGREEMENT = {"float32": 0.9999, "int8": 0.999}
BLOCK = 32  # weights per 8-bit scale
_PROBE = ["Safer sleep for babies: what to tell parents.", "Babies cry, you can cope!"]


@dataclass(frozen=True)
class Layout:
    """What the model folder says about how it turns word pieces into a sentence vector."""

    max_seq_length: int
    lower_case: bool
    dimension: int


def read_layout(model_path: Path) -> Layout | None:
    """The model's layout when it is ``Transformer -> mean Pooling [-> Normalize]``, else None."""
    try:
        modules = json.loads((model_path / "modules.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pooling = json.loads((model_path / modules[1]["path"] / "config.json").read_text())
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
        if modes != ["pooling_mode_mean_tokens"]:
            return None
        config = json.loads((model_path / "sentence_bert_config.json").read_text())
        return Layout(
            max_seq_length=int(config["max_seq_length"]),
            lower_case=bool(config.get("do_lower_case", False)),
            dimension=int(pooling["word_embedding_dimension"]),
        )
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def onnx_file(name: str, model_path: Path, cache_dir: Path, precision: str = "float32") -> Path:
    """Where the export of model ``name`` (in ``model_path``) is cached, keyed by its files;
    ``precision`` ``int8`` names its quantized copy."""
    digest = hashlib.sha256(f"opset{OPSET}".encode())
    for path in sorted(model_path.glob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(name).name).strip("-")[:40] or "model"
    suffix = "" if precision == "float32" else f"-{precision}"
    return cache_dir / "onnx" / f"{slug}-{digest.hexdigest()[:12]}{suffix}.onnx"


def export(st_model: Any, target: Path) -> None:
    """Export a loaded sentence-transformers model's transformer to ``target`` (atomically).

    Needs torch and the ``onnx`` package (both in the ``search`` extra).
    """
    import torch

    transformer = st_model[0].auto_model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            out = self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.last_hidden_state

    ids = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on control flow it records as is
            torch.onnx.export(
                _Hidden().eval(),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(tmp),
                input_names=names,
                output_names=["hidden"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]},
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def quantize(source: Path, target: Path) -> None:
    """Write ``source`` to ``target`` (atomically) with its matrix weights in 8 bits, one
    scale per block of 32, multiplied in 8-bit arithmetic (``accuracy_level`` 4).

    Raises:
        ImportError: ``onnx-ir`` (which the quantizer needs) is not installed.
    """
    import logging

    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quiet = logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # it logs a line per node
    try:
        quantizer = MatMulNBitsQuantizer(
            onnx.load(str(source)), bits=8, block_size=BLOCK, is_symmetric=True, accuracy_level=4
        )
        quantizer.process()
    finally:
        quiet.setLevel(level)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    try:
        quantizer.model.save_model_to_file(str(tmp))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class OnnxEncoder:
    """Embeds texts with an exported model on ONNX Runtime; safe to call from several threads."""

    def __init__(
        self, path: Path, model_path: Path, layout: Layout, precision: str = "float32"
    ) -> None:
        """Open the exported model ``path`` (its weights in ``precision``) with the tokenizer
        of ``model_path``; it runs on one thread per call."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.layout = layout
        self.precision = precision
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=layout.max_seq_length)
        self.tokenizer.enable_padding()
        self.pieces = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.pieces.no_truncation()
        self.pieces.no_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for ``texts``, ``(len(texts), dimension)`` float32."""
        if self.layout.lower_case:
            texts = [t.lower() for t in texts]
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        vecs = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return np.asarray(vecs / np.clip(norms, 1e-12, None), dtype=np.float32)

    def truncate(self, text: str) -> tuple[str, bool]:
        """Cut ``text`` after the last word piece that fits the window (special tokens aside)."""
        window = self.layout.max_seq_length - 2
        offsets = self.pieces.encode(text, add_special_tokens=False).offsets
        if len(offsets) <= window:
            return text, False
        return text[: offsets[window - 1][1]], True


def agreement(encoder: OnnxEncoder, st_model: Any) -> float:
    """Least cosine between the encoder's and sentence-transformers' vectors on probe texts."""
    ours = encoder.embed(_PROBE)
    theirs = np.asarray(
        st_model.encode(_PROBE, normalize_embeddings=True, convert_to_numpy=True), np.float32
    )
    return float((ours * theirs).sum(axis=1).min())
