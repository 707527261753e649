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
    allowed: tuple[str, ...] = ()
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

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if (self.kind == "enum") != bool(self.allowed):
            raise ValueError(f"{self.name}: enum columns, and only they, list allowed values")

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

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
    # Headers that, when present, strongly suggest this table (besides column synonyms).
    signature: tuple[str, ...] = field(default=())
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

COOPERATION_FORMS = ("order_class", "apprenticeship", "campus_factory", "internship_base", "other")
TRAINING_MODELS = ("2+1", "1.5+1.5", "other")
MENTOR_TYPES = ("school", "enterprise")
EMPLOYMENT_STATUSES = (
    "employed",
    "self_employed",
    "further_study",
    "enlisted",
    "unemployed",
    "other",
)
ACTIVITY_TYPES = (
    "enterprise_visit",
    "school_teaching",
    "joint_research",
    "training",
    "student_meeting",
    "other",
)
SATISFACTION_DIMENSIONS = (
    "overall",
    "professional_skills",
    "work_attitude",
    "learning_ability",
    "teamwork",
    "innovation",
)
STAGES = ("basic", "skill", "internship")
BENCHMARK_INDICATORS = (
    "certificate_pass_rate",
    "initial_employment_rate",
    "employment_rate",
    "related_to_major_rate",
    "satisfaction",
    "achievement_rate",
    "median_salary",
    "other",
)
# Suppression markers of statistics offices, kept in ``benchmarks.marker`` when a value is missing.
SUPPRESSION_MARKERS = ("na", "ns", "nd", "x", "c", "low", "-")
EVALUATOR_TYPES = ("school", "enterprise", "student", "third_party")
FUNDING_SOURCES = ("school", "government", "enterprise")
GENDERS = ("male", "female", "other")

# Reusable column definitions (the same column in several tables keeps one spelling).
_STUDENT_ID = Column(
    "student_id", "id", "学号", "Student ID",
    ("学号", "学生编号", "学籍号", "学生学号", "学生id", "student id", "studentno", "student no",
     "student number", "stu id", "sid"),
    personal=True, ref="students",
)
_SCHOOL_ID = Column(
    "school_id", "id", "学校代码", "School ID",
    ("学校代码", "学校编号", "学校id", "院校代码", "school id", "school code", "schoolno",
     "学校", "学校名称", "所属学校", "院校", "school", "school name"),
    ref="schools",
)
_ENTERPRISE_ID = Column(
    "enterprise_id", "id", "企业编号", "Enterprise ID",
    ("企业编号", "企业代码", "企业id", "合作企业编号", "统一社会信用代码", "enterprise id",
     "company id", "enterprise code", "企业名称", "合作企业", "企业", "实习企业", "合作企业名称",
     "enterprise", "company", "partner enterprise", "enterprise name"),
    ref="enterprises",
)
_MENTOR_ID = Column(
    "mentor_id", "id", "导师工号", "Mentor ID",
    ("导师工号", "导师编号", "工号", "教师工号", "导师id", "mentor id", "staff id", "teacher id",
     "导师姓名", "导师", "mentor", "mentor name"),
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
                   ("地区", "所在地区", "区域", "所在地", "省市", "region", "area", "city")),
        ),
        signature=("学校代码", "学校名称"),
    ),
    Table(
        "enterprises", "合作企业", "Enterprises", ("enterprise_id",),
        (
            Column("enterprise_id", "id", "企业编号", "Enterprise ID",
                   ("企业编号", "企业代码", "企业id", "统一社会信用代码", "enterprise id",
                    "company id", "enterprise code")),
            Column("enterprise_name", "text", "企业名称", "Enterprise name",
                   ("企业名称", "合作企业", "企业", "合作企业名称", "单位名称", "enterprise name",
                    "company", "company name", "enterprise"), required=True),
            Column("industry", "text", "所属行业", "Industry",
                   ("所属行业", "行业", "行业类别", "industry", "sector")),
            Column("cooperation_form", "enum", "合作形式", "Cooperation form",
                   ("合作形式", "合作模式", "合作方式", "cooperation form", "cooperation type",
                    "partnership form"), allowed=COOPERATION_FORMS),
            Column("partner_since", "date", "合作起始日期", "Partner since",
                   ("合作起始日期", "合作开始时间", "合作起始时间", "签约日期", "合作时间",
                    "partner since", "partnership start", "since")),
            Column("demonstration_unit", "bool", "是否示范单位", "Demonstration unit",
                   ("是否示范单位", "示范单位", "是否示范", "demonstration unit", "demonstration")),
        ),
        signature=("企业名称", "合作形式"),
    ),
    Table(
        "mentors", "导师", "Mentors", ("mentor_id",),
        (
            Column("mentor_id", "id", "导师工号", "Mentor ID",
                   ("导师工号", "导师编号", "工号", "教师工号", "职工号", "导师id", "mentor id",
                    "staff id", "teacher id", "employee id")),
            Column("mentor_name", "text", "导师姓名", "Mentor name",
                   ("导师姓名", "姓名", "教师姓名", "导师", "mentor name", "name"),
                   required=True, personal=True),
            Column("mentor_type", "enum", "导师类型", "Mentor type",
                   ("导师类型", "导师类别", "类型", "校内/企业", "mentor type", "type"),
                   required=True, allowed=MENTOR_TYPES),
            _SCHOOL_ID,
            _ENTERPRISE_ID,
            _MAJOR,
            Column("years_experience", "number", "从业年限", "Years of experience",
                   ("从业年限", "教龄", "工作年限", "一线工作年限", "教龄/工龄", "工龄",
                    "years of experience", "years experience", "experience"), min=0, max=60),
            Column("dual_qualified", "bool", "是否双师型", "Dual-qualified",
                   ("是否双师型", "双师型", "双师型教师", "双师", "dual qualified",
                    "dual-qualified", "double qualified")),
            Column("qualification", "text", "职业资格证书", "Qualification",
                   ("职业资格证书", "资格证书", "职业资格", "职称/资格", "qualification",
                    "certificate", "professional qualification")),
            Column("appointed_on", "date", "聘任日期", "Appointed on",
                   ("聘任日期", "聘任时间", "聘用日期", "任职日期", "appointed on",
                    "appointment date", "appointed")),
        ),
        signature=("导师类型", "从业年限", "是否双师型"),
    ),
    Table(
        "students", "学生", "Students", ("student_id",),
        (
            Column("student_id", "id", "学号", "Student ID", _STUDENT_ID.synonyms, personal=True),
            Column("student_name", "text", "姓名", "Name",
                   ("姓名", "学生姓名", "student name", "name", "full name"), personal=True),
            Column("gender", "enum", "性别", "Gender", ("性别", "gender", "sex"), allowed=GENDERS),
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
                   ("培养模式", "学制模式", "培养方式", "training model", "model"),
                   allowed=TRAINING_MODELS),
            Column("dual_mentor", "bool", "是否双导师", "Dual-mentor program",
                   ("是否双导师", "双导师", "是否参加双导师制", "双导师制", "dual mentor",
                    "dual-mentor", "in program")),
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
        signature=("学号", "姓名", "班级", "入学年份"),
        year_column="cohort_year",
    ),
    Table(
        "certificate_exams", "技能证书考试", "Certificate exams",
        ("student_id", "certificate_name", "exam_date"),
        (
            _STUDENT_ID,
            Column("certificate_name", "text", "证书名称", "Certificate",
                   ("证书名称", "证书", "考证名称", "职业技能等级证书", "技能证书", "考试项目",
                    "certificate", "certificate name", "qualification", "exam")),
            Column("exam_date", "date", "考试日期", "Exam date",
                   ("考试日期", "考试时间", "考核日期", "考核时间", "exam date", "date of exam",
                    "test date")),
            Column("certificate_level", "text", "证书等级", "Level",
                   ("证书等级", "等级", "级别", "技能等级", "level", "certificate level", "grade")),
            Column("passed", "bool", "是否通过", "Passed",
                   ("是否通过", "通过", "考试结果", "结果", "是否合格", "考核结果", "passed",
                    "result", "pass", "outcome"), required=True),
            Column("score", "number", "成绩", "Score",
                   ("成绩", "分数", "考试成绩", "得分", "score", "mark", "marks"), min=0, max=100),
        ),
        signature=("证书名称", "是否通过"),
        year_column="exam_date",
    ),
    Table(
        "employment", "毕业生就业", "Employment", ("student_id", "survey_date"),
        (
            _STUDENT_ID,
            Column("survey_date", "date", "调查日期", "Survey date",
                   ("调查日期", "统计日期", "调查时间", "填报日期", "跟踪日期", "survey date",
                    "date of survey")),
            Column("graduation_year", "int", "毕业年份", "Graduation year",
                   ("毕业年份", "毕业届别", "届别", "毕业年度", "graduation year",
                    "graduating year", "year of graduation"), min=1990, max=2100),
            Column("status", "enum", "就业状态", "Status",
                   ("就业状态", "就业情况", "去向", "毕业去向", "就业去向", "状态", "status",
                    "employment status", "destination"), required=True, allowed=EMPLOYMENT_STATUSES),
            Column("employer_name", "text", "就业单位", "Employer",
                   ("就业单位", "工作单位", "单位名称", "用人单位", "employer", "employer name",
                    "company name")),
            Column("enterprise_id", "id", "合作企业", "Partner enterprise",
                   ("合作企业", "合作企业编号", "企业编号", "partner enterprise", "enterprise id"),
                   ref="enterprises"),
            Column("related_to_major", "bool", "是否专业对口", "Related to major",
                   ("是否专业对口", "专业对口", "是否对口", "对口", "related to major",
                    "related", "in field"), ),
            Column("start_date", "date", "入职日期", "Start date",
                   ("入职日期", "入职时间", "就业日期", "上岗日期", "start date", "date joined")),
            Column("monthly_salary", "number", "月薪", "Monthly salary",
                   ("月薪", "月收入", "起薪", "月工资", "薪资", "工资", "monthly salary", "salary",
                    "wage"), min=0, max=1_000_000, personal=True),
        ),
        signature=("就业状态", "就业单位"),
        year_column="graduation_year",
    ),
    Table(
        "satisfaction_surveys", "企业满意度调查", "Satisfaction surveys",
        ("enterprise_id", "survey_date", "respondent", "dimension", "seq"),
        (
            _ENTERPRISE_ID,
            Column("survey_date", "date", "调查日期", "Survey date",
                   ("调查日期", "调查时间", "填写日期", "填表日期", "问卷日期", "survey date",
                    "date")),
            Column("respondent", "text", "填写人", "Respondent",
                   ("填写人", "评价人", "调查对象", "答卷人", "受访者", "respondent", "rater"),
                   default="", personal=True),
            Column("dimension", "enum", "评价维度", "Dimension",
                   ("评价维度", "维度", "评价项目", "指标", "dimension", "aspect", "item"),
                   allowed=SATISFACTION_DIMENSIONS, default="overall"),
            Column("seq", "int", "序号", "Seq", generated=True, counter=True),
            Column("score", "number", "评分", "Score",
                   ("评分", "得分", "分数", "满意度", "评价", "score", "rating"),
                   required=True, min=0, max=100, likert=True),
            Column("scale_max", "number", "满分", "Scale maximum",
                   ("满分", "量表满分", "分制", "scale max", "scale maximum", "max score"),
                   default=5, min=2, max=100),
        ),
        signature=("评价维度", "评分"),
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
                   ("活动类型", "活动形式", "类型", "活动内容", "activity type", "type", "activity"),
                   allowed=ACTIVITY_TYPES),
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
        signature=("活动类型", "活动日期"),
        year_column="activity_date",
    ),
    Table(
        "student_assessments", "学生考核", "Student assessments", ("student_id", "term"),
        (
            _STUDENT_ID,
            Column("term", "text", "学期", "Term",
                   ("学期", "考核学期", "学年学期", "term", "semester")),
            Column("stage", "enum", "培养阶段", "Stage",
                   ("培养阶段", "阶段", "学习阶段", "stage", "phase"), allowed=STAGES),
            Column("theory_score", "number", "理论成绩", "Theory score",
                   ("理论成绩", "理论", "理论知识", "理论考核", "theory", "theory score"),
                   min=0, max=100),
            Column("skill_score", "number", "技能成绩", "Skill score",
                   ("技能成绩", "技能", "实操成绩", "实践技能", "技能考核", "skill", "skill score",
                    "practical score"), min=0, max=100),
            Column("professionalism_score", "number", "职业素养成绩", "Professionalism score",
                   ("职业素养成绩", "职业素养", "素养成绩", "素养", "professionalism",
                    "professionalism score"), min=0, max=100),
        ),
        signature=("理论成绩", "技能成绩", "职业素养成绩"),
    ),
    Table(
        "mentor_evaluations", "导师评价", "Mentor evaluations",
        ("mentor_id", "period", "evaluator_type"),
        (
            _MENTOR_ID,
            Column("period", "text", "评价周期", "Period",
                   ("评价周期", "考核周期", "学期", "学年", "期间", "period", "term")),
            Column("evaluator_type", "enum", "评价主体", "Evaluator",
                   ("评价主体", "评价方", "评价人类型", "评价类型", "evaluator", "evaluator type",
                    "rater type"), allowed=EVALUATOR_TYPES),
            Column("score", "number", "评价得分", "Score",
                   ("评价得分", "得分", "评分", "分数", "score", "rating"),
                   required=True, min=0, max=100),
        ),
        signature=("评价主体", "评价周期"),
    ),
    Table(
        "funding", "经费", "Funding", ("year", "source", "category"),
        (
            Column("year", "int", "年度", "Year", ("年度", "年份", "预算年度", "year", "fiscal year"),
                   min=1990, max=2100),
            Column("source", "enum", "经费来源", "Source",
                   ("经费来源", "来源", "资金来源", "source", "funding source"),
                   allowed=FUNDING_SOURCES),
            Column("category", "text", "支出类别", "Category",
                   ("支出类别", "类别", "用途", "经费类别", "项目", "category", "purpose", "item")),
            Column("budget", "number", "预算", "Budget",
                   ("预算", "预算金额", "预算数", "budget", "budgeted"), min=0),
            Column("spent", "number", "支出", "Spent",
                   ("支出", "实际支出", "执行金额", "已支出", "支出金额", "spent", "actual",
                    "expenditure"), min=0),
        ),
        signature=("经费来源", "预算", "支出"),
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
                   ("指标", "指标名称", "indicator", "measure", "metric"),
                   allowed=BENCHMARK_INDICATORS),
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
            Column("marker", "enum", "缺失标记", "Suppression marker", (),
                   allowed=SUPPRESSION_MARKERS, generated=True),
        ),
        signature=("指标", "分组", "数值"),
        year_column="year",
    ),
)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(TABLE_BY_NAME)


def table(name: str) -> Table:
    """The canonical table ``name``; ``KeyError`` names the known tables."""
    try:
        return TABLE_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLE_NAMES)}") from None
