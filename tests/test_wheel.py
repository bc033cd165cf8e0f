"""The built wheel works on its own: it holds every module and prompt, and an installed copy of it,
away from the repository and its editable install, renders its packaged prompts and answers with citations.

The wheel is built from a copy of the files the build reads (pyproject.toml, README.md, assistant/,
prompts/), so the checkout gets no build/ folder and its egg-info is left alone. Building needs no
network when setuptools is in the venv (`--no-build-isolation`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

BUILD_INPUTS = ["pyproject.toml", "README.md", "assistant", "prompts"]
PROMPT_NAMES = sorted(p.stem for p in (ROOT / "prompts").glob("*.txt"))

ARTICLE = """\
---
title: The Lighthouse of Varn
author: Ines Carlow
date: 2023-09-02
tags: [History, Lighthouses]
---

# The Lighthouse of Varn

## Building the Tower

The lighthouse of Varn was built in 1852 by the engineer Mara Tellis, who designed its tower of grey granite.
Its lamp burned whale oil until 1911, when the harbour board replaced it with an electric lamp.

## The Keepers

Three families kept the light over a century. The last keeper, Oskar Brand, left the island in 1964,
when the light was automated.
"""

# Run by a fresh interpreter with -I (no PYTHONPATH, no user site, not the current folder on sys.path).
# The venv's site-packages still supplies the dependencies; its editable install of `assistant` is a
# finder appended to sys.meta_path, so the wheel's copy, first on sys.path, is found before it.
INSTALLED_RUN = """
import json, sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
names = json.loads(sys.argv[2])

import assistant
from assistant import Assistant, Settings
from assistant.llm import prompts

settings = Settings.load(env={}, index_dir=Path("index"))
out = {
    "assistant_file": assistant.__file__,
    "prompts_dir_setting": None if settings.prompts_dir is None else str(settings.prompts_dir),
    "packaged_dir": str(prompts.packaged_prompts_dir()),
    "prompts": {},
}
for name in names:
    variables = prompts.load_prompt(name, settings.prompts_dir).input_variables
    out["prompts"][name] = {
        "path": str(prompts.prompt_path(name, settings.prompts_dir)),
        "text": prompts.prompt_text(name, settings.prompts_dir),
        "rendered": prompts.render(name, settings.prompts_dir, **{v: f"<<{v}>>" for v in variables}),
        "variables": sorted(variables),
    }

bot = Assistant.from_settings(settings)
report = bot.ingest([Path("lighthouse.md")], progress=False)
out["ingested"] = len(bot.articles())
out["failed"] = [str(f) for f in report.failed]
out["answer"] = bot.ask("Who built the lighthouse of Varn?").to_dict()
out["modules"] = {
    name: getattr(module, "__file__", None)
    for name, module in sys.modules.items()
    if name == "assistant" or name.startswith("assistant.")
}
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the current sources."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(path, src / name)
    offline = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", *offline, "-w", str(work / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (found,) = (work / "dist").glob("article_assistant-*.whl")
    return found


def test_the_wheel_holds_every_module_subpackage_and_prompt(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    modules = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "assistant").rglob("*.py") if "__pycache__" not in p.parts
    }
    subpackages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "assistant").rglob("__init__.py")}
    assert {"assistant/ingest", "assistant/index", "assistant/answer", "assistant/llm"} <= subpackages
    assert {f"{s}/__init__.py" for s in subpackages} <= names
    assert sorted(modules - names) == []
    assert PROMPT_NAMES, "no prompts found in prompts/"
    assert sorted({f"assistant/prompts/{n}.txt" for n in PROMPT_NAMES} - names) == []
    assert "assistant/prompts/__init__.py" in names
    assert "assistant = assistant.cli.main:main" in entry_points


def test_the_installed_wheel_renders_its_prompts_and_answers_with_citations(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "run"  # outside the repository: no assistant.toml, no checkout on sys.path
    run.mkdir()
    (run / "lighthouse.md").write_text(ARTICLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "PYTHON"))}
    env["HF_HUB_OFFLINE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-I", "-c", INSTALLED_RUN, str(site), json.dumps(PROMPT_NAMES)],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.rsplit("RESULT ", 1)[1])

    # The wheel's copy was imported, every module of it, and none from the checkout.
    assert Path(out["assistant_file"]).is_relative_to(site), out["assistant_file"]
    strays = {name: file for name, file in out["modules"].items() if file and not Path(file).is_relative_to(site)}
    assert strays == {}

    # The default prompts_dir (None) means the packaged prompts, and they are the repository's files.
    assert out["prompts_dir_setting"] is None
    assert Path(out["packaged_dir"]) == site / "assistant" / "prompts"
    assert sorted(out["prompts"]) == PROMPT_NAMES
    for name, got in out["prompts"].items():
        assert Path(got["path"]) == site / "assistant" / "prompts" / f"{name}.txt"
        assert got["text"] == (ROOT / "prompts" / f"{name}.txt").read_text(encoding="utf-8").strip("\n")
        for variable in got["variables"]:
            assert f"<<{variable}>>" in got["rendered"], (name, variable)

    # It ingests an article and answers from it, citing it.
    assert (out["ingested"], out["failed"]) == (1, [])
    answer = out["answer"]
    assert not answer["abstained"], answer
    assert "Mara Tellis" in answer["answer"]
    assert answer["citations"], answer
    assert "[1]" in answer["answer"]
    assert answer["citations"][0]["title"] == "The Lighthouse of Varn"
    assert "Mara Tellis" in answer["citations"][0]["text"]
