"""Weather stubs: deterministic readings derived from the place name, so results repeat."""

from __future__ import annotations

import hashlib
from typing import Literal, Optional

from workbench.toolset import ToolError

__all__ = ["get_weather", "get_forecast"]
DESTRUCTIVE: tuple[str, ...] = ()
_CONDITIONS = ["sunny", "partly cloudy", "cloudy", "light rain", "rain", "windy", "snow"]


def make_state() -> dict:
    return {}


def _seed(location: str, salt: int = 0) -> int:
    key = f"{location.strip().lower()}|{salt}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big")


def _reading(location: str, day: int, unit: str) -> dict:
    if not location.strip():
        raise ToolError("location must not be empty")
    s = _seed(location, day)
    celsius = (s % 35) - 5
    temp = celsius if unit == "celsius" else round(celsius * 9 / 5 + 32)
    return {"temperature": temp, "unit": unit, "conditions": _CONDITIONS[s % len(_CONDITIONS)],
            "humidity": 30 + s % 60}


def get_weather(state: dict, location: str, unit: Optional[Literal["celsius", "fahrenheit"]] = None) -> dict:
    """Get the current weather for a location.

    Args:
        location: City name, optionally with country, e.g. Paris, France.
        unit: Temperature unit.
    """
    return {"location": location, **_reading(location, 0, unit or "celsius")}


def get_forecast(state: dict, location: str, days: Optional[int] = None) -> dict:
    """Get the daily weather forecast for the next days.

    Args:
        location: City name, optionally with country.
        days: Number of days, 1 to 7.
    """
    n = days or 3
    return {"location": location, "days": [{"day": d, **_reading(location, d, "celsius")} for d in range(1, n + 1)]}
