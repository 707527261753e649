"""The methods note: ``docs/METHODS.md`` (English) and ``docs/METHODS.zh.md`` (Chinese),
the one statement of every definition, read as sections for the meeting pack's
appendix, the dashboard's methods page and the export archives.

Each ``## Title`` of the document opens a section, and the ``<a id="key"></a>`` line under
it names the section (``headlines.METHODS`` links a headline to its section). Both
languages have the same keys in the same order (a test checks it). Paragraphs and
bullet lists are kept; inline code marks and emphasis are dropped for plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analytics import schema
from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.i18n import t

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILES = {"en": "METHODS.md", "zh": "METHODS.zh.md"}
_ANCHOR = re.compile(r'^<a id="([a-z0-9-]+)"></a>$')


@dataclass(frozen=True)
class Section:
    """One section of the methods note: its paragraphs (``p``) and bullets (``li``) in
    document order, each as written (inline Markdown kept, soft line breaks joined)."""

    key: str
    title: str
    blocks: tuple[tuple[str, str], ...]

    @property
    def plain(self) -> tuple[tuple[str, str], ...]:
        """The blocks as plain text (code marks and emphasis dropped), for the report."""
        return tuple((kind, _plain(text)) for kind, text in self.blocks)

    @property
    def markdown(self) -> str:
        """The body as Markdown, one paragraph or bullet per line, for a screen."""
        out: list[str] = []
        for i, (kind, text) in enumerate(self.blocks):
            if kind == "p" and i:
                out.append("")
            out.append(f"- {text}" if kind == "li" else text)
            if kind == "p":
                out.append("")
        return "\n".join(out).strip()


def path(lang: str) -> Path:
    """The methods document of ``lang``."""
    return DOCS / FILES["zh" if lang == "zh" else "en"]


@cache
def markdown(lang: str) -> str:
    """The methods document of ``lang`` as written (what the export archives carry)."""
    file = path(lang)
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        raise AnalyticsError("report-methods-missing", path=str(file), detail=e.strerror or str(e)) from e


def _plain(text: str) -> str:
    """Markdown inline marks removed: `code`, **bold**, *italic*."""
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    return re.sub(r"(?<!\w)\*([^*]+)\*(?!\w)", r"\1", text)


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _join(lines: list[str]) -> str:
    """Soft-wrapped lines as one line: a space between words, none between Chinese characters."""
    out = lines[0]
    for line in lines[1:]:
        glue = "" if _CJK.match(out[-1:]) or _CJK.match(line[:1]) else " "
        out += glue + line
    return out


@cache
def sections(lang: str) -> tuple[Section, ...]:
    """The ``##`` sections of the methods document, in order (the introduction before the
    first section is the note's preface, ``key`` "intro")."""
    out: list[Section] = []
    key, title, blocks, current = "intro", "", [], None

    def flush_block() -> None:
        nonlocal current
        if current is not None:
            blocks.append((current[0], _join(current[1])))
            current = None

    def flush_section() -> None:
        flush_block()
        if blocks or title:
            out.append(Section(key, title, tuple(blocks)))

    for raw in markdown(lang).splitlines():
        line = raw.strip()
        if line.startswith("# "):
            continue
        if line.startswith("## "):
            flush_section()
            key, title, blocks = "", _plain(line[3:].strip()), []
            continue
        anchor = _ANCHOR.match(line)
        if anchor:
            key = anchor.group(1)
            continue
        if not line:
            flush_block()
        elif line.startswith("- "):
            flush_block()
            current = ("li", [line[2:]])
        elif current is not None:
            current[1].append(line)
        else:
            current = ("p", [line])
    flush_section()
    return tuple(out)


def section(lang: str, key: str) -> Section:
    """The section ``key`` of the methods note."""
    for s in sections(lang):
        if s.key == key:
            return s
    raise KeyError(key)


def settings_rows(s: Settings, lang: str) -> list[tuple[str, str]]:
    """The settings in force, as (setting, value) rows beside the definitions."""
    pct = lambda x: f"{100 * x:g}%"  # noqa: E731
    unit = t(f"certificates.measure.{s.comparison_unit}", lang)
    return [
        (t("report.setting.small_n", lang), f"{s.small_n}"),
        (t("report.setting.comparison_unit", lang), unit),
        (t("report.setting.satisfied_threshold", lang), f"{s.satisfied_threshold:g}%"),
        (t("report.setting.placed", lang), t("report.list_sep", lang).join(
            schema.label("status", x, lang) for x in s.placed_statuses())),
        (t("report.setting.weights", lang), " / ".join(pct(w) for w in s.weights)),
        (t("report.setting.visits_per_month", lang), f"{s.visits_per_month}"),
        (t("report.setting.teaching_per_semester", lang), f"{s.teaching_per_semester}"),
        (t("report.setting.mentor_years", lang), f"{s.school_mentor_min_years:g} / {s.enterprise_mentor_min_years:g}"),
        (t("report.setting.target_pass_rate", lang), f"+{pct(s.targets.pass_rate_improvement)}"),
        (t("report.setting.target_employment", lang), pct(s.targets.initial_employment)),
        (t("report.setting.target_satisfaction", lang), f"+{pct(s.targets.satisfaction_improvement)}"),
        (t("report.setting.target_compliance", lang), pct(s.targets.compliance)),
        (t("report.setting.agreement_expiry", lang), f"{s.agreement_expiry_days}"),
        (t("report.setting.practice_rule", lang), t("training.rule", lang, months=f"{s.practice_months:g}",
                                                    years=s.practice_years)),
        (t("report.setting.recognition", lang), f"{s.recognition_min_score:g} / {pct(s.recognition_min_compliance)} / "
                                                 f"{s.recognition_min_satisfaction:g}"),
    ]


def methods_note(lang: str, settings: Settings | None = None) -> str:
    """The methods note as Markdown, for an export archive (``METHODS.md`` in it): the
    methods document of ``lang``, followed by the settings in force when given."""
    text = markdown(lang).rstrip() + "\n"
    if settings is None:
        return text
    rows = "\n".join(f"| {name} | {value} |" for name, value in settings_rows(settings, lang))
    head = t("report.meth.settings", lang)
    return (f"{text}\n## {head}\n\n| {t('report.col.setting', lang)} | {t('report.col.value', lang)} |\n"
            f"| --- | --- |\n{rows}\n")
