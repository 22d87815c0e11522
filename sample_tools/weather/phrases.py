"""How people ask about the weather: the weather phrasebook for the offline generator."""

from __future__ import annotations

from workbench.generate.phrasebook import Phrasebook, is_error, pick, sentence
from workbench.generate.values import CITIES, COUNTRIES, Slot


class WeatherPhrasebook(Phrasebook):
    known_tools = ("get_weather", "get_forecast")
    keep_failed_calls = 0.0   # its values come from the stub world: a refused call is a wrong draw
    categories = ("single", "parallel", "multi_step", "clarify", "no_tool")

    def value(self, tool, param, schema, rng):
        if param == "location":
            city = pick(rng, CITIES)
            if city in COUNTRIES and rng.random() < 0.3:
                city = f"{city}, {COUNTRIES[city]}"
            return Slot(city, city)
        if param == "days":
            n = rng.randint(schema.get("minimum", 1), schema.get("maximum", 7))
            return Slot(n, str(n))
        return super().value(tool, param, schema, rng)

    def request(self, tool, slots, rng):
        loc = slots["location"].text
        if tool == "get_weather":
            text = pick(rng, [f"what's the weather in {loc}?", f"how's the weather in {loc} right now?",
                               f"is it cold in {loc} today?", f"current conditions in {loc}", f"weather {loc}",
                               f"tell me the weather for {loc}", f"what's it like outside in {loc}?",
                               f"how warm is it in {loc}?"])
            if "unit" in slots:
                u = slots["unit"].value
                text = text.rstrip("?") + pick(rng, [f" in {u}", f", in degrees {u}", f" ({u} please)",
                                                      f", use {u}"]) + ("?" if text.endswith("?") else "")
            return sentence(text)
        if "days" in slots:
            n = slots["days"].value
            return sentence(pick(rng, [f"{n}-day forecast for {loc}", f"weather for the next {n} days in {loc}",
                                        f"what will the weather be like in {loc} over the next {n} days?",
                                        f"give me a {n} day forecast for {loc}", f"forecast {loc}, {n} days"]))
        return sentence(pick(rng, [f"forecast for {loc}", f"what's the forecast in {loc}?",
                                    f"will it rain in {loc} in the coming days?", f"weather outlook for {loc}",
                                    f"what will the weather be like in {loc} this week?"]))

    def answer(self, tool, args, result):
        if is_error(result):
            return f"I couldn't get the weather: {result['error']}."
        if tool == "get_weather":
            unit = "°C" if result["unit"] == "celsius" else "°F"
            return f"It's {result['temperature']}{unit} and {result['conditions']} in {result['location']}."
        days = result["days"]
        parts = [f"day {d['day']}: {d['conditions']}, {d['temperature']}°C" for d in days]
        return f"Forecast for {result['location']}: " + "; ".join(parts) + "."

    def clarify(self, tool, rng):
        ask = pick(rng, ["what's the weather like?", "give me the forecast", "is it going to rain?",
                          "how hot is it?", "weather please", "what's the forecast for the next 3 days?"])
        return sentence(ask), pick(rng, ["Which city?", "For which location?", "Sure, where are you asking about?"])

    def no_tool(self, rng):
        return pick(rng, CHAT)


CHAT = [("hi", "Hi! Ask me about the weather anywhere."), ("thanks!", "You're welcome!"),
        ("What causes rain?", "Water vapour cools, condenses into droplets, and they fall once they're heavy enough."),
        ("Should I bring an umbrella?", "Tell me where you are and I'll check the weather."),
        ("What's the boiling point of water?", "100 °C at sea level."),
        ("book me a taxi", "I can't book taxis; I can only look up weather."),
        ("What can you do?", "I look up current weather and forecasts of up to 7 days for any city."),
        ("Tell me a joke", "What did one raindrop say to the other? Two's company, three's a cloud.")]

PHRASEBOOK = WeatherPhrasebook
