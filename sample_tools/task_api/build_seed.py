"""Build seed.jsonl: the hand-written Task API seed examples.

Every request, call and answer below was written by hand; this script only adds the
tool results by running the calls against the stubs (so they are real) and writes the
OpenAI fine-tuning format. The day these examples assume is 2026-03-02, a Monday.

    python -m sample_tools.task_api.build_seed
"""

from __future__ import annotations

from pathlib import Path

import sample_tools
from workbench.examples import make_example, serialize_entries
from workbench.toolset import record

U, CALL, SAY = "user", "call", "say"

SEED = [
    # ---- single call
    ("single", [(U, "Add a task to call the plumber"), (CALL, [("create_task", {"title": "Call the plumber"})]),
                (SAY, "Added \"Call the plumber\" to your list (task_43).")]),
    ("single", [(U, "remind me to pick up the dry cleaning tomorrow"),
                (CALL, [("create_task", {"title": "Pick up the dry cleaning", "due_date": "2026-03-03"})]),
                (SAY, "Done: \"Pick up the dry cleaning\" is due tomorrow, March 3.")]),
    ("single", [(U, "New task: finish the slide deck for the sales kickoff, high priority, due Friday"),
                (CALL, [("create_task", {"title": "Finish the slide deck for the sales kickoff", "priority": "high",
                                         "due_date": "2026-03-06"})]),
                (SAY, "Created a high-priority task due Friday, March 6: finish the slide deck for the sales kickoff.")]),
    ("single", [(U, "Can you put 'renew gym membership' on my list with the tag personal?"),
                (CALL, [("create_task", {"title": "Renew gym membership", "tags": ["personal"]})]),
                (SAY, "Added \"Renew gym membership\", tagged personal.")]),
    ("single", [(U, "I need to order new printer toner. low priority. tag it office and supplies"),
                (CALL, [("create_task", {"title": "Order new printer toner", "priority": "low",
                                         "tags": ["office", "supplies"]})]),
                (SAY, "Added a low-priority task to order printer toner, tagged office and supplies.")]),
    ("single", [(U, "Create a task 'Draft blog post' with the description 'About our migration to Postgres 17'"),
                (CALL, [("create_task", {"title": "Draft blog post",
                                         "description": "About our migration to Postgres 17"})]),
                (SAY, "Created \"Draft blog post\" with your description.")]),
    ("single", [(U, "Schedule 'submit expense report' for March 15 2026, medium priority"),
                (CALL, [("create_task", {"title": "Submit expense report", "due_date": "2026-03-15",
                                         "priority": "medium"})]),
                (SAY, "Added \"Submit expense report\", due March 15, medium priority.")]),
    ("single", [(U, "what's on my plate?"), (CALL, [("list_tasks", {})]),
                (SAY, "You have 7 open tasks. The most urgent: send the invoice to Acme (due tomorrow), review "
                      "pull request #311 (due Wednesday) and book the dentist (due Friday).")]),
    ("single", [(U, "Show me everything I've already finished"), (CALL, [("list_tasks", {"status": "done"})]),
                (SAY, "You've finished one task so far: \"Clean the garage\".")]),
    ("single", [(U, "List all my tasks, done or not"), (CALL, [("list_tasks", {"status": "all"})]),
                (SAY, "You have 8 tasks in total: 7 open and 1 done (\"Clean the garage\").")]),
    ("single", [(U, "Which of my tasks are high priority?"), (CALL, [("list_tasks", {"priority": "high"})]),
                (SAY, "Three open high-priority tasks: renew passport, send invoice to Acme, and prepare the "
                      "quarterly report.")]),
    ("single", [(U, "anything tagged work?"), (CALL, [("list_tasks", {"tag": "work"})]),
                (SAY, "Three work tasks are open: send invoice to Acme, prepare the quarterly report, and review "
                      "pull request #311.")]),
    ("single", [(U, "What do I have due before next Monday?"), (CALL, [("list_tasks", {"due_before": "2026-03-09"})]),
                (SAY, "Due before Monday March 9: send invoice to Acme (Mar 3), review pull request #311 (Mar 4) "
                      "and book the dentist appointment (Mar 6).")]),
    ("single", [(U, "Show my low priority stuff tagged home"),
                (CALL, [("list_tasks", {"priority": "low", "tag": "home"})]),
                (SAY, "One open low-priority home task: water the plants.")]),
    ("single", [(U, "Mark task_12 as done"), (CALL, [("complete_task", {"task_id": "task_12"})]),
                (SAY, "Marked \"Send invoice to Acme\" as done.")]),
    ("single", [(U, "I finished reviewing that PR, it's task_42"), (CALL, [("complete_task", {"task_id": "task_42"})]),
                (SAY, "Nice work. task_42, \"Review pull request #311\", is now done.")]),
    ("single", [(U, "please delete task_15"), (CALL, [("delete_task", {"task_id": "task_15"})]),
                (SAY, "Deleted task_15 (\"Water the plants\").")]),
    ("single", [(U, "Remove task_28 from my list, I already bought the present"),
                (CALL, [("delete_task", {"task_id": "task_28"})]),
                (SAY, "Removed task_28.")]),
    ("single", [(U, "Push the dentist task (task_7) to next Wednesday"),
                (CALL, [("update_task", {"task_id": "task_7", "due_date": "2026-03-11"})]),
                (SAY, "Moved \"Book dentist appointment\" to Wednesday, March 11.")]),
    ("single", [(U, "bump task_21 to low priority"), (CALL, [("update_task", {"task_id": "task_21", "priority": "low"})]),
                (SAY, "\"Prepare quarterly report\" is now low priority.")]),
    ("single", [(U, "Rename task_3 to 'Renew passport and ID card'"),
                (CALL, [("update_task", {"task_id": "task_3", "title": "Renew passport and ID card"})]),
                (SAY, "Renamed task_3 to \"Renew passport and ID card\".")]),
    ("single", [(U, "Add a note to task_21: include the hiring numbers"),
                (CALL, [("update_task", {"task_id": "task_21", "description": "Include the hiring numbers"})]),
                (SAY, "Updated the description of \"Prepare quarterly report\".")]),
    ("single", [(U, "Make task_42 high priority and due tomorrow"),
                (CALL, [("update_task", {"task_id": "task_42", "priority": "high", "due_date": "2026-03-03"})]),
                (SAY, "task_42 is now high priority and due tomorrow, March 3.")]),
    ("single", [(U, "Set up a task called Prepare tax documents, due April 30, high priority, tags finance and personal, "
                    "description: gather receipts and the 1099s"),
                (CALL, [("create_task", {"title": "Prepare tax documents", "due_date": "2026-04-30", "priority": "high",
                                         "tags": ["finance", "personal"],
                                         "description": "Gather receipts and the 1099s"})]),
                (SAY, "Created \"Prepare tax documents\", due April 30, high priority, tagged finance and personal.")]),
    ("single", [(U, "show open tasks due before the end of the month"),
                (CALL, [("list_tasks", {"status": "open", "due_before": "2026-03-31"})]),
                (SAY, "Five open tasks are due before March 31: send invoice to Acme, review PR #311, book the "
                      "dentist, buy Sam's present, and renew your passport.")]),
    # ---- parallel calls in one turn
    ("parallel", [(U, "Add two tasks: buy milk and buy eggs"),
                  (CALL, [("create_task", {"title": "Buy milk"}), ("create_task", {"title": "Buy eggs"})]),
                  (SAY, "Added \"Buy milk\" (task_43) and \"Buy eggs\" (task_44).")]),
    ("parallel", [(U, "I'm done with task_12 and task_42"),
                  (CALL, [("complete_task", {"task_id": "task_12"}), ("complete_task", {"task_id": "task_42"})]),
                  (SAY, "Both are marked done: the Acme invoice and the PR review.")]),
    ("parallel", [(U, "Delete task_15 and task_34 please"),
                  (CALL, [("delete_task", {"task_id": "task_15"}), ("delete_task", {"task_id": "task_34"})]),
                  (SAY, "Deleted task_15 and task_34.")]),
    ("parallel", [(U, "Create 'Call the bank' for tomorrow and mark task_7 done"),
                  (CALL, [("create_task", {"title": "Call the bank", "due_date": "2026-03-03"}),
                          ("complete_task", {"task_id": "task_7"})]),
                  (SAY, "Added \"Call the bank\" for tomorrow and marked the dentist task done.")]),
    ("parallel", [(U, "Show me my high priority tasks and also the ones tagged personal"),
                  (CALL, [("list_tasks", {"priority": "high"}), ("list_tasks", {"tag": "personal"})]),
                  (SAY, "High priority: renew passport, send invoice to Acme, quarterly report. Tagged personal: "
                        "renew passport and buy Sam's birthday present.")]),
    ("parallel", [(U, "Make task_3 and task_21 both high priority... actually task_21 low, task_3 high"),
                  (CALL, [("update_task", {"task_id": "task_3", "priority": "high"}),
                          ("update_task", {"task_id": "task_21", "priority": "low"})]),
                  (SAY, "task_3 is high priority and task_21 is low priority.")]),
    ("parallel", [(U, "Add 'book flights' and 'book hotel' for the Lisbon trip, both due March 20, tag travel"),
                  (CALL, [("create_task", {"title": "Book flights", "due_date": "2026-03-20", "tags": ["travel"]}),
                          ("create_task", {"title": "Book hotel", "due_date": "2026-03-20", "tags": ["travel"]})]),
                  (SAY, "Added both travel tasks, due March 20.")]),
    ("parallel", [(U, "what's done and what's high priority?"),
                  (CALL, [("list_tasks", {"status": "done"}), ("list_tasks", {"priority": "high"})]),
                  (SAY, "Done: clean the garage. High priority and open: renew passport, send invoice to Acme, "
                        "prepare the quarterly report.")]),
    # ---- multi-step: a call, its result, then the next call or a final answer
    ("multi_step", [(U, "Mark the invoice task as done"), (CALL, [("list_tasks", {"tag": "billing"})]),
                    (CALL, [("complete_task", {"task_id": "task_12"})]),
                    (SAY, "Marked \"Send invoice to Acme\" (task_12) as done.")]),
    ("multi_step", [(U, "Delete the garage cleaning task"), (CALL, [("list_tasks", {"status": "all", "tag": "home"})]),
                    (CALL, [("delete_task", {"task_id": "task_34"})]),
                    (SAY, "Deleted \"Clean the garage\" (task_34).")]),
    ("multi_step", [(U, "Move my dentist appointment task to March 13"), (CALL, [("list_tasks", {"tag": "health"})]),
                    (CALL, [("update_task", {"task_id": "task_7", "due_date": "2026-03-13"})]),
                    (SAY, "\"Book dentist appointment\" is now due Friday, March 13.")]),
    ("multi_step", [(U, "Add a task to renew the car insurance, then show me everything that's high priority"),
                    (CALL, [("create_task", {"title": "Renew the car insurance"})]),
                    (CALL, [("list_tasks", {"priority": "high"})]),
                    (SAY, "Added \"Renew the car insurance\" (task_43, medium priority). Your high-priority tasks are: "
                          "renew passport, send invoice to Acme and prepare the quarterly report.")]),
    ("multi_step", [(U, "Complete whatever is due tomorrow"), (CALL, [("list_tasks", {"due_before": "2026-03-04"})]),
                    (CALL, [("complete_task", {"task_id": "task_12"})]),
                    (SAY, "The only task due by tomorrow was \"Send invoice to Acme\"; it's marked done.")]),
    ("multi_step", [(U, "Create a task to call Sam about the party, and make it high priority right after"),
                    (CALL, [("create_task", {"title": "Call Sam about the party"})]),
                    (CALL, [("update_task", {"task_id": "task_43", "priority": "high"})]),
                    (SAY, "Created \"Call Sam about the party\" (task_43) and set it to high priority.")]),
    ("multi_step", [(U, "How many work tasks do I have left?"), (CALL, [("list_tasks", {"tag": "work"})]),
                    (SAY, "You have 3 open work tasks: the Acme invoice, the quarterly report and PR #311.")]),
    ("multi_step", [(U, "Rename the passport task to 'Renew passport (urgent)'"),
                    (CALL, [("list_tasks", {"tag": "personal"})]),
                    (CALL, [("update_task", {"task_id": "task_3", "title": "Renew passport (urgent)"})]),
                    (SAY, "Renamed task_3 to \"Renew passport (urgent)\".")]),
    ("multi_step", [(U, "Finish the PR review task and then show me what's still open for work"),
                    (CALL, [("complete_task", {"task_id": "task_42"})]),
                    (CALL, [("list_tasks", {"tag": "work"})]),
                    (SAY, "Marked the PR review done. Still open for work: send invoice to Acme and prepare the "
                          "quarterly report.")]),
    ("multi_step", [(U, "Is the quarterly report task still open? If it is, push it to April 3."),
                    (CALL, [("list_tasks", {"tag": "work"})]),
                    (CALL, [("update_task", {"task_id": "task_21", "due_date": "2026-04-03"})]),
                    (SAY, "It was still open, so I moved \"Prepare quarterly report\" to April 3.")]),
    # ---- error recovery: the tool answers with an error and the assistant corrects the call
    ("error_recovery", [(U, "Mark task 7 as complete"), (CALL, [("complete_task", {"task_id": "7"})]),
                        (CALL, [("complete_task", {"task_id": "task_7"})]),
                        (SAY, "Marked task_7, \"Book dentist appointment\", as done.")]),
    ("error_recovery", [(U, "Delete task_99"), (CALL, [("delete_task", {"task_id": "task_99"})]),
                        (SAY, "There is no task_99 on your list, so nothing was deleted. Want me to show your tasks "
                              "so you can pick the right one?")]),
    ("error_recovery", [(U, "Mark task_34 done"), (CALL, [("complete_task", {"task_id": "task_34"})]),
                        (SAY, "task_34, \"Clean the garage\", was already marked done, so there was nothing to change.")]),
    ("error_recovery", [(U, "Move the birthday present task (task_82 I think) to the 9th of March"),
                        (CALL, [("update_task", {"task_id": "task_82", "due_date": "2026-03-09"})]),
                        (CALL, [("list_tasks", {"tag": "personal"})]),
                        (CALL, [("update_task", {"task_id": "task_28", "due_date": "2026-03-09"})]),
                        (SAY, "task_82 doesn't exist; the birthday present task is task_28. It's now due March 9.")]),
    ("error_recovery", [(U, "Close out task #21"), (CALL, [("complete_task", {"task_id": "#21"})]),
                        (CALL, [("complete_task", {"task_id": "task_21"})]),
                        (SAY, "Done: \"Prepare quarterly report\" (task_21) is complete.")]),
    ("error_recovery", [(U, "Update task_12, nothing specific, just touch it"),
                        (CALL, [("update_task", {"task_id": "task_12"})]),
                        (SAY, "The task API needs something to change: a new title, description, due date or priority. "
                              "What would you like to update on task_12?")]),
    ("error_recovery", [(U, "Mark 'water the plants' as done, it's task_51 I believe"),
                        (CALL, [("complete_task", {"task_id": "task_51"})]),
                        (CALL, [("list_tasks", {"tag": "home"})]),
                        (CALL, [("complete_task", {"task_id": "task_15"})]),
                        (SAY, "There was no task_51; \"Water the plants\" is task_15, and it's now marked done.")]),
    # ---- clarifying question: a required value is missing
    ("clarify", [(U, "Add a task"), (SAY, "Sure. What should the task be called?")]),
    ("clarify", [(U, "Mark it as done"), (SAY, "Which task do you mean? Give me its id (like task_42) or its title.")]),
    ("clarify", [(U, "Delete the task"), (SAY, "Which task should I delete? Please give me its id, since deleting "
                                               "can't be undone.")]),
    ("clarify", [(U, "Change the due date to Friday"), (SAY, "Which task should move to Friday, March 6?")]),
    ("clarify", [(U, "can you make one for me due next week, high priority"),
                 (SAY, "Happy to. What's the task? And which day next week should it be due?")]),
    ("clarify", [(U, "Update my task's priority"), (SAY, "Which task, and what priority: low, medium or high?")]),
    ("clarify", [(U, "Remove one of my tasks please"), (SAY, "Which one? Tell me the task id or title and I'll "
                                                             "delete it.")]),
    ("clarify", [(U, "Complete the task"), (SAY, "Which task did you finish?")]),
    # ---- no tool needed
    ("no_tool", [(U, "Hi there!"), (SAY, "Hi! I can add, list, update, complete or delete your tasks. "
                                        "What would you like to do?")]),
    ("no_tool", [(U, "Thanks, that's all for now"), (SAY, "You're welcome. Good luck with your tasks!")]),
    ("no_tool", [(U, "What's the capital of Australia?"), (SAY, "Canberra is the capital of Australia.")]),
    ("no_tool", [(U, "What can you do?"), (SAY, "I manage your task list: I can create tasks with due dates, "
                                                "priorities and tags, list and filter them, update them, mark them "
                                                "done, and delete them.")]),
    ("no_tool", [(U, "Tell me a joke"), (SAY, "Why did the to-do list go to therapy? It had too many unresolved "
                                             "issues.")]),
    ("no_tool", [(U, "Can you send an email to my boss?"),
                 (SAY, "I can't send emails; I can only manage your tasks. I could add a task reminding you to email "
                       "your boss, if you like.")]),
    ("no_tool", [(U, "How should I prioritise my week?"),
                 (SAY, "Start with what's due soonest and matters most, block time for the big items early in the "
                       "week, and batch small chores together. I can list your tasks by priority if that helps.")]),
    ("no_tool", [(U, "What's the weather like tomorrow?"),
                 (SAY, "I don't have access to weather information; I can only help with your tasks.")]),
]


def build_file(rows, source: str, prefix: str) -> bytes:
    """JSONL of these hand-written (category, turns) rows, each conversation run against fresh stubs."""
    toolset = sample_tools.get_toolset("task_api")
    entries = []
    for n, (category, turns) in enumerate(rows, 1):
        # Error-recovery examples run calls the stubs refuse on purpose.
        messages = record(turns, toolset.session(), allow_errors=category == "error_recovery")
        entries.append(make_example(messages, toolset.tools, category=category, source=source, status="accepted",
                                    example_id=f"{prefix}_{n:03d}"))
    return serialize_entries(entries)


if __name__ == "__main__":
    out = Path(__file__).with_name("seed.jsonl")
    out.write_bytes(build_file(SEED, source="seed", prefix="seed"))
    print(f"wrote {out} ({len(SEED)} examples)")
