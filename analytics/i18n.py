"""Chinese and English message catalogs.

Catalogs are TOML files in ``locales/<lang>/``; every file of a language is merged and
nested tables become dotted keys (``[error] file-empty = "..."`` → ``error.file-empty``).
Each area owns its own file so that catalogs stay readable.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
_LOCALES = Path(__file__).with_name("locales")


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of ``lang`` as a flat ``{key: template}`` dict."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")
    out: dict[str, str] = {}
    for path in sorted((_LOCALES / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out)
    return out


def normalize_lang(lang: str | None) -> str:
    """Map a locale such as ``zh-CN`` or ``en_US`` to ``zh`` or ``en``."""
    if not lang:
        return DEFAULT_LANG
    return "zh" if lang.lower().startswith("zh") else "en"


def t(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``{params}`` filled in.

    A key missing from the catalog shows as the key itself (a test keeps catalogs
    complete), so a forgotten message never crashes a page.
    """
    template = catalog(normalize_lang(lang)).get(key)
    if template is None:
        return key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


# Every ASCII punctuation mark that Markdown (CommonMark + GFM + Streamlit's directives) gives a
# meaning: links, images, emphasis, code, HTML, tables, headings, lists, maths, :emoji: and
# :colour[text]; "http:" and "www." lose their colon and dot, so no bare address is linked.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def md(value: Any) -> str:
    """``value`` (a name, a major, a file name, a URL parameter: anything a user supplied) as
    literal text inside Markdown: every Markdown character backslash-escaped, line breaks made
    spaces, so ``[x](http://evil)`` or ``![](http://evil/p.png)`` shows as typed and is never a
    link or an image. ``None`` is an empty string. ``md("a*b") == "a\\*b"``."""
    if value is None:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).splitlines()))
