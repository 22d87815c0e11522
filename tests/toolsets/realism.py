"""What "realistic" means for a generated argument value, checked per parameter (issue 16).

A value is realistic when it is what a person would put there: a code from the real list
(ISO 4217 currencies), a valid clock time, a name the description lists, a value from the
schema's examples or the user's own data, an email made of a name, an id in the id's own
format, a number a person would say. A value that is merely valid ("design review" as a
currency, 0.01 as a price, 9 as a quantity of socks) is not.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from faker.providers.currency import Provider as Currency

from workbench.generate.schema_values import hints

ISO_4217 = {code for code, _ in Currency.currencies}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMAIL = re.compile(r"^[a-z][a-z.]*[a-z]@[a-z0-9.-]+\.[a-z]{2,}$")


def realistic(name: str, value, schema: dict, user_values: set) -> bool:
    if json.dumps(value) in user_values:
        return True
    desc = schema.get("description") or ""
    listed, closed = hints(desc)
    if closed:
        return value in listed
    if "enum" in schema:
        return value in schema["enum"]
    if "currency" in name or "ISO 4217" in desc:
        return value in ISO_4217
    if schema.get("format") == "date":
        dt.date.fromisoformat(value)
        return True
    if "time" in name:
        return bool(TIME.match(value))
    if schema.get("format") == "email":
        return bool(EMAIL.match(value))
    if schema.get("pattern"):
        return bool(re.search(schema["pattern"], value))
    if schema.get("type") == "integer":
        return 1 <= value <= 6 or value in (schema.get("minimum"), schema.get("maximum"))
    if schema.get("type") == "number":
        return 1 <= value <= 5000 and round(value, 2) == value
    return isinstance(value, str) and bool(value.strip())


def user_values(examples) -> set:
    out = set()
    for ex in examples:
        for m in ex.messages:
            for c in (m.get("tool_calls") or []) if isinstance(m, dict) else []:
                out.update(json.dumps(v) for v in json.loads(c["function"]["arguments"]).values())
    return out
