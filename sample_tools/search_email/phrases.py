"""How people ask about their mail: the search-and-email phrasebook for the offline generator."""

from __future__ import annotations

from workbench.generate.phrasebook import Phrasebook, is_error, pick, sentence
from workbench.generate.values import TOPICS, Slot, email

BODIES = ["I'll be ten minutes late", "the report is attached", "can we move our call to Thursday?",
          "thanks for your help today", "please send me the latest numbers", "see you at the offsite",
          "I've paid the invoice", "let's discuss this on Monday", "the draft looks good to me",
          "could you review the agenda?"]
SUBJECTS = ["Quick update", "Running late", "Invoice paid", "Agenda", "Meeting tomorrow", "Numbers", "Thanks"]



class MailPhrasebook(Phrasebook):
    known_tools = ("search_db", "send_email")
    keep_failed_calls = 0.0   # its values come from the stub world: a refused call is a wrong draw
    categories = ("single", "parallel", "multi_step", "clarify", "no_tool")

    def value(self, tool, param, schema, rng):
        if param == "query":
            q = pick(rng, TOPICS + ["budget", "offsite", "invoice", "lunch", "agenda"])
            return Slot(q, q)
        if param == "to":
            return email(rng)
        if param == "body":
            b = pick(rng, BODIES)
            return Slot(sentence(b), b)
        if param == "subject":
            s = pick(rng, SUBJECTS)
            return Slot(s, s)
        if param == "max_results":
            n = rng.choice([1, 3, 5, 10, 20])
            return Slot(n, str(n))
        return super().value(tool, param, schema, rng)

    def request(self, tool, slots, rng):
        if tool == "search_db":
            q = slots["query"].text
            text = pick(rng, [f"find emails about {q}", f"search my mail for {q}", f"look for anything about {q}",
                               f"any messages about {q}?", f"do I have mail mentioning {q}?", f"search for {q}"])
            if "max_results" in slots:
                n = slots["max_results"].value
                text = text.rstrip("?") + pick(rng, [f", at most {n}", f", top {n} results", f", just {n}",
                                                      f" (max {n} results)"])
            return sentence(text)
        to, body = slots["to"].text, slots["body"].text
        text = pick(rng, [f"email {to} saying {body}", f"send {to} a message: {body}", f"write to {to}: {body}",
                           f"send an email to {to} that says \"{body}\"", f"tell {to} by email: {body}"])
        if "subject" in slots:
            s = slots["subject"].text
            text += pick(rng, [f", with the subject '{s}'", f". Subject: {s}", f", subject line \"{s}\""])
        return sentence(text)

    def answer(self, tool, args, result):
        if is_error(result):
            return f"That didn't work: {result['error']}."
        if tool == "search_db":
            hits = result["results"]
            if not hits:
                return "I found nothing matching that."
            return f"Found {result['total']}: " + "; ".join(f"\"{h['subject']}\" from {h['from']}" for h in hits) + "."
        return f"Sent to {args['to']}."

    def clarify(self, tool, rng):
        if tool == "search_db":
            return sentence(pick(rng, ["search my mail", "find that email", "look something up in my inbox"])), \
                "What should I search for?"
        if rng.random() < 0.5:
            return sentence(pick(rng, ["send an email", "email my colleague", "write an email for me"])), \
                "Who should I send it to (their email address), and what should it say?"
        to = email(rng).text
        return sentence(f"email {to}"), f"What should the email to {to} say?"

    def no_tool(self, rng):
        return pick(rng, CHAT)

    def multi_step(self, conv, rng, draw_call):
        """Find a message, then write to its sender."""
        q = pick(rng, ["budget", "invoice", "offsite", "lunch", "agenda"])
        body = pick(rng, BODIES)
        conv.user(sentence(pick(rng, [f"find the email about {q} and reply to the sender: {body}",
                                       f"who wrote to me about {q}? Email them saying {body}",
                                       f"look up the {q} message and tell its sender \"{body}\""])))
        r = conv.call([("search_db", {"query": q})])
        hits = r[0].get("results") or []
        if not hits:
            conv.say(f"I couldn't find an email about {q}, so I didn't send anything.")
            return True
        args = {"to": hits[0]["from"], "body": sentence(body)}
        r2 = conv.call([("send_email", args)])
        conv.say(self.answer("send_email", args, r2[0]))
        return not is_error(r2[0])


CHAT = [("hello", "Hello! I can search your mail and send emails for you."), ("thanks", "Any time!"),
        ("What's a good subject line for a thank-you note?", "Something simple, like \"Thank you!\", works well."),
        ("How long should an email be?", "Short: a few sentences, with the ask up front."),
        ("order me a coffee", "I can't order things; I can search your mail or send an email."),
        ("What can you do?", "I search your mailbox and documents, and send emails for you."),
        ("what's 12 times 12?", "144.")]

PHRASEBOOK = MailPhrasebook
