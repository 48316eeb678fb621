"""The kit's configuration file: one TOML file the seller writes and the kit only reads.

A file holds top-level settings (``store``, ``out``, ``downloads``, ``inbox``) and one table per
capability: ``[spapi]`` for fetching from Amazon (:mod:`oos_analysis.fetch.settings`) and
``[alerts]`` for notifications (:mod:`oos_analysis.alert`). Relative paths are taken relative to
the folder of the file that names them, so a config works from any working directory (cron).

The kit never writes a config file: credentials put in one stay where the seller put them.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "kit.toml").write_text('store = "store"\\n[spapi]\\nmarketplaces = ["amazon.com"]\\n')
>>> config = read_config(folder / "kit.toml")
>>> config.path("store") == folder / "store"
True
>>> config.section("spapi")["marketplaces"]
['amazon.com']
>>> config.section("alerts")
{}
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import InputFileError, ParameterError

__all__ = ["Config", "read_config", "EMPTY_CONFIG"]


@dataclass(frozen=True)
class Config:
    """A parsed configuration file: its ``data`` and the ``folder`` relative paths start from."""

    data: dict = field(default_factory=dict)
    folder: Path = field(default_factory=Path.cwd)
    source: str = "<no config file>"

    def get(self, key: str, default=None):
        """The top-level value ``key``, or ``default``."""
        return self.data.get(key, default)

    def section(self, name: str) -> dict:
        """The table ``[name]`` (an empty dict when absent); an error if it is not a table."""
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ParameterError(
                f"{self.source}: '{name}' must be a table ([{name}] followed by its keys), "
                f"found a {type(value).__name__}."
            )
        return value

    def path(self, key: str, default: str | os.PathLike | None = None,
             *, section: dict | None = None) -> Path | None:
        """The path under ``key`` (top level, or in ``section``), resolved against ``folder``."""
        table = self.data if section is None else section
        value = table.get(key, default)
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise ParameterError(f"{self.source}: '{key}' must be a path in quotes, found {value!r}.")
        return (self.folder / Path(value).expanduser()).resolve()

    def overlay(self, data: dict, source: str | None = None) -> Config:
        """A config with ``data``'s keys replacing this one's (tables merged one level deep)."""
        merged = dict(self.data)
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return Config(merged, self.folder, source or self.source)


EMPTY_CONFIG = Config()
"""The configuration used when no file is given: every setting at its default."""


def read_config(path: str | os.PathLike) -> Config:
    """Read the TOML file at ``path``; one clear paragraph when it is missing or malformed."""
    source = Path(path).expanduser()
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise InputFileError(
            f"{source}: no such configuration file. Create it (see the README section "
            "'Fetch from Amazon automatically') or give the right path."
        ) from None
    except OSError as exc:
        raise InputFileError(f"{source}: cannot read it ({exc.strerror}).") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ParameterError(f"{source}: is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        # The parser's message names the line and column, never the value found there.
        raise ParameterError(
            f"{source}: is not valid TOML ({exc}). Check quotes around text values, e.g. "
            'store = "data/store".'
        ) from None
    return Config(data, source.resolve().parent, str(source))
