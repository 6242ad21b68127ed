"""Built-in text of generated digests in English, Japanese and Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Final

from ghdigest.models import Kind, Language

SECTION_TITLES: Final[dict[Kind, dict[Language, str]]] = {
    "paper": {"en": "Machine Learning Papers", "ja": "機械学習論文", "zh": "机器学习论文"},
    "article": {"en": "Technical Articles", "ja": "技術記事", "zh": "技术文章"},
    "use_case": {
        "en": "Examples of Machine Learning use cases",
        "ja": "機械学習の活用事例",
        "zh": "机器学习用例的例子",
    },
    "other": {"en": "Other topics", "ja": "その他の話題", "zh": "其他主题"},
}

#: Default section id for each kind.
SECTION_IDS: Final[dict[Kind, str]] = {
    "paper": "papers",
    "article": "articles",
    "use_case": "use-cases",
    "other": "other",
}

LABELS: Final[dict[str, dict[Language, str]]] = {
    "contents": {"en": "Contents", "ja": "目次", "zh": "内容"},
    "picks": {"en": "Editor's pickup", "ja": "編集者のピックアップ", "zh": "编辑精选"},
    "previous": {"en": "Previous week", "ja": "前の週", "zh": "上一周"},
    "next": {"en": "Next week", "ja": "次の週", "zh": "下一周"},
    "archive": {"en": "Archive", "ja": "アーカイブ", "zh": "归档"},
    "week": {"en": "Week", "ja": "週", "zh": "周"},
    "entries": {"en": "Entries", "ja": "件数", "zh": "条目"},
}

INTRO: Final[dict[Language, str]] = {
    "en": (
        "Here are the papers and articles I found most interesting in week {week} of {year} "
        "({start_text}~). I try to pick recent work, but a paper's submission date may fall "
        "outside the week."
    ),
    "ja": (
        "{year}年第{week}週({start_text}~)に読んだ論文や記事のうち、特に面白かったものを紹介します。"
        "なるべく新しいものを選んでいますが、論文の投稿日はその週と異なることがあります。"
    ),
    "zh": (
        "以下是我在 {year} 年第 {week} 周({start_text}~)读到的、觉得特别有意思的论文和文章。"
        "我尽量介绍最近的工作，但论文的提交日期可能不在这一周。"
    ),
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: dt.date, language: Language) -> str:
    """A month-and-day date as a reader of ``language`` writes it: Sep 13, 9月13日, 9 月 13 日."""
    if language == "ja":
        return f"{day.month}月{day.day}日"
    if language == "zh":
        return f"{day.month} 月 {day.day} 日"
    return f"{_MONTHS_EN[day.month - 1]} {day.day}"


def label(name: str, language: Language) -> str:
    """A built-in label (``contents``, ``picks``, …) in ``language``."""
    return LABELS[name][language]
