"""The page language in the browser: ``<html lang>`` from the UI language (screen readers and
the browser's translate offer read it; it was always "en"), and Streamlit's and plotly's own
English texts (aria labels such as "Collapse sidebar", a select box's "Choose an option", the upload box's "Upload" and
"50MB per file", the chart and table toolbars) shown in Chinese. Streamlit has no option for
these, so a small script replaces them as they appear; the texts are catalog entries
(``[browser]`` in ``locales``)."""

from __future__ import annotations

import json
import re

import streamlit as st

from analytics import i18n

# Streamlit's and plotly's fixed English texts, by catalog key (``browser.<key>``, en = theirs)
EXACT = ("sidebar", "collapse_sidebar", "expand_sidebar", "open", "link_to_heading", "file_upload", "upload",
         "browse_files", "drag_drop", "columns", "download_csv", "search", "fullscreen", "close_fullscreen",
         "download_png", "reset_axes", "remove_file", "running", "stop", "clear", "choose_option", "no_options",
         "no_results")
# texts with a part that varies ("Help for {label}", "{size} per file • CSV, …")
PATTERNS = ("help_for", "range_start", "range_end", "per_file")

_SCRIPT = """<span class="dm-browser-text"></span><script>
(function () {
  document.documentElement.lang = %(lang)s;
  window.__dmText = {exact: %(exact)s, patterns: %(patterns)s.map(function (p) { return [new RegExp(p[0]), p[1]]; })};
  function tr(s) {
    if (!s) return null;
    var d = window.__dmText;
    if (Object.prototype.hasOwnProperty.call(d.exact, s)) return d.exact[s];
    for (var i = 0; i < d.patterns.length; i++) if (d.patterns[i][0].test(s)) return s.replace(d.patterns[i][0], d.patterns[i][1]);
    return null;
  }
  function fix() {
    document.querySelectorAll("[aria-label],[title],[data-title],[placeholder]").forEach(function (e) {
      ["aria-label", "title", "data-title", "placeholder"].forEach(function (a) {
        var v = e.getAttribute(a), n = tr(v);
        if (n !== null && n !== v) e.setAttribute(a, n);
      });
    });
    document.querySelectorAll('[data-testid="stFileUploaderDropzone"] button p, '
      + '[data-testid="stFileUploaderDropzoneInstructions"] span').forEach(function (e) {
      if (e.children.length) return;
      var v = e.textContent.trim(), n = tr(v);
      if (n !== null && n !== v) e.textContent = n;
    });
  }
  fix();
  if (!window.__dmObserver) {
    var queued = false;
    window.__dmObserver = new MutationObserver(function () {
      if (queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; fix(); });
    });
    window.__dmObserver.observe(document.body, {subtree: true, childList: true, characterData: true,
                                                attributes: true, attributeFilter: ["aria-label", "title", "data-title", "placeholder"]});
  }
})();
</script>"""


def _pattern(template: str) -> str:
    """``"Help for {label}"`` → ``"^Help for (.+)$"``; a fixed tail after the part is kept as ``(.*)``."""
    head, _, tail = re.sub(r"\{\w+\}", "\0", template).partition("\0")
    return "^" + re.escape(head) + ("(.+?)" + re.escape(tail) + "(.*)$" if tail else "(.+)$")


def _replacement(template: str, tail: bool) -> str:
    return re.sub(r"\{\w+\}", "$1", template) + ("$2" if tail else "")


def texts(lang: str) -> tuple[dict[str, str], list[list[str]]]:
    """The replacements in ``lang``: ``{shown text: text in lang}`` (both ways, so switching back
    to English undoes Chinese) and ``[[regex, replacement], ...]`` for the varying texts."""
    other = "en" if lang == "zh" else "zh"
    exact = {i18n.t(f"browser.{k}", src): i18n.t(f"browser.{k}", lang) for src in ("en", other) for k in EXACT}
    exact = {k: v for k, v in exact.items() if k != v}
    patterns = []
    if lang != "en":
        for k in PATTERNS:
            english = i18n.catalog("en")[f"browser.{k}"]
            tail = bool(re.sub(r"^.*?\{\w+\}", "", english))
            patterns.append([_pattern(english), _replacement(i18n.catalog(lang)[f"browser.{k}"], tail)])
    return exact, patterns


def apply(lang: str) -> None:
    """Set ``<html lang>`` and put Streamlit's own texts into ``lang`` (once per page run)."""
    exact, patterns = texts(lang)
    lang = lang if lang in i18n.LANGS else i18n.DEFAULT_LANG  # only a known code reaches the script
    st.html(_SCRIPT % {"lang": json.dumps("zh-CN" if lang == "zh" else "en"), "exact": json.dumps(exact, ensure_ascii=False),
                       "patterns": json.dumps(patterns, ensure_ascii=False)},
            unsafe_allow_javascript=True)
