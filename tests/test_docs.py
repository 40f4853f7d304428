"""The docs cannot rot: the tutorial's code runs, the config reference is the generated one, links resolve."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from topoevo.config.reference import render
from topoevo.interop.neat_python_config import KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FILE_MARK = re.compile(r"^# file: (\S+)\n")


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_config_reference_is_up_to_date():
    current = (DOCS / "config.md").read_text(encoding="utf-8")
    assert current == render(), ("docs/config.md is stale: regenerate it with "
                                 "`python -m topoevo.config.reference > docs/config.md`")


def test_config_reference_covers_every_key():
    import dataclasses

    from topoevo.config import SECTIONS

    text = (DOCS / "config.md").read_text(encoding="utf-8")
    for section, cls in SECTIONS.items():
        assert f"## `[{section}]`" in text
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in text, f"{section}.{f.name}"


def test_tutorial_code_runs(tmp_path):
    """Blocks starting with ``# file: NAME`` are written to NAME; the others run in order as one script."""
    blocks = python_blocks((DOCS / "tutorial.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    script = []
    for block in blocks:
        m = FILE_MARK.match(block)
        if m:
            (tmp_path / m.group(1)).write_text(block, encoding="utf-8")
        else:
            script.append(block)
    (tmp_path / "tutorial.py").write_text("\n".join(script), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]),
               PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "tutorial.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "solved: True" in proc.stdout
    assert (tmp_path / "runs" / "compare" / "champion.dot").is_file()


def test_neat_python_doc_names_every_key():
    text = (DOCS / "neat-python.md").read_text(encoding="utf-8")
    groups = re.findall(r"`(\w+)_\*`", text)  # `weight_*` documents every weight_ key
    for section, keys in KEYS.items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"`{key}`" in text or any(key.startswith(g + "_") for g in groups), \
                f"{section}.{key} is not documented"


def test_readme_and_docs_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/tutorial.md" in readme and "docs/config.md" in readme
    for doc in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+\.md)\)", doc.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (doc.parent / target).is_file(), f"{doc.name} links to missing {target}"
