"""The package's shape: stages import one way (core -> ingest -> index -> answer -> llm -> api -> eval -> ui/cli),
no import cycle anywhere (lazy imports inside functions included), and a small public API."""

from __future__ import annotations

import ast
from pathlib import Path

import assistant

PACKAGE = Path(assistant.__file__).resolve().parent
LAYERS = {
    "settings": 0,
    "models": 0,
    "errors": 0,
    "text": 0,
    "ingest": 1,
    "index": 2,
    "answer": 3,
    "llm": 4,
    "api": 5,
    "eval": 6,
    "ui": 7,
    "cli": 7,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The `assistant.*` modules `path` imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] == "assistant":
                for alias in node.names:  # `from . import x` imports the submodule x
                    candidate = f"{base}.{alias.name}"
                    out.add(candidate if _exists(candidate) else base)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "assistant"}
    out.discard(name)
    return {m for m in out if _exists(m)}


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in PACKAGE.rglob("*.py") if "prompts" not in p.parts}


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_no_import_cycles() -> None:
    deps, cycles = graph(), []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(deps.get(node, ())):
            if dep in {"assistant", *[m for m in deps if m.endswith(".__init__")]}:
                continue
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for node in sorted(deps):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_imports_flow_down_the_layers() -> None:
    upward = [
        (m, d)
        for m, ds in graph().items()
        for d in ds
        if layer(m) is not None and layer(d) is not None and layer(d) > layer(m)
    ]  # type: ignore[operator]
    assert upward == []


def test_the_graph_sees_real_imports() -> None:
    """The checks above would pass on an empty graph: make sure they read the imports."""
    deps = graph()
    assert "assistant.answer.retrieval" in deps["assistant.answer.answerer"]
    assert "assistant.index.index" in deps["assistant.answer.retrieval"]
    assert "assistant.eval.records" in deps["assistant.eval.report"]
    assert "assistant.llm.chain" in deps["assistant.api"]  # a lazy import counts too


def test_public_api() -> None:
    names = {
        "Assistant",
        "Settings",
        "Answer",
        "Citation",
        "ChatSession",
        "Filters",
        "ArticleInfo",
        "IngestReport",
        "AssistantError",
        "LLMError",
    }
    assert set(assistant.__all__) == names
    assert all(getattr(assistant, n) is not None for n in names)
