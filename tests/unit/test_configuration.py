"""Start-up configuration: settings, policy file, estate file and catalogues."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import DEFAULTS_DIR, ConfigError, load_settings
from bot.domain.deadlines import AlarmKind
from bot.domain.kinds import with_own_forms
from bot.domain.orders import MoneyKind, OrderStage, OrderStep
from bot.domain.registry import Line
from bot.domain.repairs import RepairStage, RepairStep, RepairType
from bot.domain.reports import PeriodKind
from bot.domain.staff import Department, Role
from bot.domain.tickets import (
    Channel,
    EventKind,
    Nature,
    Severity,
    TicketKind,
    TicketStatus,
    WaitingReason,
)
from bot.files import load_estate
from bot.i18n import LANGUAGES, load_catalogues
from bot.policy import Policy, load_policy
from bot.services.export import MONEY_COLUMNS, REGISTRY_COLUMNS, REPEAT_COLUMNS
from bot.services.filing import own_form
from bot.services.followup import CallOutcome
from bot.views.card import CardAction
from bot.views.dispatch import DispatchAction
from bot.views.report import DIMENSIONS
from handlers import BOT_COMMANDS, install
from handlers.dialogue import FLOWS
from handlers.handover import FIELDS as HANDOVER_FIELDS
from handlers.menu import ENTRIES, STAFF_DESK
from handlers.staff import MANAGER_COMMANDS, STAFF_COMMANDS
from handlers.steps import question_keys

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:TEST-token-for-the-offline-simulation"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in ("BOT_TOKEN", "DATABASE_URL", "MODE", "TIMEZONE", "ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)


def test_missing_token_is_one_clear_line() -> None:
    with pytest.raises(ConfigError, match=r"^BOT_TOKEN is not set$"):
        load_settings()


@pytest.mark.parametrize(
    "token", ["abc", "123:short", "not a token at all:xxxxxxxxxxxxxxxxxxxxxxxxx"]
)
def test_malformed_token_is_refused(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", token)
    with pytest.raises(ConfigError, match="BOT_TOKEN does not look like a token"):
        load_settings()


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", "1, 2")
    settings = load_settings()
    assert settings.admin_ids == [1, 2]
    assert settings.timezone == "Asia/Shanghai"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE unknown time zone"),
        ("MODE", "carrier-pigeon", "MODE"),
        ("WEBHOOK_PORT", "99999", "WEBHOOK_PORT"),
    ],
)
def test_invalid_settings(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_webhook_needs_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("MODE", "webhook")
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings()


def test_default_policy_matches_the_house_rules() -> None:
    policy = load_policy(DEFAULTS_DIR / "policy.toml")
    assert policy.promise(Severity.GENERAL).first_answer_hours == 1
    assert policy.promise(Severity.IMPORTANT).first_answer_hours == 3
    assert policy.promise(Severity.MAJOR).resolve_hours == 168
    assert policy.references[TicketKind.COMPLAINT] == "TS"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not = [toml", "not valid TOML"),
        ("[references]\ncomplaint='TS'\n", "categories"),
        (
            (DEFAULTS_DIR / "policy.toml")
            .read_text()
            .replace("first_answer_hours = 1\n", "first_answer_hours = -1\n"),
            "severity.general.first_answer_hours",
        ),
        (
            (DEFAULTS_DIR / "policy.toml")
            .read_text()
            .replace('suggestion = "JY"', 'suggestion = "TS"'),
            "differ per kind",
        ),
        (
            (DEFAULTS_DIR / "policy.toml")
            .read_text()
            .replace('complaint = "TS"', 'complaint = "投诉"'),
            "references.complaint: .*'投诉' must be 1-6 ASCII letters or digits",
        ),
        (
            (DEFAULTS_DIR / "policy.toml")
            .read_text()
            .replace('complaint = "TS"', 'complaint = "7S"'),
            "starting with a letter",
        ),
    ],
)
def test_broken_policy_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_policy(path)


def test_a_lower_case_prefix_is_stored_as_the_parser_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        (DEFAULTS_DIR / "policy.toml").read_text().replace('complaint = "TS"', 'complaint = "ts"')
    )
    assert load_policy(path).references[TicketKind.COMPLAINT] == "TS"


def test_missing_estate_file_and_bad_estate(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_estate(tmp_path / "nope.toml")
    bad = tmp_path / "estate.toml"
    bad.write_text('[estate]\ncode="x"\n[[buildings]]\ncode="1"\n')
    with pytest.raises(ConfigError, match="building 1 needs units"):
        load_estate(bad)


def _keys_used_in_code() -> set[str]:
    """Literal text keys passed to t(...), reprompt(...), Invalid(...) anywhere in the code."""
    keys: set[str] = set()
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name not in {
                    "t",
                    "_t",
                    "reprompt",
                    "Invalid",
                    "staff_card",
                    "to_resident",
                    "to_resident_plain",
                    "refuse",
                    "keep",
                    "choice_step",
                    "text_step",
                    "add",
                }:
                    continue
                for arg in node.args:
                    if (
                        isinstance(arg, ast.Constant)
                        and isinstance(arg.value, str)
                        and re.fullmatch(r"[a-z_]+\.[a-z_0-9]+", arg.value)
                    ):
                        keys.add(arg.value)
            # Keys chosen by a condition or passed by name (`reason="repair.not_fixed"`).
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and re.fullmatch(rf"(?:{TEXT_AREAS})\.[a-z_0-9]*[a-z0-9]", node.value)
                ):
                    keys.add(node.value)
    return keys


TEXT_AREAS = "order|repair|steps|profile|card|notice|followup|resident|summary|invalid|common"


def _own_forms_keys(policy: Policy) -> set[str]:
    """Every text the desk's own forms (complaint, suggestion, repair) are worded with."""
    return {
        key
        for kind in with_own_forms()
        for question in own_form(TicketKind(kind.code), policy).questions
        if question.words is not None
        for key in question.words.keys(question.soon)
    }


def test_every_text_key_is_in_every_catalogue() -> None:
    catalogues = load_catalogues()
    policy = load_policy(DEFAULTS_DIR / "policy.toml")
    needed = _keys_used_in_code()
    assert len(needed) > 80
    needed |= {f"category.{c}" for c in policy.categories.complaint}
    needed |= {f"status.{s.value}" for s in TicketStatus}
    needed |= {f"kind.{k.value}" for k in TicketKind}
    needed |= {f"language.{code}" for code in LANGUAGES}
    needed |= {f"role.{r.value}" for r in Role} | {f"department.{d.value}" for d in Department}
    needed |= {f"nature.{n.value}" for n in Nature} | {f"severity.{s.value}" for s in Severity}
    needed |= {f"event.{e.value}" for e in EventKind} | {"severity.unset"}
    needed |= {f"waiting.{w.value}" for w in WaitingReason}
    needed |= {f"resident.waiting_{w.value}" for w in WaitingReason}
    needed |= {action.label_key for action in CardAction}
    needed |= {f"channel.{c.value}" for c in Channel}
    install()  # the features' flows and menu entries, as handlers.register composes them
    needed |= {f"flow.{name}" for name in FLOWS} | {"flow.unknown"}
    needed |= set(ENTRIES) | {STAFF_DESK}
    silent = ("followup", "month_old", "birthday")  # these speak through other notices
    needed |= {f"notice.{k.value}" for k in AlarmKind if not k.value.startswith(silent)}
    needed |= {f"notice.handed_{s.value}" for s in Severity}
    needed |= {f"followup.rating_{n}" for n in range(1, 6)}
    needed |= {f"call.{o.value}" for o in CallOutcome}
    needed |= {"notice.waiting_date", "card.approve", "card.reject"}
    needed |= {"followup.yes", "followup.no", "followup.heard_solved"}
    needed |= {f"registry.line_{line.value}" for line in Line}
    needed |= {f"report.title_{kind.value}" for kind in PeriodKind}
    needed |= {f"report.by_{name}" for name in DIMENSIONS}
    needed |= {f"export.col_{c}" for c in REGISTRY_COLUMNS}
    needed |= {f"export.col_money_{c}" for c in MONEY_COLUMNS}
    needed |= {f"export.col_repeat_{c}" for c in REPEAT_COLUMNS}
    needed |= {f"export.money.{k.value}" for k in MoneyKind} | {"export.money.repair_cost"}
    needed |= {f"dispatch.{a.name.lower()}" for a in DispatchAction}
    needed |= {f"survey.q.{q}" for q in policy.reports.survey_questions}
    needed |= {f"handover.shift_{s}" for s in policy.reports.shifts}
    needed |= {f"handover.edit_{f}" for f in HANDOVER_FIELDS}
    needed |= question_keys() | _own_forms_keys(policy)
    needed |= {f"repair.type_{t.value}" for t in RepairType}
    needed |= {f"repair.stage_{s.value}" for s in RepairStage}
    needed |= {f"repair.step_{s.value}" for s in RepairStep}
    needed |= {f"order.stage_{s.value}" for s in OrderStage}
    needed |= {f"order.step_{s.value}" for s in OrderStep}
    needed |= {f"notice.order_{s.value}" for s in OrderStage}
    needed |= {f"{kind.value}.ask_category" for kind in (TicketKind.COMPLAINT, TicketKind.REPAIR)}
    needed |= {f"summary.title_{kind.value}" for kind in (TicketKind.REPAIR,)}
    needed |= {f"card.{kind.value}" for kind in (TicketKind.TASK, TicketKind.VISIT)}
    commands = (*BOT_COMMANDS, *STAFF_COMMANDS, *MANAGER_COMMANDS)
    needed |= {f"command.{name}" for name in commands}
    for language in LANGUAGES:
        missing = needed - catalogues.keys(language)
        assert not missing, f"{language} lacks {sorted(missing)}"
    assert catalogues.keys("en") == catalogues.keys("zh_Hans")


def test_catalogue_placeholders_agree_between_languages() -> None:
    catalogues = load_catalogues()
    for key in catalogues.keys("en"):
        fields = [
            {
                field
                for form in catalogues.forms(lang, key)
                for field in re.findall(r"{(\w+)}", form)
            }
            for lang in LANGUAGES
        ]
        assert fields[0] == fields[1], key


def _policy_fields(model: type[BaseModel]) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= _policy_fields(kind)
        for arg in getattr(kind, "__args__", ()):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _policy_fields(arg)
    return names


def test_every_policy_value_is_read_by_the_code() -> None:
    """A number in the policy file that nothing reads would mislead whoever sets it."""
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("bot", "handlers", "scheduler")
        for path in (ROOT / folder).rglob("*.py")
    )
    unread = sorted(name for name in _policy_fields(Policy) if not re.search(rf"\.{name}\b", code))
    assert unread == []


def test_an_unknown_policy_value_is_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        (DEFAULTS_DIR / "policy.toml")
        .read_text()
        .replace("remind_at = 0.8", "remind_at = 0.8\nremind_twice = true")
    )
    with pytest.raises(ConfigError, match=r"deadlines\.remind_twice"):
        load_policy(path)
