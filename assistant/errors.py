"""Errors a user can act on: each says what went wrong and what to do about it."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose."""


class StoreError(AssistantError):
    """The index folder is unusable (corrupt, foreign, locked by a newer version)."""


class LLMError(AssistantError):
    """An LLM backend failed: unreachable, timed out, refused the key, rate-limited, or returned nothing."""


def missing_extra(package: str, purpose: str, extra: str = "") -> AssistantError:
    """The error for an optional dependency that is not installed, naming the command to run."""
    command = f"pip install '.[{extra}]'" if extra else f"pip install {package}"
    return AssistantError(f"{purpose} needs the package {package!r}, which is not installed. Run: {command}")
