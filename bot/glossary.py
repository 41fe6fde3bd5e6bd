"""One word per thing: the glossary every catalogue text keeps to.

Residents are often elderly and read slowly; staff read cards between other work. A thing
called three ways ("ticket", "item", "request"; 工单, 事项, 单子) makes both stop and
wonder whether three things are meant, and a text that mentions a button must use the
button's own word. So each concept has one word for residents and one for staff, in English
and Chinese, and the variants people used before are listed as not allowed: the words test
(tests/unit/test_words.py) walks every key of both catalogues with its audience
(bot.audience) and fails on any of them. The README's "Words" section shows this table.

Variants are regular expressions, matched against a text's prose: what is inside
`<code>`, the placeholders and the /commands are not prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Words:
    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Avoid:
    """Variants (regular expressions) that a text must not use, per language."""

    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()

    def of(self, language: str) -> tuple[str, ...]:
        return self.zh if language.startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class Term:
    concept: str  # what is named, as the README's table says it
    resident: Words  # the word in texts residents read
    staff: Words  # the word in texts staff read
    avoid: Avoid = field(default_factory=Avoid)  # in no text at all
    avoid_for_residents: Avoid = field(default_factory=Avoid)  # not in texts residents read


GLOSSARY: tuple[Term, ...] = (
    Term(
        "the resident",
        Words("you", "您"),
        Words("resident", "业户"),
        avoid=Avoid(zh=("住户", "业主")),
        avoid_for_residents=Avoid(en=(r"\bthe resident\b",), zh=("业户",)),
    ),
    Term(
        "an item (complaint, repair, order, suggestion …)",
        Words("request", "事项"),
        Words("item", "事项"),
        avoid=Avoid(en=(r"\btickets?\b",), zh=("工单", "单子", "诉求")),
        avoid_for_residents=Avoid(en=(r"\bitems?\b",)),
    ),
    Term(
        "its reference number (TS-20261124-0001)",
        Words("reference", "编号"),
        Words("reference", "编号"),
        avoid=Avoid(
            en=(r"\bref\b", r"\breference number\b", r"\b(order|item|request) number\b"),
            zh=("单号",),
        ),
    ),
    Term(
        "accept (take an item on)",
        Words("accept", "受理"),
        Words("accept", "受理"),
        avoid=Avoid(en=(r"\bt(ake|akes|aken|aking|ook) (it |this |them )?up\b",), zh=("接单",)),
    ),
    Term(
        "resolved (the result is given)",
        Words("resolved", "处理完毕"),
        Words("resolve", "处理完毕"),
        avoid=Avoid(en=(r"\bdealt with\b",), zh=("办结", "已处理(?!完毕)")),
    ),
    Term(
        "reopen",
        Words("reopen", "重新处理"),
        Words("reopen", "重新处理"),
        avoid=Avoid(en=(r"\bre-open",), zh=("重新打开", "重开")),
    ),
    Term(
        "the desk (customer service)",
        Words("the service desk", "服务中心"),
        Words("the service desk", "服务中心"),
        avoid=Avoid(
            en=(
                r"\bmanagement office\b",
                r"\bfront desk\b",
                r"\bconcierge desk\b",
                r"(?<!service )(?<!staff )\bdesk\b",
            ),
            zh=("前台", "客服中心", "管理处"),
        ),
    ),
    Term(
        "engineering (the department)",
        Words("engineering", "工程部"),
        Words("engineering", "工程部"),
        avoid=Avoid(zh=("工程维修部", "维修部")),
    ),
    Term(
        "who comes to repair",
        Words("engineer", "维修师傅"),
        Words("engineer", "维修师傅"),
        avoid=Avoid(en=(r"\brepair(er|man)\b", r"\btechnician\b"), zh=("工程师", "维修人员")),
    ),
    Term(
        "an order (concierge service)",
        Words("order", "委托"),
        Words("order", "委托"),
        avoid=Avoid(zh=("订单",)),
    ),
    Term(
        "a zone of buildings",
        Words("zone", "片区"),
        Words("zone", "片区"),
        avoid=Avoid(zh=("(?<!公共)区域",)),
    ),
    Term(
        "the senior butler (customer-service manager)",
        Words("senior butler", "大管家"),
        Words("senior butler", "大管家"),
        avoid=Avoid(zh=("物业大管家",)),
    ),
    Term(
        "the chief butler",
        Words("chief butler", "首席管家"),
        Words("chief butler", "首席管家"),
        avoid=Avoid(zh=("首席物业管家",)),
    ),
)
