"""What the command line shows: errors only by default, more with ``-v``.

Libraries log at import (faiss's loader at INFO, bm25s at DEBUG, and onnxruntime's quantizer
configures the root logger at INFO when imported) and draw their own progress bars; a
partnership officer running ``cradle build`` needs neither. :func:`configure` installs the one
root handler first (so a library's later ``logging.basicConfig`` does nothing) and turns the
Hugging Face progress bars off unless asked for.
"""

from __future__ import annotations

import logging
import os
import sys

FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure(verbose: int = 0) -> None:
    """Set what reaches the terminal.

    Args:
        verbose: 0: warnings and errors only, no library progress bars; 1: also INFO lines
            and progress bars; 2 or more: DEBUG too.
    """
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_cradle", False)), None)
    if handler is None:
        for old in list(root.handlers):  # a library's basicConfig ran first: replace it
            root.removeHandler(old)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._cradle = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setLevel(level)  # the handler filters: loggers that set DEBUG themselves stay quiet
    root.setLevel(min(level, logging.WARNING))
    quiet = "1" if verbose <= 0 else "0"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = quiet
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error" if verbose <= 0 else "info")
    if verbose <= 0:
        os.environ["TRANSFORMERS_VERBOSITY"] = "error"
