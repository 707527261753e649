"""The section the meeting pack opens with: last meeting's actions (issue 19).

The actions of the latest meeting on or before the store's today, and every earlier one
still open (``analytics.decisions.review``): done / overdue / open / dropped, and for an
action with a figure, the figure on the day, now, and the change with its 95% interval,
worded "up"/"down" only when the interval excludes 0. The same words as the Actions page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics import decisions
from analytics.filter_options import filter_options
from analytics.report.model import Block, Col, Section, Text

if TYPE_CHECKING:
    from analytics.report.sections import Context


def actions_section(c: Context) -> Section:
    """Last meeting's actions, each with its state and its figure's change since the decision."""
    review = decisions.review(c.con, c.f, c.s)
    names = filter_options(c.con, c.f.scope).names
    if review.meeting is None:
        intro = c.t("report.actions.none", day=review.day.isoformat())
    else:
        intro = c.t("report.actions.intro", meeting=review.meeting.isoformat(), day=review.day.isoformat(),
                    done=review.count("done"), overdue=review.count("overdue"), open=review.count("open"),
                    dropped=review.count("dropped"), carried=sum(1 for i in review.items if i.carried))
    frame = decisions.review_frame(review, c.lang, names).drop(columns=["state_code"])
    cols = tuple(Col(key, c.t(f"report.actions.col.{key}")) for key in frame.columns)
    return Section("actions", c.t("report.section.actions"), (
        Text(intro),
        Block("actions", c.t("report.actions.title"), frame, cols, note=c.t("report.actions.note")),
    ), c.t("report.sheet.actions"))
