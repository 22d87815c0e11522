"""Build examples.jsonl: the Task API template's own examples, as a user of the workbench writes them.

These are what generation learns from (phrasings, values, parameter sets): a project made from
the template starts with them accepted. They are written independently of seed.jsonl, the
hand-written cases that score models: other words, other titles, other dates, so no test case
reaches training. Tool results come from running the calls against the stubs. The day they
assume is the template's today, 2026-03-02, a Monday.

    python -m sample_tools.task_api.build_examples
"""

from __future__ import annotations

from pathlib import Path

from sample_tools.task_api.build_seed import CALL, SAY, U, build_file

EXAMPLES = [
    ("single", [(U, "remind me to book a haircut on Thursday"),
                (CALL, [("create_task", {"title": "Book a haircut", "due_date": "2026-03-05"})]),
                (SAY, "Added \"Book a haircut\" for Thursday, March 5.")]),
    ("single", [(U, "Add 'Pay the electricity bill' with high priority"),
                (CALL, [("create_task", {"title": "Pay the electricity bill", "priority": "high"})]),
                (SAY, "Added \"Pay the electricity bill\" as a high-priority task.")]),
    ("single", [(U, "new task: water the garden, tag it home"),
                (CALL, [("create_task", {"title": "Water the garden", "tags": ["home"]})]),
                (SAY, "Added \"Water the garden\", tagged home.")]),
    ("single", [(U, "Add a task to email the landlord about the heating, tagged home and admin, due March 10"),
                (CALL, [("create_task", {"title": "Email the landlord about the heating", "tags": ["home", "admin"],
                                         "due_date": "2026-03-10"})]),
                (SAY, "Added it, due Tuesday, March 10, tagged home and admin.")]),
    ("single", [(U, "put 'Order office chairs' on my list with the note compare three quotes"),
                (CALL, [("create_task", {"title": "Order office chairs", "description": "Compare three quotes"})]),
                (SAY, "Added \"Order office chairs\" with your note.")]),
    ("single", [(U, "show my open tasks"), (CALL, [("list_tasks", {"status": "open"})]),
                (SAY, "You have 7 open tasks; the Acme invoice is due first, tomorrow.")]),
    ("single", [(U, "anything low priority on my list?"), (CALL, [("list_tasks", {"priority": "low"})]),
                (SAY, "Just one: water the plants.")]),
    ("single", [(U, "what's tagged personal?"), (CALL, [("list_tasks", {"tag": "personal"})]),
                (SAY, "Two personal tasks: renew your passport and buy Sam's birthday present.")]),
    ("single", [(U, "What's due before Friday?"), (CALL, [("list_tasks", {"due_before": "2026-03-06"})]),
                (SAY, "Due before Friday: the Acme invoice (tomorrow) and the PR review (Wednesday).")]),
    ("single", [(U, "task_15 is done"), (CALL, [("complete_task", {"task_id": "task_15"})]),
                (SAY, "Marked \"Water the plants\" as done.")]),
    ("single", [(U, "get rid of task_42"), (CALL, [("delete_task", {"task_id": "task_42"})]),
                (SAY, "Deleted task_42.")]),
    ("single", [(U, "change the title of task_28 to Buy a gift for Sam"),
                (CALL, [("update_task", {"task_id": "task_28", "title": "Buy a gift for Sam"})]),
                (SAY, "task_28 is now called \"Buy a gift for Sam\".")]),
    ("single", [(U, "set task_12 to medium priority"),
                (CALL, [("update_task", {"task_id": "task_12", "priority": "medium"})]),
                (SAY, "The Acme invoice task is now medium priority.")]),
    ("single", [(U, "move task_3 to March 27"),
                (CALL, [("update_task", {"task_id": "task_3", "due_date": "2026-03-27"})]),
                (SAY, "\"Renew passport\" is now due Friday, March 27.")]),
    ("parallel", [(U, "add 'Renew the domain name' and 'Back up the photos'"),
                  (CALL, [("create_task", {"title": "Renew the domain name"}),
                          ("create_task", {"title": "Back up the photos"})]),
                  (SAY, "Added both: task_43 and task_44.")]),
    ("parallel", [(U, "close task_7 and task_28"),
                  (CALL, [("complete_task", {"task_id": "task_7"}), ("complete_task", {"task_id": "task_28"})]),
                  (SAY, "Both done: the dentist appointment and Sam's present.")]),
    ("parallel", [(U, "show me what's tagged work and what's due before Thursday"),
                  (CALL, [("list_tasks", {"tag": "work"}), ("list_tasks", {"due_before": "2026-03-05"})]),
                  (SAY, "Work: the Acme invoice, the quarterly report and the PR review. Due before Thursday: the "
                        "Acme invoice and the PR review.")]),
    ("multi_step", [(U, "Finish the plant watering task"), (CALL, [("list_tasks", {"tag": "home"})]),
                    (CALL, [("complete_task", {"task_id": "task_15"})]),
                    (SAY, "\"Water the plants\" (task_15) is done.")]),
    ("multi_step", [(U, "Create 'Fix the leaking tap' and set it to high priority right away"),
                    (CALL, [("create_task", {"title": "Fix the leaking tap"})]),
                    (CALL, [("update_task", {"task_id": "task_43", "priority": "high"})]),
                    (SAY, "Created \"Fix the leaking tap\" (task_43), now high priority.")]),
    ("multi_step", [(U, "push the passport task to next Friday"), (CALL, [("list_tasks", {"tag": "personal"})]),
                    (CALL, [("update_task", {"task_id": "task_3", "due_date": "2026-03-13"})]),
                    (SAY, "\"Renew passport\" is now due Friday, March 13.")]),
    ("error_recovery", [(U, "complete task 21"), (CALL, [("complete_task", {"task_id": "21"})]),
                        (CALL, [("complete_task", {"task_id": "task_21"})]),
                        (SAY, "Done: \"Prepare quarterly report\" (task_21) is complete.")]),
    ("error_recovery", [(U, "delete task_50"), (CALL, [("delete_task", {"task_id": "task_50"})]),
                        (SAY, "There's no task_50 on your list, so nothing was deleted.")]),
    ("clarify", [(U, "I need to change a due date"),
                 (SAY, "Sure. Which task, and what's the new due date?")]),
    ("clarify", [(U, "create a task for tomorrow"), (SAY, "Happy to. What should the task be called?")]),
    ("no_tool", [(U, "good morning"), (SAY, "Good morning! Want to see what's on your list today?")]),
    ("no_tool", [(U, "how do I stay focused when working from home?"),
                 (SAY, "Keep a fixed start time, work in short blocks with breaks, and keep your phone in another "
                       "room. I can list today's tasks if you want a plan.")]),
]


if __name__ == "__main__":
    out = Path(__file__).with_name("examples.jsonl")
    out.write_bytes(build_file(EXAMPLES, source="user", prefix="ex"))
    print(f"wrote {out} ({len(EXAMPLES)} examples)")
