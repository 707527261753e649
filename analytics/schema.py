"""Canonical tables of SPEC §2: columns, types, keys, allowed values, labels and synonyms.

This module is the single source of table and column names: SQL elsewhere takes names
from here (through ``db.quote_ident``), the importer maps spreadsheet headers through the
synonyms, and pages label columns with ``zh``/``en``.

Column kinds:
  ``id``     text identifier: trimmed, never numeric (keeps ``020210001`` as it is)
  ``text``   free text
  ``int``    whole number (years, counts)
  ``number`` decimal number (scores, money)
  ``bool``   yes/no in any of the spellings ``normalize`` knows
  ``date``   calendar date
  ``enum``   one of ``allowed`` (canonical English codes; spellings mapped by ``normalize``)
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("id", "text", "int", "number", "bool", "date", "enum")
SQL_TYPES = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "int": "INTEGER",
    "number": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "enum": "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    default: object = None
    min: float | None = None
    max: float | None = None
    # Table whose ID this column holds; a *name* found here is resolved against it.
    ref: str | None = None
    # Personal data: dropped or pseudonymised in exports that leave the school.
    personal: bool = False
    # Filled by the importer, never read from a spreadsheet header.
    generated: bool = False
    # The ``seq`` of repeated events: numbers repeats of the rest of the key within a file.
    counter: bool = False
    # Accepts 5-point Likert words (非常满意 … 非常不满意) as 5 … 1.
    likert: bool = False
    # A score column that accepts grade words (优秀 … 不及格, A–E) as their configured scores.
    grades: bool = False
    # A result column where 缺考/免考/缓考 … mean "not taken": missing with its reason, never 0.
    absence: bool = False
    # Personal data shown to admins only (an ID-card number), masked for every other role.
    sensitive: bool = False
    # A yes/no column that sheets often fill with ticks only: a blank means no (a setting).
    blank_means_no: bool = False
    # An amount of money: a unit stated in its header or the title (万元) scales it.
    money: bool = False
    # How the importer fills this column when a sheet lacks it: (source column, template),
    # e.g. ("graduation_year", "{year}-08-31"); reported as ``<column>-derived``.
    derived_from: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.kind == "enum" and self.name not in VOCABULARIES:
            raise ValueError(f"{self.name}: an enum column needs the vocabulary of the same name")

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

    @property
    def vocabulary(self) -> Vocabulary | None:
        """The vocabulary whose words this column's cells may use (enum codes, yes/no, Likert)."""
        if self.kind == "enum":
            return VOCABULARIES[self.name]
        if self.kind == "bool":
            return VOCABULARIES["boolean"]
        if self.likert:
            return VOCABULARIES["likert"]
        return None

    @property
    def allowed(self) -> tuple[str, ...]:
        """The codes an enum column stores (empty for other kinds)."""
        return VOCABULARIES[self.name].codes if self.kind == "enum" else ()

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Table:
    """One canonical table: its natural key and columns."""

    name: str
    zh: str
    en: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # Words that name this table in a title, sheet name or file name ("2024届毕业去向…").
    words: tuple[str, ...] = field(default=())
    # Column holding the year used by the global year filter, or an expression source.
    year_column: str | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"{self.name}: key columns {missing} not defined")

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def value_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.name not in self.key)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        """Columns a file must provide (or the user must set): keys and required values."""
        return tuple(
            c for c in self.columns if (c.name in self.key or c.required) and not c.generated
        )

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


BOOL = "bool"


# --- Vocabularies: what a coded value means -------------------------------------------------
#
# One vocabulary per kind of code: each term has its code, its zh/en label (the one every
# page, the report and the exports show), the whole-cell spellings the importer accepts,
# and keywords that identify it inside longer wording ("升学（XX职业技术学院）",
# "3、到企业走访实习学生"). ``analytics.ingest.normalize`` matches a cell in this order
# (documented in docs/IMPORT.md):
#
#   1. a value map the user gave for the column (``--value status:TEXT=CODE``);
#   2. the code, a label or a spelling, ignoring width, case, spaces, ``_`` and ``-``;
#   3. the same after stripping numbering (一、 1. ① (2) A.), bracketed qualifiers and
#      punctuation;
#   4. keywords found in that core (then in the whole cell): the longest keyword wins,
#      then the one further left; a ``fallback`` term (其他) only when no other term's
#      keyword occurs; in a vocabulary with ``negations`` a negation word right before a
#      keyword of a term with a ``negated`` code gives that code (不对口 → no);
#   5. otherwise the value is unknown: reported once per distinct value with the nearest
#      codes, and its rows are rejected until it is mapped.


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary: labels, accepted spellings and keywords."""

    code: str
    zh: str
    en: str
    spellings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    fallback: bool = False  # "其他": matched by keyword only when no other term is
    negated: str | None = None  # the code a negation word before this term's keyword gives

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Vocabulary:
    """The codes of one kind of value, in display order."""

    kind: str
    terms: tuple[Term, ...]
    negations: tuple[str, ...] = ()  # words that turn a following keyword into its ``negated`` code

    def __post_init__(self) -> None:
        codes = [t.code for t in self.terms]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.kind}: duplicate code")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)

    def term(self, code: str) -> Term:
        for t in self.terms:
            if t.code == code:
                return t
        raise KeyError(f"{self.kind}: unknown code {code!r}")


_NEGATIONS = ("不", "未", "没", "非", "无", "not ", "non-", "non")
# Where an action of the leadership group stands (stored); "未完成" is open by negation.
_ACTION_STATUS = (
    Term("open", "推进中", "Open",
         ("未完成", "进行中", "推进中", "待办", "在办", "正在落实", "逾期", "逾期未完成", "open", "in progress"),
         ("进行", "推进", "在办", "待办", "跟进", "落实中", "open", "progress", "pending")),
    Term("done", "已完成", "Done",
         ("完成", "已办结", "办结", "已落实", "done", "completed", "closed"),
         ("完成", "办结", "已落实", "done", "complete", "closed"), negated="open"),
    Term("dropped", "已撤销", "Dropped",
         ("取消", "撤销", "已取消", "不再推进", "dropped", "cancelled", "canceled"),
         ("取消", "撤销", "终止", "drop", "cancel")),
)

VOCABULARIES: dict[str, Vocabulary] = {v.kind: v for v in (
    Vocabulary("status", (
        # National graduate-destination codes (毕业去向代码) are spellings of their status.
        Term("employed", "就业", "Employed",
             ("已就业", "签约就业", "协议就业", "灵活就业", "合同就业", "受雇就业", "placed", "in work",
              "签就业协议形式就业", "签劳动合同形式就业", "其他录用形式就业", "科研助理、管理助理",
              "国家基层项目", "地方基层项目", "自由职业", "10", "11", "12", "27", "50", "51", "76"),
             ("就业", "签约", "劳动合同", "录用", "入职", "在职", "在岗", "就职", "上岗", "受聘", "聘用", "工作", "基层项目",
              "西部计划", "三支一扶", "自由职业", "灵活", "employed", "employment", "job", "hired")),
        Term("self_employed", "自主创业", "Self-employed",
             ("创业", "75", "self employed"),
             ("创业", "自营", "个体", "开店", "网店", "self-employ", "selfemploy", "entrepreneur",
              "own business")),
        Term("further_study", "升学", "Further study",
             ("升入高职", "专升本", "对口升学", "继续深造", "境内升学", "出国、出境", "出国出境", "80", "85"),
             ("升学", "深造", "升入", "考入", "录取", "专升本", "读研", "高职", "大专", "本科", "留学",
              "出国", "单招", "春考", "复读", "further study", "study", "education", "college", "university")),
        Term("enlisted", "参军入伍", "Enlisted",
             ("参军", "入伍", "应征入伍", "应征义务兵", "military", "46"),
             ("参军", "入伍", "应征", "义务兵", "部队", "服役", "当兵", "army", "military", "enlist")),
        Term("unemployed", "待就业", "Not yet employed",
             ("未就业", "求职中", "暂不就业", "待业", "不就业拟升学", "其他暂不就业", "not placed", "70",
              "71", "72"),
             ("待就业", "未就业", "待业", "求职", "暂不就业", "不就业", "失业", "无业", "在家",
              "unemploy", "not placed", "not employed", "seeking")),
        Term("other", "其他", "Other", (), ("其他", "其它", "other"), fallback=True),
    )),
    Vocabulary("activity_type", (
        Term("enterprise_visit", "企业走访", "Enterprise visit",
             ("走访企业", "下企业", "赴企业", "到企业指导", "企业实践", "下厂"),
             ("走访", "下企业", "赴企业", "到企业", "入企", "进企业", "下厂", "企业实践", "巡查",
              "巡视", "探访", "看望", "实习检查", "visit")),
        Term("school_teaching", "进校授课", "Teaching at school",
             ("来校授课", "校内授课", "授课", "实训教学", "teaching"),
             ("授课", "进校", "来校", "到校", "上课", "讲课", "教学", "实训指导", "示范课", "讲座",
              "实操课", "训练", "实训", "技能指导", "lecture", "teach", "class")),
        Term("joint_research", "联合研发", "Joint research",
             ("技术攻关", "教研", "联合教研"),
             ("研发", "攻关", "教研", "课程开发", "教材", "研讨", "开发", "科研", "research")),
        Term("training", "培训", "Training", (), ("培训", "进修", "研修", "轮训", "training", "workshop")),
        Term("student_meeting", "师生交流", "Student meeting",
             ("学生座谈", "指导学生", "师生见面", "学生指导"),
             ("座谈", "谈心", "交流", "见面", "面谈", "班会", "答疑", "辅导", "指导学生", "学生指导",
              "师徒", "带徒", "结对",  # 师徒结对, 师带徒: the mentor and the student paired
              "meeting", "mentoring", "counsel")),
        Term("other", "其他", "Other", (), ("其他", "其它", "other"), fallback=True),
    )),
    Vocabulary("stage", (
        Term("basic", "基础阶段", "Basic stage", ("基础", "第一阶段"),
             ("基础", "认知", "入门", "第一阶段", "basic", "foundation")),
        Term("skill", "技能阶段", "Skill stage", ("技能", "跟岗", "跟岗实习", "第二阶段"),
             ("技能", "跟岗", "专项", "第二阶段", "skill")),
        # 岗位实习 is the official term since 2021 (it replaced 顶岗实习).
        Term("internship", "岗位实习阶段", "Internship stage",
             ("岗位实习", "实习", "实习阶段", "顶岗实习", "顶岗实习阶段", "第三阶段"),
             ("岗位实习", "顶岗", "实习", "第三阶段", "intern", "placement")),
    )),
    Vocabulary("source", (
        Term("school", "学校", "School", ("学校自筹", "自筹", "学校经费", "校本经费"),
             ("学校", "自筹", "校本", "本校", "事业收入", "school")),
        Term("government", "政府", "Government", ("财政", "财政拨款", "专项资金"),
             ("财政", "政府", "拨款", "专项", "中央", "省级", "市级", "县级", "区级", "教育局", "补助",
              "奖补", "government", "public", "state")),
        Term("enterprise", "企业", "Enterprise", ("企业投入", "企业捐赠", "校企合作"),
             ("企业", "公司", "捐赠", "赞助", "合作方", "行业", "enterprise", "company", "industry")),
    )),
    Vocabulary("cooperation_form", (
        Term("order_class", "订单班", "Order-based class",
             ("订单培养", "订单式", "订单式培养", "order class", "order-based class"),
             ("订单", "冠名班", "定向", "order")),
        Term("apprenticeship", "现代学徒制", "Modern apprenticeship",
             ("学徒制", "modern apprenticeship"), ("学徒", "师带徒", "apprentice")),
        Term("campus_factory", "校中厂", "On-campus factory",
             ("厂中校", "校内工厂", "校办工厂", "on-campus factory"),
             ("校中厂", "厂中校", "校内工厂", "校办工厂", "生产性实训", "工厂", "factory")),
        Term("internship_base", "实习基地", "Internship base",
             ("实训基地", "校外实训基地", "internship base"),
             ("基地", "实习", "实训", "见习", "base", "internship")),
        Term("other", "其他", "Other", (), ("其他", "其它", "other"), fallback=True),
    )),
    Vocabulary("mentor_type", (
        Term("school", "校内导师", "School mentor",
             ("校内", "学校", "学校导师", "教师", "专任教师", "校内教师", "school mentor"),
             ("校内", "学校", "教师", "老师", "专任", "在校", "school", "teacher", "campus")),
        Term("enterprise", "企业导师", "Enterprise mentor",
             ("企业", "企业师傅", "师傅", "兼职教师", "产业导师", "校外导师", "enterprise mentor"),
             ("企业", "师傅", "兼职", "产业", "行业", "校外", "技师", "工程师", "公司", "enterprise",
              "company", "industry")),
    )),
    Vocabulary("evaluator_type", (
        Term("school", "学校评价", "School", ("学校", "校方", "校企互评(学校)", "校内"),
             ("学校", "校方", "校内", "院系", "教务", "督导", "school")),
        Term("enterprise", "企业评价", "Enterprise", ("企业",),
             ("企业", "用人单位", "师傅", "enterprise", "employer", "company")),
        Term("student", "学生评价", "Students", ("学生", "学生评教"),
             ("学生", "学员", "徒弟", "student", "learner")),
        Term("third_party", "第三方评价", "Third party", ("第三方",),
             ("第三方", "行业协会", "评估机构", "专家", "社会", "third")),
    )),
    Vocabulary("dimension", (
        Term("overall", "总体满意度", "Overall",
             ("总体", "整体满意度", "总体评价", "overall satisfaction"),
             ("总体", "整体", "综合", "总的", "总评", "overall", "general")),
        Term("professional_skills", "专业技能", "Professional skills",
             ("职业技能", "技能水平"),
             ("专业技能", "职业技能", "技能", "专业能力", "专业水平", "业务水平", "动手", "业务能力", "技术水平",
              "操作", "skill")),
        Term("work_attitude", "工作态度", "Work attitude",
             ("职业态度", "敬业精神"),
             ("态度", "敬业", "责任", "职业道德", "纪律", "吃苦", "作风", "职业素养", "attitude", "ethic")),
        Term("learning_ability", "学习能力", "Learning ability", (),
             ("学习", "适应", "learning")),
        Term("teamwork", "团队合作", "Teamwork", ("团队协作", "沟通协作"),
             ("团队", "协作", "合作", "沟通", "team", "cooperat", "communicat")),
        Term("innovation", "创新能力", "Innovation", ("创新意识",),
             ("创新", "创造", "革新", "innovat", "creativ")),
    )),
    Vocabulary("gender", (
        Term("male", "男", "Male", ("男性", "m", "man"), ("男", "male")),
        Term("female", "女", "Female", ("女性", "f", "woman"), ("女", "female")),
        Term("other", "其他", "Other", (), (), fallback=True),
    )),
    Vocabulary("training_model", (
        Term("2+1", "2+1 模式", "2+1 model", ("2+1模式", "2+1学制", "二加一"), ("2+1", "二加一")),
        Term("1.5+1.5", "1.5+1.5 模式", "1.5+1.5 model", ("1.5+1.5模式", "1.5+1.5学制", "一点五加一点五"),
             ("1.5+1.5",)),
        Term("other", "其他模式", "Other model", ("其他",), ("其他", "其它", "other"), fallback=True),
    )),
    Vocabulary("indicator", (
        Term("certificate_pass_rate", "证书通过率", "Certificate pass rate",
             ("技能证书通过率", "考证通过率", "职业资格证书通过率"), ("通过率", "合格率", "pass rate")),
        Term("initial_employment_rate", "初次就业率", "Initial employment rate", (),
             ("初次就业率", "initial employment")),
        Term("employment_rate", "就业率", "Employment rate", (), ("就业率", "employment rate")),
        Term("related_to_major_rate", "专业对口率", "Employed in a related field", ("对口就业率",),
             ("对口", "related")),
        Term("satisfaction", "满意度", "Satisfaction", ("用人单位满意度", "企业满意度"),
             ("满意度", "satisfaction")),
        Term("achievement_rate", "完成率", "Achievement rate", ("结业率",), ("完成率", "结业率")),
        Term("median_salary", "月薪中位数", "Median salary", ("起薪中位数",), ("中位数", "median")),
        Term("other", "其他指标", "Other indicator", ("其他",), (), fallback=True),
    )),
    # Suppression markers of statistics offices, kept in ``benchmarks.marker`` when a value is missing.
    Vocabulary("marker", (
        Term("na", "无数据", "not available", ("n/a",)),
        Term("ns", "样本过少，不具统计意义", "not significant (too few respondents)"),
        Term("nd", "未公布", "not disclosed"),
        Term("x", "不适用", "not applicable"),
        Term("c", "保密", "confidential"),
        Term("low", "数值过低未公布", "too low to publish"),
        Term("-", "为零或已隐去", "zero or suppressed"),
    )),
    # Yes/no cells (codes "yes"/"no" stand for True/False).
    Vocabulary("boolean", (
        Term("yes", "是", "Yes",
             ("是的", "通过", "已通过", "合格", "及格", "对", "对口", "相关", "√", "✓", "✔", "☑", "○", "〇", "y",
              "t", "true", "pass", "passed", "有效"),
             ("是", "通过", "合格", "对口", "相关", "取得", "获得", "取证", "获证", "拿证", "√", "✓", "✔", "yes",
              "pass"),
             negated="no"),
        Term("no", "否", "No",
             ("不是", "未通过", "不通过", "没通过", "不合格", "不及格", "错", "不对口", "不相关", "×", "✗", "✘",
              "✕", "☒", "n", "f", "false", "fail", "failed"),
             ("否", "未通过", "不通过", "不合格", "不对口", "不相关", "×", "✗", "no", "fail")),
    ), negations=_NEGATIONS),
    # Five-point answers of a satisfaction question; codes are the scores.
    Vocabulary("likert", (
        Term("5", "非常满意", "Very satisfied",
             ("很满意", "十分满意", "特别满意", "very satisfied", "extremely satisfied"),
             ("非常满意", "很满意", "十分满意", "特别满意", "very satisfied"), negated="2"),
        Term("4", "满意", "Satisfied", ("比较满意", "较满意", "satisfied"),
             ("比较满意", "较满意", "满意", "satisfied"), negated="2"),
        Term("3", "一般", "Neutral", ("基本满意", "neutral", "neither satisfied nor dissatisfied"),
             ("一般", "基本满意", "说不清", "neutral")),
        Term("2", "不满意", "Dissatisfied", ("不太满意", "较不满意", "dissatisfied", "unsatisfied"),
             ("不太满意", "较不满意", "不满意", "dissatisfied", "unsatisfied")),
        Term("1", "非常不满意", "Very dissatisfied",
             ("很不满意", "十分不满意", "very dissatisfied", "very unsatisfied"),
             ("非常不满意", "很不满意", "十分不满意", "极不满意", "very dissatisfied")),
    ), negations=_NEGATIONS),
    # Grade words in a score column; the score of each grade is a setting
    # (``[import] grade_scores``, defaults in ``DEFAULT_GRADE_SCORES``).
    Vocabulary("grade", (
        Term("excellent", "优秀", "Excellent", ("优", "a"), ("优秀",)),
        Term("good", "良好", "Good", ("良", "b"), ("良好",)),
        Term("fair", "中等", "Fair", ("中", "c"), ("中等",)),
        Term("pass", "及格", "Pass", ("合格", "d"), ("及格", "合格")),
        Term("fail", "不及格", "Fail", ("不合格", "e", "f"), ("不及格", "不合格")),
    )),
    # Why a result is missing: the exam or assessment was not taken. Never a zero score.
    Vocabulary("absence", (
        Term("absent", "缺考", "Absent", ("缺席", "旷考", "未参考", "未参加", "absent", "no show"),
             ("缺考", "缺席", "旷考", "未参考", "未参加", "absent")),
        Term("exempt", "免考", "Exempt", ("免试", "exempt"), ("免考", "免试", "exempt")),
        Term("deferred", "缓考", "Deferred", ("延考", "deferred"), ("缓考", "延考", "defer")),
    )),
    # Display-only vocabularies: groups of students, composite bands, batch states.
    Vocabulary("dual", (
        Term("in", "双导师学生", "Dual-mentor students"),
        Term("out", "其他学生", "Other students"),
    )),
    Vocabulary("band", (
        Term("excellent", "优秀（≥90）", "Excellent (≥90)"),
        Term("good", "良好（80–89）", "Good (80–89)"),
        Term("pass", "合格（60–79）", "Pass (60–79)"),
        Term("fail", "不合格（<60）", "Fail (<60)"),
    )),
    Vocabulary("batch_status", (
        Term("loaded", "已导入", "Loaded"),
        Term("undone", "已撤销", "Undone"),
    )),
    # Closing the loop (issue 19): two-way training, the leadership group's actions.
    Vocabulary("training_type", (
        Term("teaching_methods", "教学能力培训", "Teaching-methods training",
             ("教学法培训", "教学方法培训", "教学能力提升培训", "兼职教师培训", "企业导师教学培训"),
             ("教学能力", "教学法", "教学方法", "教法", "课堂教学", "说课", "兼职教师培训", "teaching",
              "pedagog")),
        Term("production_technology", "生产技术培训", "Production-technology training",
             ("技术技能培训", "新技术培训", "新工艺培训", "生产工艺培训"),
             ("生产技术", "技术培训", "新技术", "新工艺", "工艺", "技能培训", "设备操作", "production",
              "technolog")),
        Term("enterprise_practice", "企业实践", "Enterprise practice",
             ("教师企业实践", "下企业实践", "企业挂职", "挂职锻炼", "企业顶岗实践"),
             ("企业实践", "下企业", "挂职", "顶岗实践", "跟岗实践", "practice")),
        Term("other", "其他", "Other", (), ("其他", "其它", "other"), fallback=True),
    )),
    Vocabulary("owner_side", (
        Term("school", "学校方", "School side", ("学校", "校方", "学校方面", "school"),
             ("学校", "校方", "校内", "教务", "学生处", "招就处", "school")),
        Term("enterprise", "企业方", "Enterprise side", ("企业", "企业方面", "enterprise"),
             ("企业", "公司", "enterprise", "company")),
    )),
    Vocabulary("action_status", _ACTION_STATUS, negations=_NEGATIONS),
    Vocabulary("expected", (
        Term("up", "提高", "Up", ("上升", "提升", "增加", "增长", "up", "increase", "higher"),
             ("提高", "上升", "提升", "增加", "增长", "up", "increas", "rais", "higher")),
        Term("down", "降低", "Down", ("下降", "减少", "down", "decrease", "lower"),
             ("降低", "下降", "减少", "down", "decreas", "reduc", "lower")),
    )),
    # The figures an action can target (``analytics.decisions.FIGURES`` reads each); the first
    # five are the headlines of SPEC §5, whose names every screen shows from here.
    Vocabulary("metric", (
        Term("pass_rate_improvement", "证书通过率提升（双导师 vs 其他）",
             "Pass-rate improvement (dual vs others)", ("证书通过率提升", "通过率提升"),
             ("通过率提升", "提升幅度", "pass-rate improvement")),
        Term("initial_employment", "初次就业率", "Initial employment", ("就业率", "initial employment rate"),
             ("初次就业", "就业率", "initial employment")),
        Term("satisfaction_improvement", "企业满意度提升", "Satisfaction improvement", ("满意度提升",),
             ("满意度", "satisfaction")),
        Term("school_compliance", "校内导师走访企业", "School mentor visits",
             ("校内导师走访达标率", "走访达标率"), ("走访", "下企业", "school mentor", "visit")),
        Term("enterprise_compliance", "企业导师到校授课", "Enterprise mentor teaching",
             ("企业导师授课达标率", "授课达标率"), ("授课", "进校", "enterprise mentor", "teaching")),
        Term("certificate_pass_rate", "证书通过率", "Certificate pass rate", ("考证通过率", "技能证书通过率"),
             ("通过率", "合格率", "pass rate")),
        Term("related_to_major", "专业对口率", "Related-to-major rate", ("对口就业率", "对口率"),
             ("对口", "related")),
        Term("enterprise_mentors_trained", "企业导师教学能力培训覆盖率",
             "Enterprise mentors trained in teaching methods", ("企业导师培训覆盖率",),
             ("教学能力培训", "企业导师培训", "teaching-methods training")),
        Term("school_mentors_trained", "校内导师生产技术培训覆盖率",
             "School mentors trained in production technology", ("校内导师培训覆盖率",),
             ("生产技术培训", "校内导师培训", "production-technology training")),
        Term("practice_on_track", "教师企业实践达标率", "School mentors on track with enterprise practice",
             ("企业实践达标率",), ("企业实践", "practice")),
        Term("agreement_coverage", "合作企业协议覆盖率", "Hosting enterprises with an agreement in force",
             ("协议覆盖率",), ("协议", "agreement")),
    )),
    # Display-only: how an action stands at a review (its status, or overdue when still open
    # after its due date), an agreement on a day, an obligation against the data.
    Vocabulary("action_state", (
        *(Term(x.code, x.zh, x.en) for x in _ACTION_STATUS[:1]),
        Term("overdue", "已逾期", "Overdue"),
        *(Term(x.code, x.zh, x.en) for x in _ACTION_STATUS[1:]),
    )),
    Vocabulary("agreement_state", (
        Term("in_force", "有效", "In force"),
        Term("expiring", "即将到期", "Expiring soon"),
        Term("expired", "已到期", "Expired"),
        Term("pending", "尚未生效", "Not yet in force"),
    )),
    Vocabulary("obligation_state", (
        Term("met", "已履行", "Met"),
        Term("short", "未达约定", "Short"),
        Term("not_due", "尚未到期", "Not due yet"),
        Term("unknown", "无数据", "No data"),
        Term("none", "未约定", "Not agreed"),
    )),
)}

# Default score of each grade word (the middle of its band on a 100-point scale; 不及格 the
# middle of 40–59, since a failed grade is rarely below 40 in school records).
DEFAULT_GRADE_SCORES = {"excellent": 95.0, "good": 85.0, "fair": 75.0, "pass": 65.0, "fail": 50.0}

# Calendar periods of the compliance statistics: months ``2024-03``, semesters ``2024-autumn``.
PERIOD_LABELS = {
    "month": ("{year}年{month}月", "{year}-{month:02d}"),
    "spring": ("{year}年春季学期", "Spring {year}"),
    "autumn": ("{year}年秋季学期", "Autumn {year}"),
}


def vocabulary(kind: str) -> Vocabulary:
    """The vocabulary of ``kind``; ``KeyError`` names the known kinds."""
    try:
        return VOCABULARIES[kind]
    except KeyError:
        raise KeyError(f"unknown vocabulary {kind!r}; known: {', '.join(VOCABULARIES)}") from None


def label(kind: str, value: object, lang: str) -> str:
    """A code as a reader sees it, in ``lang``: ``label("status", "unemployed", "zh") == "待就业"``.

    ``dual`` also takes the stored booleans (True → in); a value outside the vocabulary is
    shown as it is, so a page never fails on an unexpected code.
    """
    text = str(value)
    if kind == "dual" and text in ("True", "False", "true", "false"):
        text = "in" if text.lower() == "true" else "out"
    for term in vocabulary(kind).terms:
        if term.code == text:
            return term.label(lang)
    return text


def period_label(period: object, lang: str) -> str:
    """A compliance period as a reader sees it: "2024-03" → "2024年3月" / "2024-03",
    "2024-autumn" → "2024年秋季学期" / "Autumn 2024"; anything else as it is."""
    year, _, part = str(period).partition("-")
    key = "month" if part.isdigit() else part
    if not year.isdigit() or key not in PERIOD_LABELS:
        return str(period)
    zh, en = PERIOD_LABELS[key]
    return (zh if lang == "zh" else en).format(year=int(year), month=int(part) if part.isdigit() else 0)


COOPERATION_FORMS = VOCABULARIES["cooperation_form"].codes
TRAINING_MODELS = VOCABULARIES["training_model"].codes
MENTOR_TYPES = VOCABULARIES["mentor_type"].codes
EMPLOYMENT_STATUSES = VOCABULARIES["status"].codes
ACTIVITY_TYPES = VOCABULARIES["activity_type"].codes
SATISFACTION_DIMENSIONS = VOCABULARIES["dimension"].codes
STAGES = VOCABULARIES["stage"].codes
BENCHMARK_INDICATORS = VOCABULARIES["indicator"].codes
SUPPRESSION_MARKERS = VOCABULARIES["marker"].codes
EVALUATOR_TYPES = VOCABULARIES["evaluator_type"].codes
FUNDING_SOURCES = VOCABULARIES["source"].codes
GENDERS = VOCABULARIES["gender"].codes
ABSENCES = VOCABULARIES["absence"].codes
TRAINING_TYPES = VOCABULARIES["training_type"].codes
OWNER_SIDES = VOCABULARIES["owner_side"].codes
ACTION_STATUSES = VOCABULARIES["action_status"].codes
METRICS = VOCABULARIES["metric"].codes

# Reusable column definitions (the same column in several tables keeps one spelling).
_STUDENT_ID_WORDS = ("学号", "学生编号", "学籍号", "学生学号", "学生id", "student id", "studentno", "student no",
                     "student number", "stu id", "sid")
# 1+X and other certificate platforms key their exports by the ID-card number: in a table that
# refers to students it stands for the student (resolved through ``students.id_card``).
_ID_CARD_WORDS = ("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "公民身份号码", "id card",
                  "id card number", "national id")
_STUDENT_ID = Column("student_id", "id", "学号", "Student ID", _STUDENT_ID_WORDS + _ID_CARD_WORDS,
                     personal=True, ref="students")
_SCHOOL_ID = Column(
    "school_id", "id", "学校代码", "School ID",
    ("学校代码", "学校编号", "学校id", "院校代码", "school id", "school code", "schoolno",
     "学校", "学校名称", "所属学校", "院校", "school", "school name"),
    ref="schools",
)
_ENTERPRISE_ID = Column(
    "enterprise_id", "id", "企业编号", "Enterprise ID",
    ("企业编号", "企业代码", "企业id", "合作企业编号", "统一社会信用代码", "enterprise id",
     "company id", "enterprise code", "企业名称", "合作企业", "企业", "实习企业", "实习单位", "合作企业名称",
     "enterprise", "company", "partner enterprise", "enterprise name"),
    ref="enterprises",
)
_MENTOR_ID = Column(
    "mentor_id", "id", "导师工号", "Mentor ID",
    ("导师工号", "导师编号", "工号", "教师工号", "导师id", "mentor id", "staff id", "teacher id",
     "导师姓名", "导师", "授课人", "授课教师", "授课导师", "指导教师", "指导老师", "带教师傅", "教师姓名",
     "走访教师", "走访人", "下企业教师", "带队教师", "教师", "老师", "mentor", "mentor name"),
    personal=True, ref="mentors",
)
_MAJOR = Column(
    "major", "text", "专业", "Major",
    ("专业", "专业名称", "所学专业", "就读专业", "major", "specialty", "programme", "program",
     "speciality"),
)


TABLES: tuple[Table, ...] = (
    Table(
        "schools", "学校", "Schools", ("school_id",),
        (
            Column("school_id", "id", "学校代码", "School ID",
                   ("学校代码", "学校编号", "学校id", "院校代码", "school id", "school code")),
            Column("school_name", "text", "学校名称", "School name",
                   ("学校名称", "学校", "院校名称", "school name", "school"), required=True),
            Column("region", "text", "地区", "Region",
                   ("地区", "所在地区", "区域", "所在地", "省市", "地市", "所属地市", "所在城市", "市",
                    "region", "area", "city", "province")),
            # The county (区县) a school belongs to, under its region: the middle level of the
            # bureau's hierarchy (school → county → region), for scopes and side-by-side views.
            Column("county", "text", "区县", "County",
                   ("区县", "所属区县", "所在区县", "县区", "区/县", "县（区）", "县(区)", "county", "district")),
        ),
        words=("学校名录", "学校信息", "院校信息", "学校名单", "schools"),
    ),
    Table(
        "enterprises", "合作企业", "Enterprises", ("enterprise_id",),
        (
            Column("enterprise_id", "id", "企业编号", "Enterprise ID",
                   ("企业编号", "企业代码", "企业编码", "单位编码", "单位代码", "企业id", "统一社会信用代码",
                    "enterprise id", "company id", "enterprise code")),
            Column("enterprise_name", "text", "企业名称", "Enterprise name",
                   ("企业名称", "合作企业", "企业", "合作企业名称", "单位名称", "合作单位名称", "合作单位",
                    "企业全称", "单位全称", "公司全称", "公司名称", "enterprise name", "company", "company name",
                    "enterprise"), required=True),
            Column("industry", "text", "所属行业", "Industry",
                   ("所属行业", "行业", "行业类别", "industry", "sector")),
            Column("cooperation_form", "enum", "合作形式", "Cooperation form",
                   ("合作形式", "合作模式", "合作方式", "cooperation form", "cooperation type",
                    "partnership form")),
            Column("partner_since", "date", "合作起始日期", "Partner since",
                   ("合作起始日期", "合作开始时间", "合作起始时间", "签约日期", "合作时间",
                    "partner since", "partnership start", "since")),
            Column("demonstration_unit", "bool", "是否示范单位", "Demonstration unit",
                   ("是否示范单位", "示范单位", "是否示范", "demonstration unit", "demonstration"),
                   blank_means_no=True),
        ),
        words=("合作企业", "企业名录", "企业信息", "企业名单", "校企合作", "enterprises", "partners"),
    ),
    Table(
        "mentors", "导师", "Mentors", ("mentor_id",),
        (
            # An enterprise mentor often has no staff number: the name stands for the ID then.
            Column("mentor_id", "id", "导师工号", "Mentor ID",
                   ("导师工号", "导师编号", "工号", "教师工号", "职工号", "导师id", "mentor id",
                    "staff id", "teacher id", "employee id"), derived_from=("mentor_name", "{value}")),
            Column("mentor_name", "text", "导师姓名", "Mentor name",
                   ("导师姓名", "姓名", "教师姓名", "导师", "mentor name", "name"),
                   required=True, personal=True),
            Column("mentor_type", "enum", "导师类型", "Mentor type",
                   ("导师类型", "导师类别", "类型", "校内/企业", "类别", "教师类别", "人员类别", "身份",
                    "mentor type", "type"),
                   required=True),
            _SCHOOL_ID,
            Column("enterprise_id", "id", "企业编号", "Enterprise ID",
                   (*_ENTERPRISE_ID.synonyms, "工作单位", "所在单位", "所在企业", "单位名称"), ref="enterprises"),
            _MAJOR,
            Column("years_experience", "number", "从业年限", "Years of experience",
                   ("从业年限", "教龄", "工作年限", "一线工作年限", "教龄/工龄", "工龄", "行业年限", "从事本行业年限",
                    "企业工作年限", "年限", "years of experience", "years experience", "experience"), min=0, max=60),
            Column("dual_qualified", "bool", "是否双师型", "Dual-qualified",
                   ("是否双师型", "双师型", "双师型教师", "双师", "双师素质", "是否双师素质", "dual qualified",
                    "dual-qualified", "double qualified"), blank_means_no=True),
            Column("qualification", "text", "职业资格证书", "Qualification",
                   ("职业资格证书", "资格证书", "职业资格", "职称/资格", "技术职称", "职称", "技能等级", "qualification",
                    "certificate", "professional qualification")),
            Column("appointed_on", "date", "聘任日期", "Appointed on",
                   ("聘任日期", "聘任时间", "聘用日期", "任职日期", "appointed on",
                    "appointment date", "appointed")),
        ),
        words=("导师队伍", "导师名单", "导师信息", "导师花名册", "师资", "双导师", "mentors", "mentor roster"),
    ),
    Table(
        "students", "学生", "Students", ("student_id",),
        (
            Column("student_id", "id", "学号", "Student ID", _STUDENT_ID_WORDS, personal=True),
            Column("student_name", "text", "姓名", "Name",
                   ("姓名", "学生姓名", "student name", "name", "full name"), personal=True),
            # Personal data kept for linking certificate platforms' rows: masked on screen for
            # everyone but admins (``sensitive``), pseudonymised in research exports.
            Column("id_card", "id", "身份证号", "ID card number", _ID_CARD_WORDS, personal=True,
                   sensitive=True),
            Column("gender", "enum", "性别", "Gender", ("性别", "gender", "sex")),
            _SCHOOL_ID,
            _MAJOR,
            Column("class_name", "text", "班级", "Class",
                   ("班级", "班级名称", "所在班级", "行政班", "class", "class name")),
            Column("cohort_year", "int", "入学年份", "Cohort year",
                   ("入学年份", "入学年级", "年级", "入学时间", "级别", "cohort", "cohort year",
                    "enrolment year", "enrollment year", "intake year"), min=1990, max=2100),
            Column("graduation_year", "int", "毕业年份", "Graduation year",
                   ("毕业年份", "毕业届别", "届别", "毕业时间", "毕业年度", "graduation year",
                    "graduating year", "class of", "year of graduation"), min=1990, max=2100),
            Column("training_model", "enum", "培养模式", "Training model",
                   ("培养模式", "学制模式", "培养方式", "training model", "model")),
            Column("dual_mentor", "bool", "是否双导师", "Dual-mentor program",
                   ("是否双导师", "双导师", "是否参加双导师制", "双导师制", "dual mentor",
                    "dual-mentor", "in program", "in programme", "dual mentor programme"), blank_means_no=True),
            Column("school_mentor_id", "id", "校内导师", "School mentor",
                   ("校内导师", "校内导师工号", "校内导师编号", "校内导师姓名", "学校导师",
                    "school mentor", "school mentor id", "on-campus mentor"),
                   personal=True, ref="mentors"),
            Column("enterprise_mentor_id", "id", "企业导师", "Enterprise mentor",
                   ("企业导师", "企业导师工号", "企业导师编号", "企业导师姓名", "企业师傅", "师傅",
                    "enterprise mentor", "enterprise mentor id", "company mentor"),
                   personal=True, ref="mentors"),
            _ENTERPRISE_ID,
        ),
        words=("学生名单", "学生花名册", "学生信息", "花名册", "学籍", "在校生", "名册", "students", "roster"),
        year_column="cohort_year",
    ),
    Table(
        "certificate_exams", "技能证书考试", "Certificate exams",
        ("student_id", "certificate_name", "exam_date"),
        (
            _STUDENT_ID,
            Column("certificate_name", "text", "证书名称", "Certificate",
                   ("证书名称", "证书", "考证名称", "职业技能等级证书", "技能证书", "考试项目", "职业工种",
                    "鉴定职业", "认定职业", "职业", "工种", "certificate", "certificate name", "qualification",
                    "exam")),
            Column("exam_date", "date", "考试日期", "Exam date",
                   ("考试日期", "考试时间", "考核日期", "考核时间", "鉴定日期", "认定日期", "鉴定时间",
                    "考证时间", "考证日期", "取证时间", "exam date", "date of exam", "test date")),
            Column("certificate_level", "text", "证书等级", "Level",
                   ("证书等级", "等级", "级别", "技能等级", "level", "certificate level", "grade")),
            Column("passed", "bool", "是否通过", "Passed",
                   ("是否通过", "通过", "考试结果", "结果", "是否合格", "考核结果", "鉴定结果", "认定结果",
                    "是否取证", "取证情况", "是否获证", "获证情况", "考试结论", "鉴定结论", "合格与否", "通过情况",
                    "passed", "result", "pass", "outcome"), required=True, absence=True),
            Column("score", "number", "成绩", "Score",
                   ("成绩", "分数", "考试成绩", "得分", "总成绩", "总分", "综合成绩", "score", "mark",
                    "marks", "total score"), min=0, max=100, grades=True, absence=True),
            Column("theory_score", "number", "理论成绩", "Theory score",
                   ("理论成绩", "理论考试成绩", "理论考核成绩", "理论知识成绩", "理论", "应知", "theory",
                    "theory score", "written score"), min=0, max=100, grades=True, absence=True),
            Column("practical_score", "number", "实操成绩", "Practical score",
                   ("实操成绩", "实操考核成绩", "技能操作成绩", "技能考核成绩", "实操", "应会", "practical",
                    "practical score"), min=0, max=100, grades=True, absence=True),
            # Why the result is missing (缺考 → absent): filled from the result cells, never read.
            Column("absence", "enum", "缺考情况", "Absence", generated=True),
        ),
        words=("证书", "考证", "职业技能等级", "技能等级", "1+x", "鉴定", "certificate"),
        year_column="exam_date",
    ),
    Table(
        "employment", "毕业生就业", "Employment", ("student_id", "survey_date"),
        (
            _STUDENT_ID,
            # China's initial employment rate is taken on 31 August of the graduation year.
            Column("survey_date", "date", "调查日期", "Survey date",
                   ("调查日期", "统计日期", "调查时间", "填报日期", "跟踪日期", "survey date",
                    "date of survey"), derived_from=("graduation_year", "{year}-08-31")),
            Column("graduation_year", "int", "毕业年份", "Graduation year",
                   ("毕业年份", "毕业届别", "届别", "毕业年度", "graduation year",
                    "graduating year", "year of graduation"), min=1990, max=2100),
            Column("status", "enum", "就业状态", "Status",
                   ("就业状态", "就业情况", "去向", "毕业去向", "就业去向", "状态", "就业形式", "就业类型",
                    "去向类别", "毕业去向类别", "就业类别", "status", "employment status", "destination",
                    "毕业去向代码", "去向代码", "就业去向代码"),
                   required=True),
            Column("employer_name", "text", "就业单位", "Employer",
                   ("就业单位", "工作单位", "单位名称", "用人单位", "employer", "employer name",
                    "company name")),
            Column("enterprise_id", "id", "合作企业", "Partner enterprise",
                   ("合作企业", "合作企业编号", "企业编号", "partner enterprise", "enterprise id"),
                   ref="enterprises"),
            Column("related_to_major", "bool", "是否专业对口", "Related to major",
                   ("是否专业对口", "专业对口", "是否对口", "对口", "专业相关", "是否专业相关", "与专业相关",
                    "related to major", "related", "in field"), blank_means_no=True),
            Column("start_date", "date", "入职日期", "Start date",
                   ("入职日期", "入职时间", "就业日期", "上岗日期", "start date", "date joined")),
            Column("monthly_salary", "number", "月薪", "Monthly salary",
                   ("月薪", "月收入", "起薪", "月工资", "薪资", "工资", "薪酬", "月薪酬", "工资待遇", "薪资待遇",
                    "待遇", "monthly salary", "monthly pay", "pay", "salary", "wage"), min=0, max=1_000_000, personal=True, money=True),
        ),
        words=("就业", "毕业去向", "去向", "升学", "employment", "destination"),
        year_column="graduation_year",
    ),
    Table(
        "satisfaction_surveys", "企业满意度调查", "Satisfaction surveys",
        ("enterprise_id", "survey_date", "respondent", "dimension", "seq"),
        (
            # Survey platforms ask for the employer in a question ("1、贵单位名称：").
            Column("enterprise_id", "id", "企业编号", "Enterprise ID",
                   (*_ENTERPRISE_ID.synonyms, "单位名称", "用人单位", "用人单位名称", "单位全称", "企业全称",
                    "公司名称", "单位", "工作单位"), ref="enterprises"),
            # The platforms' submit time dates the answer (and so its wave).
            Column("survey_date", "date", "调查日期", "Survey date",
                   ("调查日期", "调查时间", "填写日期", "填表日期", "问卷日期", "survey date",
                    "date", "提交答卷时间", "提交时间", "答卷时间", "填写时间", "完成时间", "结束答题时间",
                    "结束时间", "调查年份", "调查年度", "submitted", "submit time")),
            Column("respondent", "text", "填写人", "Respondent",
                   ("填写人", "评价人", "调查对象", "答卷人", "受访者", "填写人姓名", "联系人", "访谈对象", "受访人",
                    "被访者", "respondent", "rater"), default="", personal=True),
            Column("dimension", "enum", "评价维度", "Dimension",
                   ("评价维度", "维度", "评价项目", "调查项目", "评价内容", "考察项目", "指标", "dimension",
                    "aspect", "item"), default="overall"),
            Column("seq", "int", "序号", "Seq", generated=True, counter=True),
            Column("score", "number", "评分", "Score",
                   ("评分", "得分", "分数", "满意度", "评价", "score", "rating"),
                   required=True, min=0, max=100, likert=True),
            Column("scale_max", "number", "满分", "Scale maximum",
                   ("满分", "量表满分", "分制", "scale max", "scale maximum", "max score"),
                   default=5, min=2, max=100),
        ),
        words=("满意度", "问卷", "调查", "用人单位评价", "satisfaction", "survey"),
        year_column="survey_date",
    ),
    Table(
        "mentor_activities", "导师活动记录", "Mentor activities",
        ("mentor_id", "activity_date", "activity_type", "seq"),
        (
            _MENTOR_ID,
            Column("activity_date", "date", "活动日期", "Activity date",
                   ("活动日期", "日期", "活动时间", "时间", "走访日期", "授课日期", "activity date",
                    "date")),
            Column("activity_type", "enum", "活动类型", "Activity type",
                   ("活动类型", "活动形式", "类型", "活动内容", "活动事项", "课程内容", "授课内容", "工作内容",
                    "内容", "activity type", "type", "activity")),
            Column("seq", "int", "序号", "Seq", generated=True, counter=True),
            Column("count", "int", "次数", "Count",
                   ("次数", "活动次数", "count", "times", "sessions"), default=1, min=0, max=1000),
            Column("hours", "number", "时长", "Hours",
                   ("时长", "学时", "课时", "小时数", "活动时长", "hours", "duration"),
                   min=0, max=1000),
            Column("notes", "text", "备注", "Notes",
                   ("备注", "说明", "活动记录", "内容摘要", "notes", "remarks", "comment"),
                   personal=True),
        ),
        words=("台账", "活动记录", "走访", "签到", "授课记录", "工作记录", "指导记录", "日志", "activities", "log"),
        year_column="activity_date",
    ),
    Table(
        "student_assessments", "学生考核", "Student assessments", ("student_id", "term"),
        (
            _STUDENT_ID,
            Column("term", "text", "学期", "Term",
                   ("学期", "考核学期", "学年学期", "term", "semester")),
            Column("stage", "enum", "培养阶段", "Stage",
                   ("培养阶段", "阶段", "学习阶段", "stage", "phase")),
            Column("theory_score", "number", "理论成绩", "Theory score",
                   ("理论成绩", "理论", "理论知识", "理论考核", "theory", "theory score"),
                   min=0, max=100, grades=True, absence=True),
            Column("skill_score", "number", "技能成绩", "Skill score",
                   ("技能成绩", "技能", "实操成绩", "实操", "实践技能", "技能考核", "skill", "skill score",
                    "practical score"), min=0, max=100, grades=True, absence=True),
            Column("professionalism_score", "number", "职业素养成绩", "Professionalism score",
                   ("职业素养成绩", "职业素养", "素养成绩", "素养", "professionalism",
                    "professionalism score"), min=0, max=100, grades=True, absence=True),
            # Why a score is missing (缺考 → absent): filled from the score cells, never read.
            Column("absence", "enum", "缺考情况", "Absence", generated=True),
        ),
        words=("学生考核", "考核成绩", "成绩单", "学期成绩", "综合评价", "学业评价", "assessment"),
    ),
    Table(
        "mentor_evaluations", "导师评价", "Mentor evaluations",
        ("mentor_id", "period", "evaluator_type"),
        (
            _MENTOR_ID,
            Column("period", "text", "评价周期", "Period",
                   ("评价周期", "考核周期", "学期", "学年", "期间", "period", "term")),
            Column("evaluator_type", "enum", "评价主体", "Evaluator",
                   ("评价主体", "评价方", "评价人类型", "评价类型", "考核主体", "测评主体", "测评类型", "考核类型",
                    "评价来源", "evaluator", "evaluator type", "rater type")),
            Column("score", "number", "评价得分", "Score",
                   ("评价得分", "得分", "评分", "分数", "score", "rating"),
                   required=True, min=0, max=100),
        ),
        words=("导师考核", "导师评价", "导师考评", "评教", "mentor evaluation"),
    ),
    Table(
        "funding", "经费", "Funding", ("year", "source", "category"),
        (
            Column("year", "int", "年度", "Year", ("年度", "年份", "预算年度", "year", "fiscal year"),
                   min=1990, max=2100),
            Column("source", "enum", "经费来源", "Source",
                   ("经费来源", "来源", "资金来源", "source", "funding source")),
            Column("category", "text", "支出类别", "Category",
                   ("支出类别", "类别", "用途", "经费类别", "支出项目", "经费项目", "开支项目", "项目", "category",
                    "purpose", "item")),
            Column("budget", "number", "预算", "Budget",
                   ("预算", "预算金额", "预算数", "budget", "budgeted"), min=0, money=True),
            # A refund is negative spending (-12,000 or (12,000.00)); a budget cannot be negative.
            Column("spent", "number", "支出", "Spent",
                   ("支出", "实际支出", "执行金额", "执行数", "执行", "决算数", "支出数", "已支出", "支出金额",
                    "实际使用", "使用金额", "已使用", "实际支付", "spent", "actual", "expenditure"), money=True),
            # The enterprise whose money a line is (checked against an agreement's funding promise).
            Column("enterprise_id", "id", "出资企业", "Contributing enterprise",
                   ("出资企业", "投入企业", "捐赠企业", "出资单位", "contributing enterprise"),
                   ref="enterprises"),
        ),
        words=("经费", "预算", "资金", "支出", "决算", "funding", "budget"),
        year_column="year",
    ),
    Table(
        "benchmarks", "对标数据", "Benchmarks", ("source", "indicator", "period", "group_label"),
        (
            Column("source", "text", "数据来源", "Source",
                   ("数据来源", "来源", "统计来源", "source", "data source", "dataset")),
            Column("publisher", "text", "发布机构", "Publisher",
                   ("发布机构", "发布单位", "publisher", "issued by")),
            Column("source_url", "text", "来源网址或文件", "URL or file",
                   ("来源网址", "网址", "链接", "来源文件", "url", "link", "file")),
            Column("licence", "text", "许可说明", "Licence",
                   ("许可", "许可说明", "授权", "licence", "license")),
            Column("indicator", "enum", "指标", "Indicator",
                   ("指标", "指标名称", "indicator", "measure", "metric")),
            Column("period", "text", "期间", "Period",
                   ("期间", "年份", "年度", "学年", "统计年度", "period", "year", "academic year")),
            # Derived by the importer: ``year`` from ``period``, ``marker`` from the value cell.
            Column("year", "int", "起始年份", "First year", (), min=1950, max=2100, generated=True),
            Column("group_label", "text", "分组", "Group",
                   ("分组", "群体", "类别", "group", "breakdown", "category"), default=""),
            Column("numerator", "number", "分子", "Numerator",
                   ("分子", "人数", "通过人数", "numerator", "count", "passed"), min=0),
            Column("denominator", "number", "分母", "Denominator",
                   ("分母", "总人数", "参考人数", "denominator", "total", "base"), min=0),
            Column("value", "number", "数值", "Value",
                   ("数值", "比率", "值", "value", "rate"), min=0),
            Column("unit", "text", "单位", "Unit", ("单位", "unit", "units")),
            Column("marker", "enum", "缺失标记", "Suppression marker", (), generated=True),
        ),
        words=("统计公报", "年报", "质量报告", "公报", "全国", "全省", "benchmark", "statistics"),
        year_column="year",
    ),
    # Closing the loop (issue 19): what the school and its partners agreed, how mentors are
    # trained both ways, and what the leadership group decided (a later migration creates them).
    Table(
        "agreements", "校企合作协议", "Cooperation agreements", ("enterprise_id", "signed_on"),
        (
            Column("enterprise_id", "id", "合作企业", "Enterprise",
                   (*_ENTERPRISE_ID.synonyms, "乙方", "合作单位", "协议企业"), ref="enterprises"),
            Column("signed_on", "date", "签订日期", "Signed on",
                   ("签订日期", "签订时间", "协议签订日期", "签署日期", "签约时间", "signed on",
                    "signing date", "date signed")),
            Column("expires_on", "date", "到期日期", "Expires on",
                   ("到期日期", "协议到期日期", "有效期至", "终止日期", "到期时间", "协议期限至",
                    "expires on", "expiry date", "valid until")),
            _SCHOOL_ID,
            Column("agreement_no", "text", "协议编号", "Agreement number",
                   ("协议编号", "合同编号", "协议号", "agreement no", "agreement number",
                    "contract no")),
            Column("cooperation_form", "enum", "合作形式", "Cooperation form",
                   ("合作形式", "合作模式", "合作方式", "cooperation form", "cooperation type")),
            Column("mentors_promised", "int", "约定企业导师人数", "Mentors promised",
                   ("约定企业导师人数", "企业导师人数", "派出导师人数", "提供导师人数", "导师人数",
                    "mentors promised", "number of mentors"), min=0, max=1000),
            Column("places_promised", "int", "约定实习岗位数", "Internship places promised",
                   ("约定实习岗位数", "实习岗位数", "提供实习岗位数", "接收实习生人数", "岗位数",
                    "internship places", "places promised"), min=0, max=100_000),
            Column("training_base", "bool", "共建实训基地", "Training base",
                   ("共建实训基地", "是否共建实训基地", "共建基地", "实训基地", "training base")),
            Column("funding_promised", "number", "约定年度投入（元）", "Funding promised per year",
                   ("约定年度投入", "年度投入", "企业年度投入", "约定出资", "出资金额", "经费投入",
                    "funding promised", "funding per year"), min=0),
        ),
        words=("合作协议", "校企合作协议", "协议台账", "协议清单", "合作合同", "agreements"),
        year_column="signed_on",
    ),
    Table(
        "mentor_training", "双向培训", "Two-way training", ("mentor_id", "training_type", "start_date"),
        (
            _MENTOR_ID,
            Column("training_type", "enum", "培训类型", "Training type",
                   ("培训类型", "培训类别", "培训形式", "项目类型", "training type")),
            Column("start_date", "date", "开始日期", "Start date",
                   ("开始日期", "培训开始日期", "实践开始日期", "起始日期", "开始时间", "培训日期",
                    "start date")),
            Column("end_date", "date", "结束日期", "End date",
                   ("结束日期", "培训结束日期", "实践结束日期", "结束时间", "end date")),
            Column("days", "number", "天数", "Days",
                   ("天数", "实践天数", "培训天数", "累计天数", "days"), min=0, max=3660),
            Column("hours", "number", "学时", "Hours",
                   ("学时", "培训学时", "学时数", "hours", "training hours"), min=0, max=10_000),
            Column("course", "text", "培训项目", "Course",
                   ("培训项目", "培训内容", "培训名称", "实践内容", "实践岗位", "course", "topic")),
            Column("enterprise_id", "id", "实践企业", "Host enterprise",
                   ("实践企业", "实践单位", "培训单位", "承训企业", "host enterprise"), ref="enterprises"),
        ),
        words=("双向培训", "培训记录", "企业实践", "师资培训", "教师培训", "培训台账", "training"),
        year_column="start_date",
    ),
    Table(
        "actions", "决策事项", "Actions", ("decided_on", "title"),
        (
            Column("decided_on", "date", "决策日期", "Decided on",
                   ("决策日期", "会议日期", "议定日期", "决定日期", "交办日期", "decided on",
                    "meeting date")),
            Column("title", "text", "事项", "Action",
                   ("事项", "督办事项", "决策事项", "议定事项", "工作事项", "整改措施", "措施", "任务",
                    "action", "task", "decision")),
            Column("owner_side", "enum", "责任方", "Owner side",
                   ("责任方", "牵头方", "责任主体", "owner side"), required=True),
            Column("owner", "text", "责任人", "Owner",
                   ("责任人", "责任部门", "责任单位", "牵头部门", "负责人", "owner", "responsible"),
                   personal=True),
            Column("due_on", "date", "完成时限", "Due on",
                   ("完成时限", "完成期限", "办结时限", "时限", "due on", "due date", "deadline"),
                   required=True),
            Column("action_status", "enum", "完成情况", "Action status",
                   ("完成情况", "办理情况", "办结情况", "进展情况", "落实情况", "action status"),
                   default="open"),
            Column("done_on", "date", "完成日期", "Done on",
                   ("完成日期", "办结日期", "实际完成日期", "done on", "completed on")),
            Column("metric", "enum", "关联指标", "Linked figure",
                   ("关联指标", "目标指标", "对应指标", "linked figure")),
            Column("figure_filters", "text", "指标范围", "Figure filters",
                   ("指标范围", "筛选条件", "figure filters", "filters")),
            Column("expected", "enum", "预期方向", "Expected direction",
                   ("预期方向", "预期变化", "目标方向", "expected direction", "expected")),
            Column("baseline_value", "number", "决策时数值", "Value on the day",
                   ("决策时数值", "当日数值", "基线值", "value on the day", "baseline value")),
            Column("baseline_low", "number", "决策时区间下限", "Interval low on the day",
                   ("决策时区间下限", "基线区间下限", "baseline low")),
            Column("baseline_high", "number", "决策时区间上限", "Interval high on the day",
                   ("决策时区间上限", "基线区间上限", "baseline high")),
            Column("baseline_numerator", "number", "决策时分子", "Numerator on the day",
                   ("决策时分子", "基线分子", "baseline numerator"), min=0),
            Column("baseline_denominator", "number", "决策时分母", "Denominator on the day",
                   ("决策时分母", "基线分母", "baseline denominator"), min=0),
            Column("baseline_period", "text", "决策时统计期", "Period on the day",
                   ("决策时统计期", "基线统计期", "baseline period")),
            _SCHOOL_ID,
            Column("recorded_by", "text", "记录人", "Recorded by",
                   ("记录人", "登记人", "填报人", "recorded by"), personal=True),
            Column("notes", "text", "备注", "Notes", ("备注", "说明", "进展说明", "notes", "remarks"),
                   personal=True),
        ),
        words=("督办", "决策事项", "会议决定", "议定事项", "任务清单", "整改清单", "领导小组", "actions"),
        year_column="decided_on",
    ),
)

# Headers any school sheet may carry whatever it is about (row numbers, contact details,
# notes, signatures): they say nothing about which table a sheet is, and are never
# "another table's columns" when left out.
GENERIC_HEADERS = (
    "序号", "编号", "行号", "no", "no.", "#", "备注", "说明", "附注", "联系电话", "电话", "手机", "手机号",
    "手机号码", "联系方式", "民族", "政治面貌", "出生日期", "出生年月", "籍贯", "家庭住址", "住址", "邮箱",
    "电子邮箱", "email", "qq", "微信", "身份证号", "身份证号码", "证件号码", "证件类型", "填表人", "审核人",
    "签名", "phone", "remarks", "note", "notes",
)
# Metadata columns of survey platforms (问卷星, 腾讯问卷, 金数据): recognised and ignored
# (the submit time and the answer number are read as the survey date and the respondent).
SURVEY_METADATA = (
    "序号", "答卷编号", "答卷id", "提交答卷时间", "提交时间", "开始答题时间", "结束答题时间", "所用时间",
    "答题时长", "填写时长", "来源", "来源详情", "来源渠道", "渠道", "来自ip", "ip", "ip地址", "ip归属地",
    "地理位置", "总分", "浏览器", "操作系统", "填写设备", "设备", "用户id", "用户名", "昵称", "微信昵称",
    "答卷状态", "填写人id", "扩展字段", "自定义字段", "序列号",
)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(TABLE_BY_NAME)


def table_key(text: str) -> str | None:
    """The key of the table ``text`` names: its key, Chinese or English name, in any case
    ("学生", "Students", "students" → "students"); ``None`` when no table has that name."""
    wanted = text.strip().casefold()
    for t in TABLES:
        if wanted in (t.name, t.zh.casefold(), t.en.casefold()):
            return t.name
    return None


def table(name: str) -> Table:
    """The canonical table ``name``; ``KeyError`` names the known tables."""
    try:
        return TABLE_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLE_NAMES)}") from None
