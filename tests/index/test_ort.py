"""Which models the ONNX query path takes: read from the model folder, without loading it."""

from __future__ import annotations

import json
from pathlib import Path

from cradle.core.datadir import DataDir
from cradle.index.ort import Layout, onnx_file, read_layout


def _model(folder: Path, kinds: list[str], pooling: dict[str, object]) -> Path:
    modules = [
        {"idx": i, "name": str(i), "path": "" if i == 0 else f"{i}_{k}", "type": f"st.{k}"}
        for i, k in enumerate(kinds)
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    for m in modules[1:]:
        (folder / str(m["path"])).mkdir()
        (folder / str(m["path"]) / "config.json").write_text(json.dumps(pooling))
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    return folder


MEAN = {"word_embedding_dimension": 384, "pooling_mode_mean_tokens": True}


def test_mean_pooled_transformer_is_exported(tmp_path: Path) -> None:
    model = _model(tmp_path, ["Transformer", "Pooling", "Normalize"], MEAN)
    assert read_layout(model) == Layout(max_seq_length=128, lower_case=False, dimension=384)


def test_other_layouts_stay_on_torch(tmp_path: Path) -> None:
    cls = {"word_embedding_dimension": 384, "pooling_mode_cls_token": True}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert read_layout(_model(tmp_path / "a", ["Transformer", "Pooling"], cls)) is None
    dense = _model(tmp_path / "b", ["Transformer", "Pooling", "Dense"], MEAN)
    assert read_layout(dense) is None
    assert read_layout(tmp_path / "missing") is None


def test_export_is_keyed_by_the_model_files(tmp_path: Path) -> None:
    model = _model(tmp_path, ["Transformer", "Pooling"], MEAN)
    cache = DataDir(tmp_path).cache_dir
    first = onnx_file("sentence-transformers/all-MiniLM-L6-v2", model, cache)
    assert first.parent == cache / "onnx" and first.name.startswith("all-MiniLM")
    assert onnx_file("all-MiniLM-L6-v2", model, cache) == first
    small = onnx_file("all-MiniLM-L6-v2", model, cache, "int8")
    assert small != first and small.name == first.name.replace(".onnx", "-int8.onnx")
    (model / "model.safetensors").write_bytes(b"other weights")
    assert onnx_file("all-MiniLM-L6-v2", model, cache) != first
