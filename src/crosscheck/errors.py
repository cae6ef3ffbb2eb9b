"""Errors that stop a run with one clear line (exit code 2), before any work is done."""

from __future__ import annotations


class CrosscheckError(Exception):
    """A problem the user must fix: the message names the file, and the key, row or field."""

    exit_code = 2


class ConfigError(CrosscheckError):
    """The month config or a rules folder is invalid, or names a file or sheet that is not there."""


class InputError(CrosscheckError):
    """An input file cannot be read at all (encoding, format, a mapped column missing)."""


def safe_load_yaml(text: str):
    """yaml.safe_load with libyaml's C parser where PyYAML has it (the rules folder parses in a
    tenth of the time): the same documents; a syntax error is worded by libyaml, not PyYAML."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_settings_file(path, model):
    """A YAML settings file of a rules folder (matching.yaml, graph.yaml) validated by a pydantic
    model; any problem is one ConfigError line naming the file and the key."""
    import yaml
    from pydantic import ValidationError

    if not path.is_file():
        raise ConfigError(f"{path.parent}: {path.name} not found")
    try:
        return model.model_validate(safe_load_yaml(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path.name}: not valid YAML: {str(e).splitlines()[0]}") from None
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        msg = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path.name}: {loc + ': ' if loc else ''}{msg}") from None
