"""Errors that stop a run with one clear line (exit code 2), before any work is done."""

from __future__ import annotations


class CrosscheckError(Exception):
    """A problem the user must fix: the message names the file, and the key, row or field."""

    exit_code = 2


class ConfigError(CrosscheckError):
    """The month config or a rules folder is invalid, or names a file or sheet that is not there."""


class InputError(CrosscheckError):
    """An input file cannot be read at all (encoding, format, a mapped column missing)."""
