"""One vocabulary per kind of code (``schema.VOCABULARIES``): labels, spellings, keywords.

Every code's zh/en label is defined once, in ``schema``; ``schema.label`` and
``schema.period_label`` serve the pages, the report and the exports. Cells are matched by
``normalize.vocabulary_code`` in the documented priority order.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from analytics import i18n, schema
from analytics.ingest.normalize import core, nearest_codes, vocabulary_code


def _catalog_groups(lang: str) -> dict[str, dict[str, str]]:
    """Catalog keys grouped by prefix: ``{"label.status": {"employed": "就业", …}}``."""
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    for key, text in i18n.catalog(lang).items():
        prefix, _, last = key.rpartition(".")
        groups[prefix][last] = text
    return groups


def repeated_vocabularies(lang: str, groups: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """(catalog prefix, vocabulary kind) pairs where a catalog defines the codes of a vocabulary
    again: two or more entries with a code's own label, or every code of a vocabulary of three
    or more (a drifted copy, whatever its words)."""
    found = []
    for kind, vocab in schema.VOCABULARIES.items():
        codes = set(vocab.codes)
        for prefix, children in groups.items():
            covered = codes & set(children)
            same = [c for c in covered if children[c] == vocab.term(c).label(lang)]
            if len(same) >= 2 or (len(codes) >= 3 and covered == codes):
                found.append((prefix, kind))
    return found


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_no_catalog_defines_a_code_again(lang):
    assert repeated_vocabularies(lang, _catalog_groups(lang)) == []


def test_a_copied_vocabulary_is_detected():
    """The check above can fail: the old screen and report copies of the status labels."""
    groups = {
        "label.status": {"employed": "就业", "unemployed": "待就业"},
        "report.code.status": {c: f"x{c}" for c in schema.EMPLOYMENT_STATUSES},
        "report.men.rule": {"school": "每月下企业 {n} 次", "enterprise": "每学期授课 {n} 次"},
    }
    assert repeated_vocabularies("zh", groups) == [("label.status", "status"), ("report.code.status", "status")]


@pytest.mark.parametrize(("kind", "code", "lang", "text"), [
    ("status", "unemployed", "zh", "待就业"),  # the national list's term, not 待业
    ("status", "unemployed", "en", "Not yet employed"),
    ("stage", "internship", "zh", "岗位实习阶段"),  # 顶岗实习 was renamed 岗位实习 in 2021
    ("dimension", "overall", "zh", "总体满意度"),
    ("evaluator_type", "third_party", "zh", "第三方评价"),
    ("training_model", "2+1", "en", "2+1 model"),
    ("dual", True, "zh", "双导师学生"),
    ("dual", "out", "en", "Other students"),
    ("marker", "ns", "zh", "样本过少，不具统计意义"),
    ("indicator", "certificate_pass_rate", "en", "Certificate pass rate"),
    ("status", "no-such-code", "zh", "no-such-code"),  # shown as it is, never a crash
])
def test_label(kind, code, lang, text):
    assert schema.label(kind, code, lang) == text


@pytest.mark.parametrize(("period", "lang", "label"), [
    ("2024-03", "zh", "2024年3月"),
    ("2024-03", "en", "2024-03"),
    ("2024-autumn", "zh", "2024年秋季学期"),
    ("2025-spring", "en", "Spring 2025"),
    ("2024", "zh", "2024"),
])
def test_period_label(period, lang, label):
    assert schema.period_label(period, lang) == label


def test_every_label_is_unique_within_its_vocabulary():
    for vocab in schema.VOCABULARIES.values():
        for lang in i18n.LANGS:
            labels = [t.label(lang) for t in vocab.terms]
            assert len(set(labels)) == len(labels), (vocab.kind, lang)


@pytest.mark.parametrize(("text", "expected"), [
    ("一、升学（XX职业技术学院）", "升学"),
    ("3、您对毕业生专业技能的满意度：", "您对毕业生专业技能的满意度"),
    ("(2)学生座谈", "学生座谈"),
    ("A.非常满意", "非常满意"),
    ("①满意", "满意"),  # ① is "1" after NFKC: a digit run right before a Chinese character
    ("5分（非常满意）", "5分"),  # a unit after the digit: no numbering
    ("Q12. Overall", "Overall"),
    ("1.5+1.5", "1.5+1.5"),  # a decimal point is no numbering
    ("（其他）", "其他"),  # nothing outside the brackets: their content
])
def test_core(text, expected):
    from analytics.ingest.normalize import _clean_one
    assert core(_clean_one(text)) == expected


# Real wording seen in exports, other spellings than the vocabulary lists: matched by keyword.
@pytest.mark.parametrize(("kind", "text", "code"), [
    ("status", "1.升学（考入某职业技术学院）", "further_study"),
    ("status", "签订劳动合同，在某汽修厂工作", "employed"),
    ("status", "不就业拟升学", "unemployed"),  # longest keyword 不就业 beats 升学
    ("status", "其它录用形式就业", "employed"),  # 其它 is a fallback: the specific keyword wins
    ("status", "应征义务兵（陆军）", "enlisted"),
    ("status", "开网店创业", "self_employed"),
    ("status", "暂无，在家待业", "unemployed"),
    ("status", "76", "employed"),  # 毕业去向代码 76 自由职业
    ("status", "85", "further_study"),  # 出国、出境
    ("status", "其他情况", "other"),
    ("activity_type", "3、到合作企业走访实习学生", "enterprise_visit"),
    ("activity_type", "企业导师来校上实操课", "school_teaching"),
    ("activity_type", "参加市级骨干教师研修", "training"),
    ("activity_type", "与学生谈心谈话", "student_meeting"),
    ("activity_type", "校企共同开发活页式教材", "joint_research"),
    ("activity_type", "师徒结对", "student_meeting"),  # hand-kept logs' most common entry after 走访
    ("activity_type", "企业师傅带徒弟", "student_meeting"),
    ("activity_type", "技能指导", "school_teaching"),  # like 实训指导
    ("stage", "跟岗实习（第二学年）", "skill"),
    ("stage", "顶岗实习", "internship"),
    ("source", "市级财政专项", "government"),
    ("source", "合作企业赞助", "enterprise"),
    ("cooperation_form", "共建冠名班", "order_class"),
    ("cooperation_form", "新型学徒制试点", "apprenticeship"),
    ("mentor_type", "企业兼职教师", "enterprise"),
    ("mentor_type", "专任教师（校内）", "school"),
    ("evaluator_type", "用人单位评价", "enterprise"),
    ("dimension", "5、您对该生团队协作与沟通能力的评价", "teamwork"),
    ("dimension", "总体而言，您对我校毕业生是否满意", "overall"),
    ("likert", "B. 比较满意", "4"),
    ("likert", "不太满意", "2"),
    ("likert", "不很满意", "2"),  # a negation before 很满意
    ("boolean", "基本对口", "yes"),
    ("boolean", "不太对口", "no"),  # a negation one character before the keyword
    ("boolean", "未取得证书", "no"),
    ("grade", "优", "excellent"),
    ("grade", "D", "pass"),
    ("absence", "缺考（病假）", "absent"),
    ("absence", "申请缓考", "deferred"),
])
def test_keyword_matching(kind, text, code):
    assert vocabulary_code(kind, text) == code


@pytest.mark.parametrize(("kind", "text"), [
    ("status", "见附件"),
    ("status", "某某科技有限公司"),  # a company name in the status column: asked, not guessed
    ("source", "学生"),
    ("boolean", "待定"),
    ("stage", "第四学期"),
])
def test_unknown_stays_unknown(kind, text):
    assert vocabulary_code(kind, text) is None


def test_nearest_codes_name_the_closest_terms():
    assert nearest_codes("status", "已签约")[0] == "employed"
    assert nearest_codes("likert", "满意吧")[0] == "4"
    assert len(nearest_codes("status", "x", n=2)) <= 2
