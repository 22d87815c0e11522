"""A web shop's orders, returns and prices: a toolset the workbench does not ship as a template.

Written for issue 16 to try the workbench as a new user would, from their own module of typed
functions (`workbench init DIR --tools tests/toolsets/shop/stubs.py`): the functions become the
tools and run their calls. It has the hard parts on purpose: patterned ids and times, ISO 4217
currency codes, `rt_`-prefixed return ids, store names that only a description lists, customer
emails, enums and integer bounds.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import Field

DESTRUCTIVE = {"cancel_order"}

OrderId = Annotated[str, Field(pattern=r"^ORD-\d{6}$")]
ReturnId = Annotated[str, Field(pattern=r"^rt_\d{4}$")]
Sku = Annotated[str, Field(pattern=r"^SKU-[A-Z0-9]{5}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Email = Annotated[str, Field(json_schema_extra={"format": "email"})]
Time = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Quantity = Annotated[int, Field(ge=1, le=10)]
Amount = Annotated[float, Field(gt=0)]

STORES = ("Downtown", "Riverside Mall", "Airport Plaza")
# Units of each currency per euro (a fixed table: the stub's world, not a market).
RATES = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85, "JPY": 162.0, "CHF": 0.95, "CAD": 1.47, "AUD": 1.64, "SEK": 11.3,
         "NOK": 11.6, "DKK": 7.46, "PLN": 4.31, "CZK": 25.2, "INR": 90.1, "CNY": 7.8, "MXN": 18.4, "BRL": 5.4,
         "ZAR": 20.3, "SGD": 1.45, "NZD": 1.78, "KRW": 1440.0}


def make_state() -> dict:
    orders = {
        "ORD-104233": {"email": "maya.chen@example.com", "status": "delivered", "placed": "2026-02-20",
                       "items": {"SKU-JK220": ("Rain jacket", 1), "SKU-SK118": ("Wool socks", 3)}},
        "ORD-104871": {"email": "maya.chen@example.com", "status": "shipped", "placed": "2026-02-27",
                       "items": {"SKU-BT400": ("Trail boots", 1)}},
        "ORD-105002": {"email": "tom.okafor@example.org", "status": "processing", "placed": "2026-03-01",
                       "items": {"SKU-MG015": ("Coffee mug", 2), "SKU-TB990": ("Tote bag", 1)}},
        "ORD-103590": {"email": "tom.okafor@example.org", "status": "delivered", "placed": "2026-01-15",
                       "items": {"SKU-HD310": ("Hoodie", 2)}},
        "ORD-106114": {"email": "lena.ruiz@example.net", "status": "delivered", "placed": "2026-02-24",
                       "items": {"SKU-LP702": ("Desk lamp", 1), "SKU-CB250": ("Cutting board", 2)}},
        "ORD-106530": {"email": "lena.ruiz@example.net", "status": "processing", "placed": "2026-03-01",
                       "items": {"SKU-KT880": ("Kettle", 1)}},
    }
    return {"orders": orders, "returns": {}, "next_return": 4101}


def _order(state: dict, order_id: str) -> dict:
    if order_id not in state["orders"]:
        raise LookupError(f"no order {order_id}")
    return state["orders"][order_id]


def find_order(state: dict, order_id: OrderId) -> dict:
    """Look up one order by its number.

    Args:
        order_id: The order number, like ORD-104233.
    """
    o = _order(state, order_id)
    return {"order_id": order_id, "status": o["status"], "placed": o["placed"],
            "items": [{"sku": sku, "name": name, "quantity": q} for sku, (name, q) in o["items"].items()]}


def list_orders(state: dict, customer_email: Email,
                status: Optional[Literal["processing", "shipped", "delivered", "cancelled"]] = None,
                placed_after: Optional[dt.date] = None) -> dict:
    """List a customer's orders, newest first.

    Args:
        customer_email: The email address the orders were placed with.
        status: Only orders in this state.
        placed_after: Only orders placed after this date.
    """
    rows = [{"order_id": oid, "status": o["status"], "placed": o["placed"]}
            for oid, o in state["orders"].items() if o["email"] == customer_email.lower()
            and (status is None or o["status"] == status) and (placed_after is None or o["placed"] > str(placed_after))]
    return {"orders": sorted(rows, key=lambda r: r["placed"], reverse=True)}


def start_return(state: dict, order_id: OrderId, sku: Sku, quantity: Quantity,
                 reason: Literal["damaged", "wrong_item", "too_small", "too_large", "changed_mind"]) -> dict:
    """Start a return for items of a delivered order.

    Args:
        order_id: The order the items came in, like ORD-104233.
        sku: The item's code, like SKU-JK220.
        quantity: How many of the item to send back, 1 to 10.
        reason: Why the item goes back.
    """
    o = _order(state, order_id)
    if o["status"] != "delivered":
        raise ValueError(f"order {order_id} is {o['status']}; only delivered orders can be returned")
    if sku not in o["items"]:
        raise LookupError(f"{sku} is not in order {order_id}")
    if quantity > o["items"][sku][1]:
        raise ValueError(f"order {order_id} has only {o['items'][sku][1]} of {sku}")
    rid = f"rt_{state['next_return']}"
    state["next_return"] += 1
    state["returns"][rid] = {"order_id": order_id, "sku": sku, "quantity": quantity, "reason": reason}
    return {"return_id": rid, "status": "awaiting_pickup"}


def schedule_pickup(state: dict, return_id: ReturnId, store: str, day: dt.date, time: Time) -> dict:
    """Book a slot to drop a return off at one of our stores.

    Args:
        return_id: The return's id, like rt_4101.
        store: Which store: Downtown, Riverside Mall or Airport Plaza.
        day: The day of the drop-off.
        time: The time of the drop-off as HH:MM (24-hour), between 09:00 and 18:00.
    """
    if return_id not in state["returns"]:
        raise LookupError(f"no return {return_id}")
    if store not in STORES:
        raise ValueError(f"no store named {store!r}; stores: {', '.join(STORES)}")
    if not "09:00" <= time <= "18:00":
        raise ValueError("drop-offs are between 09:00 and 18:00")
    state["returns"][return_id]["pickup"] = (store, str(day), time)
    return {"return_id": return_id, "store": store, "day": str(day), "time": time, "status": "scheduled"}


def convert_price(amount: Amount, from_currency: Currency, to_currency: Currency) -> dict:
    """Convert a price between currencies.

    Args:
        amount: The price to convert.
        from_currency: ISO 4217 code of the price's currency, like EUR.
        to_currency: ISO 4217 code to convert to, like USD.
    """
    for code in (from_currency, to_currency):
        if code not in RATES:
            raise ValueError(f"unsupported currency {code}")
    value = amount / RATES[from_currency] * RATES[to_currency]
    return {"amount": round(value, 2), "currency": to_currency}


def cancel_order(state: dict, order_id: OrderId) -> dict:
    """Cancel an order that has not shipped yet. This cannot be undone.

    Args:
        order_id: The order number, like ORD-105002.
    """
    o = _order(state, order_id)
    if o["status"] != "processing":
        raise ValueError(f"order {order_id} is {o['status']}; only processing orders can be cancelled")
    o["status"] = "cancelled"
    return {"order_id": order_id, "status": "cancelled"}
