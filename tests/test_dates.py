"""The `{calendar}` line must name every date the way the offline generator says it."""

import datetime as dt
import json
import random
import re

from workbench.dates import WEEKDAYS, calendar, fill_prompt
from workbench.generate.values import Dates
from workbench.project import Settings


def named_dates(line: str) -> dict[str, str]:
    """{"next Friday": "2026-03-13", ...} from a calendar."""
    out = {}
    for entry in line.splitlines()[1:]:
        label, date = entry.split(": ")
        assert label not in out, f"{label} named twice"
        out[label] = date
    return out


def test_calendar_agrees_with_the_generators_dates_for_every_weekday():
    for offset in range(7):  # today on each day of the week, across a month's end
        today = dt.date(2026, 3, 26) + dt.timedelta(days=offset)
        line = calendar(today)
        names = named_dates(line)
        gen = Dates(today)
        assert names["tomorrow"] == (today + dt.timedelta(days=1)).isoformat()
        for i, day in enumerate(WEEKDAYS):
            assert names[day] == gen.weekday(i).isoformat(), (today, day)
            assert names[f"next {day}"] == gen.weekday(i, next_week=True).isoformat(), (today, day)
        assert line.startswith(f"Today is {WEEKDAYS[today.weekday()]} {today.isoformat()}.")
        assert names["end of the month"] == gen.end_of_month().isoformat()
        in_order = [day for label, day in names.items() if label != "end of the month"]
        assert in_order == sorted(in_order)


def test_every_weekday_date_the_generator_writes_can_be_copied_from_the_calendar():
    today = dt.date(2026, 3, 2)
    names = named_dates(calendar(today))
    rng = random.Random(0)
    seen = 0
    for _ in range(500):
        slot = Dates(today).draw(rng)
        said = re.sub(r"^this ", "", slot.text)
        if said in names:
            assert names[said] == slot.value.isoformat(), slot
            seen += 1
    assert seen > 100  # weekday names and "tomorrow" are a good share of the dates people say


def test_system_prompt_placeholders():
    s = Settings(today="2026-03-02", system_prompt="Today is {today}. {calendar}")
    text = s.render_system_prompt()
    assert text.startswith("Today is 2026-03-02. Today is Monday 2026-03-02. Dates:\n"
                           "tomorrow: 2026-03-03\nTuesday: 2026-03-03\n")
    assert "{" not in text


def test_an_adapter_is_given_another_day_through_its_saved_template(tmp_path):
    from workbench.inference import adapter_system_prompt

    template = "Tools help. {calendar}"
    (tmp_path / "workbench.json").write_text(json.dumps({
        "system_prompt": fill_prompt(template, "2026-03-02"), "system_prompt_template": template,
        "today": "2026-03-02"}))
    assert "Today is Monday 2026-03-02." in adapter_system_prompt(tmp_path, "")
    moved = adapter_system_prompt(tmp_path, "", today="2026-04-10")
    assert "Today is Friday 2026-04-10." in moved and "next Monday: 2026-04-13" in moved
    # An adapter saved before templates were kept answers with the prompt it was trained with.
    (tmp_path / "workbench.json").write_text(json.dumps({"system_prompt": "Today is 2026-03-02."}))
    assert adapter_system_prompt(tmp_path, "", today="2026-04-10") == "Today is 2026-03-02."


def test_serve_today_must_be_a_date(tmp_path, capsys):
    from workbench.cli import main

    assert main(["serve", str(tmp_path), "--today", "tomorrowish"]) == 2
    assert "--today: 'tomorrowish' is not a date as YYYY-MM-DD, or `now`" in capsys.readouterr().err
