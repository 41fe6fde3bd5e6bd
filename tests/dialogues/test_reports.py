"""/report and /export through Telegram: the analysis with its chart (a real PNG), and the
registry as a spreadsheet openpyxl can read, each within the reader's remit."""

from __future__ import annotations

import io
import struct

from openpyxl import load_workbook

from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register


async def test_report_and_export_on_demand(desk: DeskHarness) -> None:
    chief = await enroll(desk, 8701, "Chief butler", "Customer service", "No zone")
    butler_a = await enroll(desk, 8702, "Butler", "Customer service", "A")
    li = desk.sim.user(8801, language_code="en")
    await register(li)
    for n in range(3):
        await file_complaint(li, f"The lobby lift is stuck again ({n})")

    await chief.says("/report week")
    text = next(m.body for m in reversed(chief.transcript) if "Weekly report" in m.body)
    assert "Items filed: <b>3</b>" in text
    assert "Repeat problems" in text  # three times at the same place
    assert "By category: Facilities" in text
    chart = desk.api.uploads[-1]
    assert chart.field == "photo"
    assert chart.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", chart.data[16:24]) == (800, 450)
    assert chief.transcript[-1].method == "sendPhoto"

    await chief.says("/export week")
    sent = chief.transcript[-1]
    assert sent.method == "sendDocument"
    assert "3 items" in (sent.caption or "")
    upload = desk.api.uploads[-1]
    assert upload.file_name is not None
    assert upload.file_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(upload.data), read_only=True)
    assert book.sheetnames == ["Registry", "Money trail", "Repeat problems"]
    rows = list(book["Registry"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Kind", "Received", "Channel")
    assert len(rows) == 4
    assert {r[4] for r in rows[1:]} == {"Li Lei"}  # a manager sees who filed it
    assert {r[9] for r in rows[1:]} == {f"The lobby lift is stuck again ({n})" for n in range(3)}
    repeats = list(book["Repeat problems"].iter_rows(values_only=True))
    assert repeats[1][1:3] == ("lobby of building 3", 3)

    await butler_a.says("/export week")  # zone A: none of these are theirs
    assert "0 items" in (butler_a.transcript[-1].caption or "")
    await chief.says("/report yesterday")
    assert "Please say week, month, or two dates" in chief.last_text
    await li.says("/export week")
    assert li.transcript[-1].method == "sendMessage"
