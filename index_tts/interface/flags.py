"""Command-line flags made from the settings' own fields, so a flag cannot drift from its setting.

Each flag checks its value with the field's type and range (``--max-wait 0`` is refused by argparse
with the field's own limit) and is left out of the namespace when not given, so the environment
(``INDEX_TTS_<NAME>``) and then the field's default apply.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from ..common.settings import DEFAULTS, ENV_PREFIX, Settings


def _checker(name: str, info: FieldInfo) -> Callable[[str], Any]:
    """An argparse type that validates one value against the field's type and limits."""
    adapter = TypeAdapter(Annotated[(info.annotation, *info.metadata)]) if info.metadata else TypeAdapter(info.annotation)

    def check(value: str) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(exc.errors()[0]["msg"].lower()) from exc

    check.__name__ = name  # argparse names the type in its messages
    return check


def _help(name: str, info: FieldInfo) -> str:
    default = getattr(DEFAULTS, name)
    if default is None or isinstance(default, bool) or name == "workers":  # workers: "one per core" says it
        shown = ""
    else:
        shown = f" (default {default:g})" if isinstance(default, float) else f" (default {default})"
    return f"{info.description}{shown}; env {ENV_PREFIX}{name.upper()}"


def _literal_values(info: FieldInfo) -> list[Any] | None:
    """The values of a ``Literal[...]`` field, which its flag then offers as choices."""
    return list(get_args(info.annotation)) if get_origin(info.annotation) is Literal else None


def add_flags(parser: argparse.ArgumentParser, names: Iterable[str], choices: dict[str, list[str]] | None = None) -> None:
    """Add a flag for each settings field in ``names`` (``choices``: the values a flag offers, by field)."""
    for name in names:
        info = Settings.model_fields[name]
        spec = dict((info.json_schema_extra or {}).get("flag", {}))  # type: ignore[union-attr]
        flag = "--" + name.replace("_", "-")
        if spec.get("negate"):
            parser.add_argument(f"--no-{name.replace('_', '-')}", dest=name, action="store_false", default=argparse.SUPPRESS,
                                help=_help(name, info))  # fmt: skip
        elif info.annotation is bool:
            parser.add_argument(flag, *spec.get("aliases", ()), dest=name, action="store_true", default=argparse.SUPPRESS,
                                help=_help(name, info))  # fmt: skip
        else:
            parser.add_argument(
                flag,
                *spec.get("aliases", ()),
                dest=name,
                type=_checker(name, info),
                choices=(choices or {}).get(name) or _literal_values(info),
                metavar=spec.get("metavar"),
                default=argparse.SUPPRESS,
                help=_help(name, info),
            )


def settings_from(args: argparse.Namespace, names: Iterable[str] | None = None) -> Settings:
    """The settings: the flags given in ``args`` (those of ``names`` only, when given), then the environment,
    then the defaults."""
    wanted = set(Settings.model_fields if names is None else names)
    return Settings(**{name: value for name, value in vars(args).items() if name in wanted})
