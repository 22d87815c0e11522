"""How people talk to a task list: the Task API phrasebook for the offline generator.

Written independently of seed.jsonl (which is the hand-written test of what this produces):
no seed request is reused, but the conventions are the same ones a careful annotator
follows. Titles and notes are stored capitalised; dates resolve against the project's
today; a task named by description is looked up by its most specific tag first
(with status "all" when it may be finished); status is passed only when the user says it.
"""

from __future__ import annotations

import datetime as dt
import random

from workbench.generate.phrasebook import Conversation, Phrasebook, is_error, pick, sentence
from workbench.generate.values import Slot, iso

# Verb phrases; the stored title is the phrase with a capital first letter.
TITLES = """pay the electricity bill|call mom|book a haircut|renew the library books|fix the leaking tap
order new running shoes|schedule the car service|email the landlord about the heating|update my CV
plan the team offsite|buy groceries for the week|pick up the kids from football|return the rental car
file the insurance claim|set up the new laptop|write thank-you notes|cancel the magazine subscription
back up the photos|repaint the bedroom door|submit the grant application|prepare the onboarding slides
book train tickets to Leeds|read chapter four|mow the lawn|defrost the freezer|clean out the fridge
call the bank about the card|register for the marathon|sort the recycling|replace the smoke alarm battery
send the contract to legal|review the budget draft|reply to Priya's email|organise the bookshelf
take the dog to the vet|buy a gift for Lena|check the tyre pressure|pay the parking fine|renew the domain name
draft the newsletter|collect the dry cleaning|get the bike repaired|plan the birthday dinner
finish the expense claim|print the boarding passes|book a table for Friday|change the air filter
update the project wiki|sign the lease renewal|pick up the prescription|water the garden
call the plumber about the boiler|buy printer paper|clean the windows|set up the team retro
write the quarterly summary|archive old emails|schedule a one-on-one with Omar|fix the login bug
order a birthday cake|apply for the visa|pack for the conference|check the gutters|donate old clothes
book the flu shot|transfer money to savings|review the pull request from Kim|prepare the tax return
hang the new shelves|return the library DVD|confirm the venue booking|call the school about the trip
make a dentist appointment for Leo|send the invoice to Globex|buy new light bulbs|test the backup restore
update the team calendar|buy a present for Dad|renew the car registration|clean the oven|refill the prescription
send flowers to grandma|write the release notes|migrate the database|order office chairs
schedule the piano lesson|tidy the shed|pay the credit card bill|research summer camps|fill in the census form
replace the kitchen sponge|plan the weekly menu|vacuum the car|sharpen the knives|update the emergency contacts
follow up with the recruiter|bake bread for the picnic|find a babysitter for Saturday|clear the inbox""".replace(
    "\n", "|").split("|")
NOTES = ["bring the receipts", "the reference number is in the email", "ask about the discount",
         "use the blue folder", "Omar has the details", "call before 5pm", "check the warranty first",
         "budget is 200 euros", "needs the signed form", "second floor, room 204", "compare three quotes",
         "include last year's figures", "after the kids are asleep", "ask Kim to review it", "the code is 4471",
         "take the old one back to the shop", "confirm the time with the team", "double-check the address",
         "print two copies", "see the notes from Tuesday's meeting"]
TAGS = ["work", "personal", "home", "health", "finance", "travel", "errands", "family", "shopping", "school",
        "garden", "car", "admin", "billing", "office", "kids", "fitness", "pets", "urgent", "projects"]

# The stub world's tasks as people refer to them.
NICKNAMES = {"task_3": ["passport", "passport renewal"], "task_7": ["dentist", "dentist appointment"],
             "task_12": ["invoice", "Acme invoice"], "task_15": ["plants", "plant watering"],
             "task_21": ["quarterly report", "board report"], "task_28": ["birthday present", "present for Sam"],
             "task_34": ["garage", "garage cleaning"], "task_42": ["PR review", "pull request"]}
OPEN_IDS = ["task_3", "task_7", "task_12", "task_15", "task_21", "task_28", "task_42"]
ALL_IDS = OPEN_IDS + ["task_34"]

PRIORITY_WORDS = {"high": ["high priority", "high priority", "high prio", "urgent", "top priority"],
                  "medium": ["medium priority", "medium priority", "normal priority", "medium prio"],
                  "low": ["low priority", "low priority", "low prio", "not urgent"]}


def _join(rng: random.Random, lead: str, clauses: list[str]) -> str:
    if not clauses:
        return lead
    sep = pick(rng, [", ", ", ", ". ", " - ", " "])
    text = lead
    for i, c in enumerate(clauses):
        last = i == len(clauses) - 1 and len(clauses) > 1
        text += (", and " if sep == ", " and last and rng.random() < 0.4 else sep) + c
    return text


def _finish(rng: random.Random, text: str, question: bool = False) -> str:
    if rng.random() < 0.15:
        return text.lower().rstrip(".")  # people type in lower case
    text = sentence(text)
    if text.endswith(("?", "!")):
        return text
    return text.rstrip(".") + ("?" if question else pick(rng, ["", ".", ".", ".", "!"]))


def _tags_text(rng: random.Random, tags: list[str]) -> tuple[str, str]:
    """(list of tags as said, the clause around them)."""
    said = tags[0] if len(tags) == 1 else pick(rng, [f"{tags[0]} and {tags[1]}", f"{tags[0]}, {tags[1]}"])
    plural = len(tags) > 1
    clause = pick(rng, [f"tag it {said}", f"tagged {said}", f"with the tag{'s' if plural else ''} {said}",
                         f"label it {said}", f"file it under {said}", f"tags: {said}",
                         " ".join(f"#{t}" for t in tags)])
    return said, clause


class TaskPhrasebook(Phrasebook):
    categories = ("single", "parallel", "multi_step", "error_recovery", "clarify", "no_tool")
    known_tools = ("create_task", "list_tasks", "update_task", "complete_task", "delete_task")
    keep_failed_calls = 0.0   # its values come from the stub world: a refused call is a wrong draw

    # -- values
    def value(self, tool, param, schema, rng):
        if param == "title":
            t = pick(rng, TITLES)
            return Slot(sentence(t), t)
        if param == "description":
            d = pick(rng, NOTES)
            return Slot(sentence(d), d)
        if param == "tags":
            tags = rng.sample(TAGS, 2 if rng.random() < 0.3 else 1)
            return Slot(tags, " and ".join(tags))
        if param == "tag":
            t = pick(rng, TAGS[:14])
            return Slot(t, t)
        if param == "task_id":
            t = pick(rng, OPEN_IDS if tool in ("complete_task", "update_task") else ALL_IDS)
            return Slot(t, t)
        if param in ("due_date", "due_before"):
            return iso(self.dates.draw(rng))
        return super().value(tool, param, schema, rng)

    def min_optional(self, tool):
        return 1 if tool == "update_task" else 0

    def _date_text(self, slot: Slot, rng) -> str:
        return slot.text

    def _id_text(self, task_id: str, rng) -> str:
        if task_id in NICKNAMES and rng.random() < 0.2:
            nick = pick(rng, NICKNAMES[task_id])
            return pick(rng, [f"the {nick} task ({task_id})", f"{task_id} (the {nick} one)"])
        if rng.random() < 0.2:
            # People rarely type the underscore: "task 7", "#7". The call still takes the real id.
            n = task_id.removeprefix("task_")
            return pick(rng, [f"task {n}", f"task #{n}", f"task number {n}", f"#{n}", f"Task {n}"])
        return task_id

    # -- requests
    def request(self, tool, slots, rng):
        return getattr(self, f"_req_{tool}")(dict(slots), rng)

    def _req_create_task(self, s, rng):
        t = s.pop("title").text
        q = pick(rng, [f"'{t}'", f'"{t}"', sentence(t), t])
        lead = pick(rng, [f"add a task to {t}", f"add {q} to my list", f"remind me to {t}", f"new task: {t}",
                           f"create a task: {t}", f"I need to {t}", f"put {q} on my to-do list",
                           f"make a task called {q}", f"can you add a task for me to {t}", f"don't let me forget to {t}",
                           f"please add {q}", f"todo: {t}", f"add a to-do: {t}", f"I have to {t}, add it to my tasks",
                           f"could you create a task to {t}", f"set up a task to {t}", f"save a task: {t}",
                           f"track this: {t}", f"new to-do - {t}", f"add {q}"])
        clauses = []
        for p in rng.sample(list(s), len(s)):
            v = s[p]
            if p == "due_date":
                bare = (v.text if v.text.startswith(("today", "tomorrow", "next", "this", "in ", "a week"))
                        else f"by {v.text}" if v.text.startswith(("the end", "the last")) else f"on {v.text}")
                clauses.append(pick(rng, [f"due {v.text}", f"by {v.text}", f"for {v.text}", f"due date {v.text}",
                                           f"deadline {v.text}", f"it's due {v.text}", bare, bare]))
            elif p == "priority":
                w = pick(rng, PRIORITY_WORDS[v.value])
                clauses.append(pick(rng, [w, w, f"make it {w}", f"mark it {w}", f"set it to {w}"]))
            elif p == "tags":
                clauses.append(_tags_text(rng, v.value)[1])
            elif p == "description":
                clauses.append(pick(rng, [f"with the description '{v.text}'", f"description: {v.text}",
                                           f"notes: {v.text}", f"add a note saying {v.text}", f"details: {v.text}",
                                           f"with a note that says \"{v.text}\""]))
        return _finish(rng, _join(rng, lead, clauses), question=lead.startswith(("can", "could")))

    def _req_list_tasks(self, s, rng):
        if not s:
            return _finish(rng, pick(rng, ["what's on my to-do list?", "show me my tasks", "what do I need to do?",
                                             "list my tasks", "what's left to do?", "anything on my list?",
                                             "what have I got going on?", "give me my to-do list",
                                             "what tasks do I have?", "show my list", "what's on my agenda?",
                                             "what am I supposed to be doing?", "read me my list",
                                             "what's still open?", "how's my list looking?",
                                             "remind me what I have to do", "what's pending?"]), question=False)
        status, prio, tag, due = (s.get(k) for k in ("status", "priority", "tag", "due_before"))
        words = []
        if status is not None and status.value != "all":
            words.append(pick(rng, {"open": ["open", "unfinished", "outstanding", "incomplete"],
                                     "done": ["finished", "completed", "done"]}[status.value]))
        if prio is not None:
            words.append(pick(rng, [f"{prio.value} priority", f"{prio.value}-priority"]))
        tag_after = tag is not None and rng.random() < 0.5
        if tag is not None and not tag_after:
            words.append(tag.text)
        noun = pick(rng, ["tasks", "tasks", "tasks", "to-dos", "items", "stuff"])
        np = " ".join(["my"] + words + [noun])
        if status is not None and status.value == "all":
            np = pick(rng, [f"all {np}, done or not", f"every one of {np}, finished ones included",
                             f"all {np} including the completed ones", f"{np}, open and done"])
        if tag_after:
            np += pick(rng, [f" tagged {tag.text}", f" with the {tag.text} tag", f" under {tag.text}"])
        if due is not None:
            np += " " + pick(rng, [f"due before {due.text}", f"that are due before {due.text}"])
        lead = pick(rng, [f"show me {np}", f"list {np}", f"what are {np}?", f"can I see {np}?", f"pull up {np}",
                           f"give me {np}", f"display {np}", f"get {np}", f"I'd like to see {np}",
                           f"which are {np}?", f"what's in {np}?", f"let me see {np}"])
        if rng.random() < 0.35:  # a question about the tasks rather than a command
            q = self._list_question(status, prio, tag, due, rng)
            if q:
                lead = q
        return _finish(rng, lead, question=lead.endswith("?"))

    def _list_question(self, status, prio, tag, due, rng) -> str | None:
        """'Which of my tasks are high priority?' and its kin, for one or two filters."""
        said = [x for x in (status, prio, tag, due) if x is not None]
        if len(said) > 2:
            return None
        bits = []
        if status is not None:
            bits.append({"open": pick(rng, ["still open", "not done yet", "unfinished"]),
                         "done": pick(rng, ["already done", "finished", "completed"]),
                         "all": pick(rng, ["done or not", "open or finished"])}[status.value])
        if prio is not None:
            bits.append(pick(rng, [f"{prio.value} priority", f"marked {prio.value} priority"]))
        if tag is not None:
            bits.append(pick(rng, [f"tagged {tag.text}", f"under {tag.text}", f"in {tag.text}"]))
        if due is not None:
            bits.append(pick(rng, [f"due before {due.text}", f"due ahead of {due.text}"]))
        cond = " and ".join(bits)
        return pick(rng, [f"which of my tasks are {cond}?", f"anything {cond}?", f"what do I have {cond}?",
                          f"is there anything {cond}?", f"what's {cond}?", f"do I have tasks {cond}?",
                          f"what have I got {cond}?"])

    def _change_phrases(self, p, v, rng, ident):
        if p == "due_date":
            full = [f"move {ident} to {v.text}", f"push {ident} to {v.text}", f"reschedule {ident} for {v.text}",
                    f"change the due date of {ident} to {v.text}", f"set {ident} due {v.text}",
                    f"postpone {ident} until {v.text}", f"{ident} is now due {v.text}"]
            short = [f"due {v.text}", f"move it to {v.text}", f"make it due {v.text}"]
        elif p == "priority":
            w = f"{v.value} priority"
            full = [f"set {ident} to {w}", f"make {ident} {w}", f"change {ident}'s priority to {v.value}",
                    f"{ident} should be {w}", f"bump {ident} to {v.value}",
                    f"{'raise' if v.value == 'high' else 'lower' if v.value == 'low' else 'set'} {ident} to {w}"]
            short = [w, f"make it {w}", f"set it to {w}"]
        elif p == "title":
            v = Slot(v.value, v.value if rng.random() < 0.7 else v.text)
            full = [f"rename {ident} to '{v.text}'", f"change the title of {ident} to \"{v.text}\"",
                    f"call {ident} '{v.text}' instead", f"retitle {ident}: {v.text}"]
            short = [f"rename it to '{v.text}'", f"call it \"{v.text}\""]
        else:
            full = [f"add a note to {ident}: {v.text}", f"set the description of {ident} to '{v.text}'",
                    f"change {ident}'s notes to: {v.text}", f"update the description on {ident} to \"{v.text}\""]
            short = [f"add the note '{v.text}'", f"note: {v.text}"]
        return full, short

    def _req_update_task(self, s, rng):
        ident = self._id_text(s.pop("task_id").value, rng)
        order = rng.sample(list(s), len(s))
        full, _ = self._change_phrases(order[0], s[order[0]], rng, ident)
        text = pick(rng, full)
        for p in order[1:]:
            _, short = self._change_phrases(p, s[p], rng, ident)
            text += pick(rng, [" and ", ", ", ", and "]) + pick(rng, short)
        return _finish(rng, text)

    def _req_complete_task(self, s, rng):
        i = self._id_text(s["task_id"].value, rng)
        return _finish(rng, pick(rng, [f"mark {i} as done", f"{i} is done", f"I finished {i}", f"complete {i}",
                                         f"check off {i}", f"tick off {i}", f"close {i}", f"I'm done with {i}",
                                         f"{i} can be marked complete", f"set {i} to done", f"done with {i}, mark it",
                                         f"please mark {i} complete"]))

    def _req_delete_task(self, s, rng):
        i = self._id_text(s["task_id"].value, rng)
        return _finish(rng, pick(rng, [f"delete {i}", f"remove {i}", f"get rid of {i}", f"drop {i} from my list",
                                         f"trash {i}", f"erase {i}", f"{i} isn't needed anymore, delete it",
                                         f"please remove {i} from my tasks", f"cancel {i}, I don't need it"]))

    def parallel_request(self, draws, rng):
        (t1, s1), (t2, s2) = draws
        if t1 == t2 and len(s1) == len(s2) == 1:  # the same action twice reads as one sentence
            a, b = s1[next(iter(s1))].text, s2[next(iter(s2))].text
            if t1 == "create_task":
                return _finish(rng, pick(rng, [f"add two tasks: {a} and {b}", f"add '{a}' and '{b}' to my list",
                                                 f"new tasks: {a}, {b}", f"I need to {a} and {b}, add both"]))
            if t1 == "complete_task":
                return _finish(rng, pick(rng, [f"mark {a} and {b} as done", f"I'm done with {a} and {b}",
                                                 f"{a} and {b} are finished", f"complete {a} and {b}"]))
            if t1 == "delete_task":
                return _finish(rng, pick(rng, [f"delete {a} and {b}", f"remove {a} and {b} from my list",
                                                 f"get rid of {a} and {b}"]))
        return super().parallel_request(draws, rng)

    # -- answers
    def answer(self, tool, args, result):
        if is_error(result):
            err = result["error"]
            tid = args.get("task_id", "")
            if "not found" in err:
                return f"I couldn't find {tid} on your list, so nothing changed. Want me to show your tasks?"
            if "already done" in err:
                return f"{tid} was already marked done, so there was nothing to change."
            if "nothing to update" in err:
                return (f"What should I change on {tid}? I can update its title, description, due date or "
                        "priority.")
            return f"That didn't work: {err}."
        # Answers stay short: the call is what matters, and long summaries would outweigh it in the loss.
        if tool == "create_task":
            due = f", due {_human(result['due_date'])}" if "due_date" in result else ""
            return f"Added \"{result['title']}\" ({result['task_id']}){due}."
        if tool == "list_tasks":
            tasks = result["tasks"]
            if not tasks:
                return "No tasks match that."
            names = [t["title"] for t in tasks[:3]]
            more = f" and {len(tasks) - 3} more" if len(tasks) > 3 else ""
            return f"{len(tasks)} task{'s' if len(tasks) != 1 else ''}: {', '.join(names)}{more}."
        if tool == "update_task":
            return f"Updated \"{result['title']}\" ({result['task_id']})."
        if tool == "complete_task":
            return f"Marked \"{result['title']}\" ({result['task_id']}) as done."
        return f"Deleted {result['deleted']}."

    def answer_many(self, calls, results):
        return " ".join(self.answer(t, a, r) for (t, a), r in zip(calls, results, strict=False))

    # -- no call
    def clarify(self, tool, rng):
        d = self.dates.draw(rng).text
        if tool == "create_task":
            if rng.random() < 0.25:  # a title, but a day too vague to resolve
                t = pick(rng, TITLES)
                vague = pick(rng, ["next week", "sometime soon", "later this month", "at some point next month"])
                return (_finish(rng, f"add a task to {t} {vague}"),
                        f"Happy to. Which day should \"{sentence(t)}\" be due? Give me a date and I'll add it.")
            ask = pick(rng, ["add a task", "create a new task", "I want to add something to my list",
                              f"make a task due {d}", "add a high priority task", "new task please",
                              f"can you add a to-do for {d}?", "put something on my list",
                              "create a task tagged work", "add a to-do", "I need a new task",
                              f"set up a reminder for {d}", "make me a task, low priority",
                              "can you create one for me?", "add something for the weekend"])
            q = pick(rng, ["What should the task be called?", "Sure, what's the task?",
                            "Happy to. What should I call it?", "What would you like the task to say?"])
            return _finish(rng, ask, ask.endswith("?")), q
        what = {"complete_task": ["mark it as done", "I finished it", "complete my task", "check that one off",
                                  "close the task", "mark the task done", "that one's finished", "it's done now",
                                  "finish my task please", "I completed one of my tasks"],
                "delete_task": ["delete that one", "remove the task", "get rid of it", "delete my task",
                                "trash that task", "remove it from my list", "delete one of my tasks",
                                "can you remove a task for me?", "I want to delete a task"],
                "update_task": [f"move it to {d}", "set the priority to high", "change the due date",
                                "rename it to 'Call the vet'", "make it low priority", f"push my task to {d}",
                                "update the task", "change the title of my task", f"change the due date to {d}",
                                "update my task's due date", "change the priority of my task",
                                "edit one of my tasks", "bump it to high priority"]}[tool]
        q = {"complete_task": ["Which task did you finish? Tell me its id (like task_42) or its title.",
                               "Which task do you mean?"],
             "delete_task": ["Which task should I delete? Deleting can't be undone, so please give me its id.",
                             "Which one? Tell me the task id or title."],
             "update_task": ["Which task should I change? Give me its id or title.",
                             "Which task do you mean, and what should change?"]}[tool]
        return _finish(rng, pick(rng, what)), pick(rng, q)

    def no_tool(self, rng):
        return pick(rng, CHAT)

    # -- scenarios on the stub world
    def _lookup(self, conv: Conversation, task_id: str) -> list:
        task = _WORLD[task_id]
        args = {"tag": task["tags"][-1]}
        if task["status"] == "done":
            args = {"status": "all", **args}
        return conv.call([("list_tasks", args)])

    def multi_step(self, conv, rng, draw_call):
        # Shares matter: every lookup followed by an action teaches "after a list, act", and the
        # plain question answered from one lookup is by far the commoner real request.
        kind = rng.random()
        if kind < 0.30:  # name a task by what it is: look it up, then act on it
            action = pick(rng, ["complete_task", "delete_task", "update_task", "update_task"])
            tid = pick(rng, OPEN_IDS if action == "complete_task" else ALL_IDS)
            nick = pick(rng, NICKNAMES[tid])
            args, said = self._action(action, tid, nick, rng)
            if rng.random() < 0.2 and action != "delete_task":
                said = f"is the {nick} task still open? If it is, " + said.replace(f"the {nick} task", "it", 1)
            conv.user(_finish(rng, said))
            result = self._lookup(conv, tid)
            if is_error(result[0]):
                return False
            if not any(t["task_id"] == tid for t in result[0]["tasks"]):
                conv.say(f"I couldn't find a {nick} task on your list.")
                return True
            if _WORLD[tid]["status"] == "done" and action != "delete_task":
                return False
            r = conv.call([(action, args)])
            conv.say(self.answer(action, args, r[0]))
            return not is_error(r[0])
        if kind < 0.45:  # two steps, the second using the first's result
            t, s = draw_call("create_task")
            s.pop("priority", None)  # the second step sets it
            a = {k: v.value for k, v in s.items()}
            r1 = None
            if rng.random() < 0.5:
                p = pick(rng, ["high", "low"])
                conv.user(_finish(rng, self._req_create_task(dict(s), rng).rstrip(".!?") +
                                  pick(rng, [f", then make it {p} priority", f" and right after set it to {p} priority",
                                              f". After that, bump it to {p}"])))
                r1 = conv.call([(t, a)])
                second = ("update_task", {"task_id": r1[0]["task_id"], "priority": p})
            else:
                lt, ls = draw_call("list_tasks")
                conv.user(self.sequence_request([self._req_create_task(dict(s), rng),
                                                 self._req_list_tasks(dict(ls), rng)], rng))
                r1 = conv.call([(t, a)])
                second = ("list_tasks", {k: v.value for k, v in ls.items()})
            r2 = conv.call([second])
            conv.say(self.answer_many([(t, a), second], r1 + r2))
            return not (is_error(r1[0]) or is_error(r2[0]))
        if kind < 0.60:  # two requests joined by "then": the second call comes after the first's result
            t1, s1 = draw_call(pick(rng, ["complete_task", "update_task", "create_task", "delete_task"]))
            t2, s2 = draw_call(pick(rng, ["list_tasks", "list_tasks", "create_task", "update_task", "complete_task"]))
            calls = [(t1, {k: v.value for k, v in s1.items()}), (t2, {k: v.value for k, v in s2.items()})]
            ids = [a.get("task_id") for _, a in calls]
            if calls[0] == calls[1] or (ids[0] is not None and ids[0] == ids[1]):
                return False  # the same task twice reads as one request
            conv.user(self.sequence_request([self.request(t1, s1, rng), self.request(t2, s2, rng)], rng))
            r1 = conv.call([calls[0]])
            if is_error(r1[0]):
                return False
            r2 = conv.call([calls[1]])
            conv.say(self.answer_many(calls, r1 + r2))
            return not is_error(r2[0])
        if kind < 0.68:  # act on whatever is due by a day
            due = self.dates.draw(rng)
            before = iso(due, 1)
            verb = pick(rng, [("complete", "complete_task"), ("mark as done", "complete_task")])
            conv.user(_finish(rng, pick(rng, [f"{verb[0]} everything due by {due.text}",
                                               f"{verb[0]} whatever is due {due.text}",
                                               f"anything due by {due.text}? {verb[0]} it"])))
            r = conv.call([("list_tasks", {"due_before": before.value})])
            tasks = r[0]["tasks"]
            if not tasks:
                conv.say(f"Nothing is due by {due.text}, so there was nothing to {verb[0]}.")
                return True
            calls = [(verb[1], {"task_id": t["task_id"]}) for t in tasks[:4]]
            rs = conv.call(calls)
            conv.say(self.answer_many(calls, rs))
            return not any(is_error(x) for x in rs)
        if kind < 0.88:  # any list request, answered from its result
            t, ls = draw_call("list_tasks")
            args = {k: v.value for k, v in ls.items()}
            conv.user(self._req_list_tasks(dict(ls), rng))
            r = conv.call([(t, args)])
            conv.say(self._list_answer(r[0], rng))
            return not is_error(r[0])
        # a question answered from one lookup
        tag = pick(rng, ["work", "home", "personal", "health", "billing"])
        conv.user(_finish(rng, pick(rng, [f"how many {tag} tasks are still open?", f"do I have any {tag} tasks left?",
                                           f"how much {tag} stuff is left?",
                                           f"is there anything {tag} I still need to do?"]),
                          question=True))
        r = conv.call([("list_tasks", {"tag": tag})])
        n = r[0]["count"]
        conv.say(f"You have {n} open {tag} task{'s' if n != 1 else ''}" +
                 (": " + ", ".join(t["title"] for t in r[0]["tasks"]) + "." if n else "."))
        return True

    def _list_answer(self, result, rng) -> str:
        tasks = result["tasks"]
        if not tasks:
            return pick(rng, ["No tasks match that.", "Nothing matches: your list has no such tasks.",
                              "You don't have any tasks like that."])
        lines = [f"{t['title']} ({t['task_id']}" + (f", due {_human(t['due_date'])}" if t.get("due_date") else "")
                 + ")" for t in tasks[:5]]
        more = f", and {len(tasks) - 5} more" if len(tasks) > 5 else ""
        n = len(tasks)
        head = pick(rng, [f"You have {n} task{'s' if n != 1 else ''}: ", f"{n} match{'es' if n != 1 else ''}: ",
                          f"Here {'they are' if n != 1 else 'it is'}: "])
        return head + "; ".join(lines) + more + "."

    def _action(self, action, tid, nick, rng):
        if action == "complete_task":
            return {"task_id": tid}, pick(rng, [f"mark the {nick} task as done", f"I finished the {nick} task",
                                                 f"check off the {nick} task", f"the {nick} task is done"])
        if action == "delete_task":
            return {"task_id": tid}, pick(rng, [f"delete the {nick} task", f"get rid of the {nick} task",
                                                 f"remove my {nick} task"])
        if rng.random() < 0.6:
            d = iso(self.dates.draw(rng))
            return {"task_id": tid, "due_date": d.value}, pick(rng, [f"move the {nick} task to {d.text}",
                                                                      f"push my {nick} task to {d.text}",
                                                                      f"the {nick} task should be due {d.text}"])
        p = pick(rng, ["low", "medium", "high"])
        return {"task_id": tid, "priority": p}, pick(rng, [f"make the {nick} task {p} priority",
                                                            f"set my {nick} task to {p} priority"])

    def error_recovery(self, conv, rng, draw_call):
        kind = rng.random()
        wrong = f"task_{rng.randint(50, 99)}"
        if kind < 0.4:  # a wrong id and a description: the id fails, look it up, act
            action = pick(rng, ["complete_task", "update_task", "delete_task"])
            tid = pick(rng, OPEN_IDS)
            nick = pick(rng, NICKNAMES[tid])
            args, said = self._action(action, tid, nick, rng)
            said = said.replace(f"the {nick} task", f"the {nick} task ({wrong} I think)", 1).replace(
                f"my {nick} task", f"my {nick} task, {wrong},", 1)
            conv.user(_finish(rng, said))
            r = conv.call([(action, {**args, "task_id": wrong})])
            if not is_error(r[0]):
                return False
            self._lookup(conv, tid)
            r = conv.call([(action, args)])
            conv.say(f"There's no {wrong}; the {nick} task is {tid}. " + self.answer(action, args, r[0]))
            return not is_error(r[0])
        if kind < 0.65:  # a wrong id alone: say so
            action = pick(rng, ["complete_task", "delete_task"])
            text = (self._req_complete_task if action == "complete_task" else self._req_delete_task)(
                {"task_id": Slot(wrong, wrong)}, rng)
            conv.user(text)
            r = conv.call([(action, {"task_id": wrong})])
            conv.say(self.answer(action, {"task_id": wrong}, r[0]))
            return is_error(r[0])
        if kind < 0.8:  # already finished
            conv.user(self._req_complete_task({"task_id": Slot("task_34", "task_34")}, rng))
            r = conv.call([("complete_task", {"task_id": "task_34"})])
            conv.say(self.answer("complete_task", {"task_id": "task_34"}, r[0]))
            return is_error(r[0])
        tid = pick(rng, OPEN_IDS)  # nothing to change
        conv.user(_finish(rng, pick(rng, [f"update {tid}", f"edit {tid}", f"change {tid}", f"touch {tid}",
                                           f"make a change to {tid}"])))
        r = conv.call([("update_task", {"task_id": tid})])
        conv.say(self.answer("update_task", {"task_id": tid}, r[0]))
        return is_error(r[0])


def _human(iso_date: str) -> str:
    d = dt.date.fromisoformat(iso_date)
    return f"{d.strftime('%A')}, {d.strftime('%B')} {d.day}"


def _world() -> dict:
    # The stubs beside this file (in a project made from the template: the project's own copy).
    from pathlib import Path

    from workbench.toolset import load_user_module

    seed = load_user_module(Path(__file__).with_name("stubs.py"), "stubs")._SEED
    return {tid: {"title": title, "tags": tags, "status": status} for tid, title, _, _, _, tags, status in seed}


_WORLD = _world()

CHAT = [
    ("Hello", "Hi! I can add, list, update, complete or delete your tasks. What do you need?"),
    ("good morning!", "Good morning! Want to see what's on your list today?"),
    ("hey", "Hey! What can I do for your task list?"),
    ("thank you!", "You're welcome!"),
    ("great, thanks", "Glad to help."),
    ("that's everything, cheers", "Cheers! Your tasks are all set."),
    ("bye", "Bye! Your list will be here when you need it."),
    ("What's the capital of Canada?", "Ottawa is the capital of Canada."),
    ("how many days are in a leap year", "A leap year has 366 days."),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci painted the Mona Lisa."),
    ("what is 15% of 80?", "15% of 80 is 12."),
    ("How far is the moon?", "About 384,400 km from Earth on average."),
    ("what are your features?", "I keep your task list: I create tasks with due dates, priorities, tags and notes, "
                                "list and filter them, update them, mark them done and delete them."),
    ("help", "I manage your tasks. Try \"add a task to call mom tomorrow\" or \"show my high priority tasks\"."),
    ("How do you work?", "Tell me what to add, change, finish or delete, and I'll update your task list."),
    ("Tell me something funny", "I'd tell you a joke about procrastination, but I'll do it later."),
    ("make me laugh", "Why don't scientists trust atoms? Because they make up everything."),
    ("Email Sara the report", "I can't send emails; I only manage your tasks. Want a task to remind you to email "
                              "Sara the report?"),
    ("text my mom that I'll be late", "I can't send messages, only manage tasks. I could add a reminder to text "
                                      "your mom, if that helps."),
    ("Book me a flight to Rome", "I can't book flights. I can add a task to book one, if you like."),
    ("order a pizza", "I can't order food; I only handle your task list."),
    ("Will it rain today?", "I don't have weather information; I can only help with your tasks."),
    ("what time is it in Tokyo?", "I can't check the time; I only manage your tasks."),
    ("play some music", "I can't play music. I can help you manage your tasks, though."),
    ("Set an alarm for 7am", "I can't set alarms. I could add a task due today as a reminder instead."),
    ("What's on TV tonight?", "I don't have TV listings; I can only help with your tasks."),
    ("Translate 'thank you' into Spanish", "'Thank you' in Spanish is 'gracias'."),
    ("any tips for staying focused?", "Work in short blocks with breaks, silence notifications, and start with the "
                                      "task that matters most. I can show your high priority tasks if that helps."),
    ("How do I stop procrastinating?", "Break big tasks into small first steps and give each a due date. Want me to "
                                       "add some?"),
    ("I'm feeling overwhelmed", "That's understandable. Picking the one or two most urgent tasks often helps; I can "
                                "list your high priority tasks if you like."),
    ("Is it better to work in the morning or evening?", "It depends on when you focus best; many people do their "
                                                        "hardest work in the morning."),
    ("Can you remember my password?", "I can't store passwords, and it's safer not to keep them in a task list."),
    ("What's a good name for a cat?", "How about Miso, Pixel or Juniper?"),
    ("why is the sky blue", "Air scatters blue light more than red, so the sky looks blue."),
    ("Are you a robot?", "I'm an AI assistant that manages your task list."),
    ("Do you like your job?", "I enjoy keeping your tasks in order!"),
    ("ok", "Anything else I can do for your tasks?"),
    ("never mind", "No problem. Let me know if you need anything."),
    ("who won the world cup in 2018?", "France won the 2018 FIFA World Cup."),
    ("What's the square root of 144?", "The square root of 144 is 12."),
    ("Recommend a good book", "Try \"Getting Things Done\" by David Allen, fitting for a task list."),
    ("Convert 10 miles to km", "10 miles is about 16.1 km."),
    ("Call my sister", "I can't make calls. Want a task reminding you to call your sister?"),
    ("Pay my electricity bill", "I can't make payments, but I can add a task to pay the electricity bill."),
    ("Search the web for cheap hotels", "I can't search the web; I only manage your tasks."),
]


PHRASEBOOK = TaskPhrasebook
