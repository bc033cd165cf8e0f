"""Start the web UI on the shipped corpus: `python app.py`, then open http://127.0.0.1:7860.

Settings come from `assistant.toml` and `ASSISTANT_*` variables (host, port, index_dir, ...);
set ASSISTANT_UI_USERNAME and ASSISTANT_UI_PASSWORD to require a login; `--share` also opens a
public gradio.live link (never by default).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import Assistant, Settings  # after the environment above is set
from assistant.errors import AssistantError
from assistant.settings import SettingsError
from assistant.ui.launch import serve


def main() -> None:
    """Build settings and the assistant, index the corpus folder if it changed, and serve."""
    try:
        assistant = Assistant.from_settings(Settings.load())
        serve(assistant, share="--share" in sys.argv[1:])  # a public link only when asked for
    except (AssistantError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))


if __name__ == "__main__":
    main()
