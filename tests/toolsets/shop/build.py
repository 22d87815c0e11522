"""Build the shop toolset's two hand-written files, with tool results from running the stubs:

- examples.jsonl: 15 examples as a user of the workbench would write them while curating
  (what generation may learn from);
- cases.jsonl: 32 test cases in other words and with other values (orders, SKUs, emails,
  currencies, stores, times), used only to score models. No generator reads this file.

An item named by what it is ("the desk lamp") rather than its SKU is found by looking the order
up first: no model can know the SKU otherwise.

Every request, call and answer below was written by hand. The day both assume is the
project's `today`, 2026-03-02, a Monday.

    .venv/bin/python tests/toolsets/shop/build.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2]))

from workbench.examples import make_example, serialize_entries  # noqa: E402
from workbench.tools import tools_from_module  # noqa: E402
from workbench.toolset import Session, Stubs, record  # noqa: E402

TODAY = "2026-03-02"
U, CALL, SAY = "user", "call", "say"

EXAMPLES = [
    ("single", [(U, "where's my order ORD-104871?"), (CALL, [("find_order", {"order_id": "ORD-104871"})]),
                (SAY, "ORD-104871 has shipped: your trail boots are on the way.")]),
    ("single", [(U, "Show me the orders for maya.chen@example.com"),
                (CALL, [("list_orders", {"customer_email": "maya.chen@example.com"})]),
                (SAY, "maya.chen@example.com has two orders: ORD-104871 (shipped, Feb 27) and ORD-104233 "
                      "(delivered, Feb 20).")]),
    ("single", [(U, "Has anything of tom.okafor@example.org been delivered?"),
                (CALL, [("list_orders", {"customer_email": "tom.okafor@example.org", "status": "delivered"})]),
                (SAY, "Yes: ORD-103590, placed January 15, was delivered.")]),
    # The item is named, not its SKU: only the order's lookup says which SKU the rain jacket is.
    ("multi_step", [(U, "The rain jacket from ORD-104233 is too small, I want to send it back"),
                (CALL, [("find_order", {"order_id": "ORD-104233"})]),
                (CALL, [("start_return", {"order_id": "ORD-104233", "sku": "SKU-JK220", "quantity": 1,
                                          "reason": "too_small"})]),
                (SAY, "Return rt_4101 is open for the rain jacket. Drop it at a store once you've booked a slot.")]),
    ("single", [(U, "How much is 49.90 EUR in US dollars?"),
                (CALL, [("convert_price", {"amount": 49.9, "from_currency": "EUR", "to_currency": "USD"})]),
                (SAY, "49.90 EUR is about 53.89 USD.")]),
    ("single", [(U, "convert 120 GBP to EUR"),
                (CALL, [("convert_price", {"amount": 120, "from_currency": "GBP", "to_currency": "EUR"})]),
                (SAY, "120 GBP is about 141.18 EUR.")]),
    ("single", [(U, "Please cancel ORD-105002, I ordered it by mistake"),
                (CALL, [("cancel_order", {"order_id": "ORD-105002"})]),
                (SAY, "ORD-105002 is cancelled; you won't be charged.")]),
    ("single", [(U, "what orders did maya.chen@example.com place after February 25?"),
                (CALL, [("list_orders", {"customer_email": "maya.chen@example.com", "placed_after": "2026-02-25"})]),
                (SAY, "One: ORD-104871, placed February 27, now shipped.")]),
    ("parallel", [(U, "Look up ORD-104233 and ORD-103590 for me"),
                  (CALL, [("find_order", {"order_id": "ORD-104233"}), ("find_order", {"order_id": "ORD-103590"})]),
                  (SAY, "Both are delivered: ORD-104233 (rain jacket and 3 pairs of wool socks) and ORD-103590 "
                        "(2 hoodies).")]),
    ("parallel", [(U, "What's 80 CHF in EUR, and in GBP?"),
                  (CALL, [("convert_price", {"amount": 80, "from_currency": "CHF", "to_currency": "EUR"}),
                          ("convert_price", {"amount": 80, "from_currency": "CHF", "to_currency": "GBP"})]),
                  (SAY, "80 CHF is about 84.21 EUR, or 71.58 GBP.")]),
    ("multi_step", [(U, "Return both hoodies from ORD-103590, they're damaged, and book me a drop-off at "
                        "Downtown on Friday at 10:30"),
                    (CALL, [("start_return", {"order_id": "ORD-103590", "sku": "SKU-HD310", "quantity": 2,
                                              "reason": "damaged"})]),
                    (CALL, [("schedule_pickup", {"return_id": "rt_4101", "store": "Downtown", "day": "2026-03-06",
                                                 "time": "10:30"})]),
                    (SAY, "Return rt_4101 is open for the two hoodies, and your drop-off is booked at Downtown on "
                          "Friday, March 6 at 10:30.")]),
    ("clarify", [(U, "I want to return something"),
                 (SAY, "Sure. Which order is it from, and which item? The order number looks like ORD-104233.")]),
    ("clarify", [(U, "Book a drop-off for my return at Riverside Mall tomorrow"),
                 (SAY, "Happy to. What's the return id (like rt_4101), and what time works for you?")]),
    ("no_tool", [(U, "hi!"), (SAY, "Hi! I can look up orders, start returns, book drop-offs and convert prices. "
                                  "What do you need?")]),
    ("no_tool", [(U, "what's your return policy?"),
                 (SAY, "Delivered items can be returned: tell me the order and the item, and I'll start the return "
                       "and book a drop-off at one of our stores.")]),
]

CASES = [
    # ---- single
    ("single", [(U, "Can you check on order ORD-106530"), (CALL, [("find_order", {"order_id": "ORD-106530"})]),
                (SAY, "ORD-106530 is still being processed: one kettle.")]),
    ("single", [(U, "what's in ORD-106114?"), (CALL, [("find_order", {"order_id": "ORD-106114"})]),
                (SAY, "A desk lamp and two cutting boards; it was delivered.")]),
    ("single", [(U, "list every order for lena.ruiz@example.net"),
                (CALL, [("list_orders", {"customer_email": "lena.ruiz@example.net"})]),
                (SAY, "Two orders: ORD-106530 (processing) and ORD-106114 (delivered).")]),
    ("single", [(U, "Which of lena.ruiz@example.net's orders are still processing?"),
                (CALL, [("list_orders", {"customer_email": "lena.ruiz@example.net", "status": "processing"})]),
                (SAY, "Just ORD-106530.")]),
    ("single", [(U, "any orders from tom.okafor@example.org since the first of February?"),
                (CALL, [("list_orders", {"customer_email": "tom.okafor@example.org", "placed_after": "2026-02-01"})]),
                (SAY, "One: ORD-105002, placed March 1.")]),
    ("multi_step", [(U, "The desk lamp in ORD-106114 arrived broken. Start a return please"),
                (CALL, [("find_order", {"order_id": "ORD-106114"})]),
                (CALL, [("start_return", {"order_id": "ORD-106114", "sku": "SKU-LP702", "quantity": 1,
                                          "reason": "damaged"})]),
                (SAY, "Return rt_4101 is open for the desk lamp.")]),
    ("single", [(U, "I got the wrong item: return 2 of SKU-CB250 from ORD-106114"),
                (CALL, [("start_return", {"order_id": "ORD-106114", "sku": "SKU-CB250", "quantity": 2,
                                          "reason": "wrong_item"})]),
                (SAY, "Return rt_4101 is open for both cutting boards.")]),
    ("multi_step", [(U, "I changed my mind about the wool socks in ORD-104233, send back 2 pairs"),
                (CALL, [("find_order", {"order_id": "ORD-104233"})]),
                (CALL, [("start_return", {"order_id": "ORD-104233", "sku": "SKU-SK118", "quantity": 2,
                                          "reason": "changed_mind"})]),
                (SAY, "Return rt_4101 is open for 2 pairs of wool socks.")]),
    ("single", [(U, "How many yen is 35 euros?"),
                (CALL, [("convert_price", {"amount": 35, "from_currency": "EUR", "to_currency": "JPY"})]),
                (SAY, "35 EUR is about 5,670 JPY.")]),
    ("single", [(U, "convert 1500 SEK into NOK"),
                (CALL, [("convert_price", {"amount": 1500, "from_currency": "SEK", "to_currency": "NOK"})]),
                (SAY, "1,500 SEK is about 1,539.82 NOK.")]),
    ("single", [(U, "what would 249.99 CAD be in AUD"),
                (CALL, [("convert_price", {"amount": 249.99, "from_currency": "CAD", "to_currency": "AUD"})]),
                (SAY, "About 278.90 AUD.")]),
    ("single", [(U, "Cancel order ORD-106530"), (CALL, [("cancel_order", {"order_id": "ORD-106530"})]),
                (SAY, "ORD-106530 is cancelled.")]),
    ("single", [(U, "please drop the kettle order, ORD-106530, I found one cheaper"),
                (CALL, [("cancel_order", {"order_id": "ORD-106530"})]),
                (SAY, "Done: ORD-106530 is cancelled.")]),
    ("single", [(U, "show me the delivered orders of maya.chen@example.com"),
                (CALL, [("list_orders", {"customer_email": "maya.chen@example.com", "status": "delivered"})]),
                (SAY, "One delivered order: ORD-104233.")]),
    # ---- parallel
    ("parallel", [(U, "Check ORD-106114 and ORD-105002"),
                  (CALL, [("find_order", {"order_id": "ORD-106114"}), ("find_order", {"order_id": "ORD-105002"})]),
                  (SAY, "ORD-106114 was delivered; ORD-105002 is still processing.")]),
    ("parallel", [(U, "convert 60 USD to EUR and 60 USD to MXN"),
                  (CALL, [("convert_price", {"amount": 60, "from_currency": "USD", "to_currency": "EUR"}),
                          ("convert_price", {"amount": 60, "from_currency": "USD", "to_currency": "MXN"})]),
                  (SAY, "60 USD is about 55.56 EUR, or 1,022.22 MXN.")]),
    ("parallel", [(U, "List the orders of lena.ruiz@example.net and of tom.okafor@example.org"),
                  (CALL, [("list_orders", {"customer_email": "lena.ruiz@example.net"}),
                          ("list_orders", {"customer_email": "tom.okafor@example.org"})]),
                  (SAY, "Lena has ORD-106530 and ORD-106114; Tom has ORD-105002 and ORD-103590.")]),
    ("parallel", [(U, "Cancel ORD-105002 and ORD-106530, both please"),
                  (CALL, [("cancel_order", {"order_id": "ORD-105002"}), ("cancel_order", {"order_id": "ORD-106530"})]),
                  (SAY, "Both orders are cancelled.")]),
    # ---- multi-step: a result feeds the next call
    ("multi_step", [(U, "Send back the desk lamp from ORD-106114, it's too large, and book a drop-off at Airport "
                        "Plaza next Tuesday at 14:00"),
                    (CALL, [("find_order", {"order_id": "ORD-106114"})]),
                    (CALL, [("start_return", {"order_id": "ORD-106114", "sku": "SKU-LP702", "quantity": 1,
                                              "reason": "too_large"})]),
                    (CALL, [("schedule_pickup", {"return_id": "rt_4101", "store": "Airport Plaza",
                                                 "day": "2026-03-10", "time": "14:00"})]),
                    (SAY, "Return rt_4101 is open, and the drop-off is booked at Airport Plaza on Tuesday, March 10 "
                          "at 14:00.")]),
    ("multi_step", [(U, "Return one pair of socks from ORD-104233 (wrong item) and set up a drop-off at Riverside "
                        "Mall tomorrow at 9:15"),
                    (CALL, [("find_order", {"order_id": "ORD-104233"})]),
                    (CALL, [("start_return", {"order_id": "ORD-104233", "sku": "SKU-SK118", "quantity": 1,
                                              "reason": "wrong_item"})]),
                    (CALL, [("schedule_pickup", {"return_id": "rt_4101", "store": "Riverside Mall",
                                                 "day": "2026-03-03", "time": "09:15"})]),
                    (SAY, "Return rt_4101 is open for one pair of socks; drop it at Riverside Mall tomorrow at 9:15.")]),
    ("multi_step", [(U, "What did lena.ruiz@example.net order most recently? Show me its items"),
                    (CALL, [("list_orders", {"customer_email": "lena.ruiz@example.net"})]),
                    (CALL, [("find_order", {"order_id": "ORD-106530"})]),
                    (SAY, "Her latest order is ORD-106530, one kettle, still processing.")]),
    ("multi_step", [(U, "Is tom.okafor@example.org's processing order cancellable? If so cancel it"),
                    (CALL, [("list_orders", {"customer_email": "tom.okafor@example.org", "status": "processing"})]),
                    (CALL, [("cancel_order", {"order_id": "ORD-105002"})]),
                    (SAY, "Yes: ORD-105002 was still processing, and it's now cancelled.")]),
    # ---- clarify: a required value is missing
    ("clarify", [(U, "cancel my order"), (SAY, "Which order should I cancel? Its number looks like ORD-105002.")]),
    ("clarify", [(U, "Convert 75 euros please"), (SAY, "Sure. Which currency should I convert 75 EUR to?")]),
    ("clarify", [(U, "show me the orders"),
                 (SAY, "Whose orders? Give me the email address they were placed with.")]),
    ("clarify", [(U, "I'd like to book a drop-off slot for rt_4101 on Thursday"),
                 (SAY, "Which store (Downtown, Riverside Mall or Airport Plaza), and at what time?")]),
    ("clarify", [(U, "look up an order for me"), (SAY, "Which one? Tell me the order number, like ORD-104233.")]),
    # ---- no tool
    ("no_tool", [(U, "thanks, that's all"), (SAY, "You're welcome! Enjoy your day.")]),
    ("no_tool", [(U, "Do you sell gift cards?"),
                 (SAY, "I can't check the catalogue; I can help with orders, returns, drop-offs and prices.")]),
    ("no_tool", [(U, "good morning"), (SAY, "Good morning! How can I help with your orders today?")]),
    ("no_tool", [(U, "How long is a marathon?"), (SAY, "A marathon is 42.195 km (26.2 miles).")]),
    ("no_tool", [(U, "what can you do for me?"),
                 (SAY, "I look up orders, list a customer's orders, start returns, book store drop-offs, cancel "
                       "orders that haven't shipped and convert prices between currencies.")]),
]


def build(entries_spec, prefix: str) -> bytes:
    stubs = Stubs.load(HERE / "stubs.py")
    tools = tools_from_module(stubs.module)
    entries = []
    for n, (category, turns) in enumerate(entries_spec, 1):
        try:
            messages = record(turns, Session(stubs, tools))
        except ValueError as exc:
            raise SystemExit(f"{prefix}_{n:03d}: {exc}") from None
        entries.append(make_example(messages, None, category=category, source="hand-written", status="accepted",
                                    example_id=f"{prefix}_{n:03d}"))
    return serialize_entries(entries)


if __name__ == "__main__":
    (HERE / "examples.jsonl").write_bytes(build(EXAMPLES, "shop_user"))
    (HERE / "cases.jsonl").write_bytes(build(CASES, "shop_case"))
    print(f"wrote {len(EXAMPLES)} examples and {len(CASES)} cases to {HERE}")
