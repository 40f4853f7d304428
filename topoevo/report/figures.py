"""matplotlib figures without pyplot: a Figure on an Agg canvas (headless, no global backend switch) and saving it
atomically. Shared by the run plots (plots.py) and the genome drawings (draw.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from topoevo.errors import TopoevoError
from topoevo.files import atomic_output


def require_matplotlib(source: str | Path | None = None) -> None:
    """Raise a one-line error unless matplotlib (the ``plot`` extra) is installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise TopoevoError("plotting needs matplotlib: pip install 'topoevo[plot]'", source=source,
                           field="matplotlib") from None


def new_figure(width: float = 8.0, height: float = 4.5) -> Any:
    """A matplotlib ``Figure`` on an Agg canvas (no pyplot state)."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` atomically; the format follows the suffix (default png)."""
    path = Path(path)
    with atomic_output(path, suffix=path.suffix) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".").lower() or "png")
    return path


__all__ = ["require_matplotlib", "new_figure", "save_figure"]
