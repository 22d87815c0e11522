"""Turns that need no tool, for any toolset: greetings, thanks, general questions, advice, and
requests outside what the tools do.

A model learns to abstain from variety, so the pool is broad. `{can}` in an answer becomes what
the project's tools do ("create a task, list my tasks or delete the task"). A request outside
the toolset carries the words that would put it inside one ("email", "weather"): it is left out
for a project whose tool names or descriptions use them, where it might be a call after all.
"""

from __future__ import annotations

import re

# (request, answer, words that would make a tool serve it)
CHAT: list[tuple[str, str, tuple[str, ...]]] = [
    ("Hi!", "Hello! I can {can}. What would you like to do?", ()),
    ("hello", "Hi! What can I do for you?", ()),
    ("hey there", "Hey! I can {can}. What do you need?", ()),
    ("Good morning", "Good morning! How can I help?", ()),
    ("good evening!", "Good evening! What can I do for you?", ()),
    ("Thanks a lot", "You're welcome!", ()),
    ("thank you!", "Glad to help.", ()),
    ("great, thanks", "Any time.", ()),
    ("perfect, that's all", "Great. Let me know if you need anything else.", ()),
    ("ok, bye", "Goodbye! Come back any time.", ()),
    ("never mind", "No problem. Let me know if you need anything.", ()),
    ("ok", "Anything else I can help with?", ()),
    ("What can you do?", "I can {can}. What would you like to do?", ()),
    ("help", "I can {can}. Tell me what you need.", ()),
    ("how do you work?", "Tell me what you need in plain words and I'll do it: I can {can}.", ()),
    ("Are you a robot?", "I'm an AI assistant. I can {can}.", ()),
    ("Who made you?", "I'm an AI assistant set up to {can}.", ()),
    ("Who wrote Pride and Prejudice?", "Jane Austen wrote Pride and Prejudice, published in 1813.", ()),
    ("What's the capital of Japan?", "Tokyo is the capital of Japan.", ()),
    ("what's the capital of Canada", "Ottawa is the capital of Canada.", ()),
    ("How many days are in a leap year?", "A leap year has 366 days.", ()),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci painted the Mona Lisa.", ()),
    ("what is 15% of 80?", "15% of 80 is 12.", ()),
    ("What's the square root of 144?", "The square root of 144 is 12.", ()),
    ("how far is the moon", "About 384,400 km from Earth on average.", ()),
    ("why is the sky blue?", "Air scatters blue light more than red light, so the sky looks blue.", ()),
    ("Tell me something interesting", "Octopuses have three hearts and blue blood.", ()),
    ("How many legs does a spider have?", "Eight.", ()),
    ("Convert 10 miles to km", "10 miles is about 16.1 km.", ("convert", "unit", "distance")),
    ("How do I boil an egg?", "Put it in boiling water for about 7 minutes for a firm yolk, then cool it in cold "
                              "water.", ()),
    ("Tell me a joke", "Why don't scientists trust atoms? Because they make up everything.", ()),
    ("make me laugh", "I'd tell you a joke about procrastination, but I'll do it later.", ()),
    ("What's a good name for a cat?", "How about Miso, Pixel or Juniper?", ()),
    ("Recommend a good book", "Try \"Thinking, Fast and Slow\" by Daniel Kahneman.", ("book",)),
    ("any tips for staying focused?", "Work in short blocks with breaks, silence notifications, and start with what "
                                      "matters most.", ()),
    ("I'm feeling overwhelmed", "That's understandable. Picking the one or two most urgent things often helps; I'm "
                                "here if you want to go through them.", ()),
    ("Is it better to work in the morning or evening?", "It depends on when you focus best; many people do their "
                                                        "hardest work in the morning.", ()),
    ("Can you remember my password?", "I can't store passwords, and it's safer to keep them in a password manager.",
     ("password",)),
    ("Email Sara the report", "I can't send emails. I can {can}.", ("email", "mail", "message")),
    ("text my mom that I'll be late", "I can't send messages. I can {can}.", ("text", "sms", "message")),
    ("Call my sister", "I can't make phone calls. I can {can}.", ("call", "phone", "dial")),
    ("Book me a flight to Rome", "I can't book flights. I can {can}.", ("flight", "travel", "book")),
    ("order a pizza", "I can't order food. I can {can}.", ("food", "pizza", "restaurant", "order")),
    ("Will it rain today?", "I don't have weather information. I can {can}.", ("weather", "forecast", "rain")),
    ("what time is it in Tokyo?", "I can't check the time. I can {can}.", ("time", "clock", "timezone")),
    ("play some music", "I can't play music. I can {can}.", ("music", "play", "song")),
    ("Set an alarm for 7am", "I can't set alarms. I can {can}.", ("alarm", "remind", "timer")),
    ("What's on TV tonight?", "I don't have TV listings. I can {can}.", ("tv", "listing", "show")),
    ("Search the web for cheap hotels", "I can't search the web. I can {can}.", ("search", "web", "hotel")),
    ("turn off the lights", "I can't control devices. I can {can}.", ("light", "device", "switch")),
]


def capabilities(actions: list[str]) -> str:
    """"create a task, list my tasks or delete the task" from the tools' actions."""
    actions = list(dict.fromkeys(actions))[:4]
    if len(actions) <= 1:
        return actions[0] if actions else "help with your requests"
    return ", ".join(actions[:-1]) + " or " + actions[-1]


def chat_pool(tools: dict[str, dict]) -> list[tuple[str, str]]:
    """The (request, answer) pairs fit for these tools (by name: their function objects), `{can}` unfilled."""
    said = " ".join(f"{name} {fn.get('description') or ''}" for name, fn in tools.items()).lower()
    words = set(re.findall(r"[a-z]+", said.replace("_", " ")))
    return [(ask, answer) for ask, answer, keys in CHAT if not any(k in words for k in keys)]
