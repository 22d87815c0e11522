"""Chat: talk to the base model, a run's adapter or an endpoint, and inspect its tool calls by hand.

Answers stream in from a thread worker (ChatToken, ChatAnswer messages). A tool call is a
card with its validation against the schema; ctrl+g runs the pending calls on the
toolset's stubs (a destructive tool asks first) and the model continues; ctrl+t types a
result by hand instead. ctrl+b answers every message with two models side by side.
ctrl+s saves the conversation, after any corrections in the editor, as a pending example.
ctrl+x (or escape) stops an answer; ctrl+n stops it too and starts a new chat. The
conversation itself lives in `workbench.chat.ChatSession`; this screen renders it.
Model output is shown as plain text (never markup) and only ever parsed as JSON.
"""

from __future__ import annotations

import json
import threading
import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static
from textual.worker import get_current_worker

from screens.dialogs import ConfirmDialog, ExampleEditor, PromptDialog
from screens.messages import ChatAnswer, ChatToken
from screens.widgets import WorkbenchHeader
from workbench.chat import ChatSession, open_assistant
from workbench.chat_format import ParsedCall
from workbench.decode import DecodeStats

CHOICES = ("auto", "required", "none")
MAX_TOKENS = 160


class ChatPane(VerticalScroll):
    """One model's side of the conversation: renders a `ChatSession` and the answer streaming in."""

    def __init__(self, pane_id: str, **kwargs):
        super().__init__(id=f"pane-{pane_id}", classes="chat-pane", **kwargs)
        self.pane_id = pane_id
        self.model_ref = "base"
        self.chat = ChatSession()
        self.streaming: Static | None = None
        self.raw_text = ""
        self.asking = 0          # the number of the answer being streamed; pieces of older ones are dropped
        self.worker = None       # the worker answering, so a stop can cancel it

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def cancel(self) -> None:
        """Stop the answer being decoded (its worker sets the decoder's cancel at the next token)."""
        if self.worker is not None:
            self.worker.cancel()

    def reset(self) -> None:
        self.cancel()
        self.worker, self.streaming, self.raw_text = None, None, ""
        self.asking += 1
        self.chat.reset()
        self.remove_children()

    def say(self, who: str, text: str, style: str = "") -> Static:
        line = Text.assemble((f"{who}: ", f"bold {style}".strip()), text)
        widget = Static(line, classes=f"chat-{who}")
        self.mount(widget)
        self.scroll_end(animate=False)
        return widget


class ChatScreen(Screen):
    BINDINGS = [
        # The footer holds what fits 80 columns; the status line shows the toggles' state.
        Binding("ctrl+x", "stop", "Stop", priority=True),
        Binding("ctrl+g", "run_calls", "Run calls"),
        Binding("ctrl+t", "type_result", "Type result", show=False),
        Binding("ctrl+f", "cycle_choice", "Tool choice"),
        Binding("ctrl+o", "toggle_constrained", "Constrained", show=False),
        Binding("ctrl+r", "toggle_raw", "Raw", show=False),
        Binding("ctrl+b", "toggle_compare", "Side by side", show=False),
        Binding("ctrl+s", "save", "Save example"),
        Binding("ctrl+n", "clear", "New chat"),
        Binding("escape", "escape", "Stop/keys", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.assistants: dict[str, object] = {}
        self.tool_choice = "auto"
        self.constrained = True
        self.raw = False
        self.max_tokens = MAX_TOKENS

    def compose(self) -> ComposeResult:
        yield WorkbenchHeader()
        options = self._options = self.model_options()
        runs = [value for _, value in options if value not in ("base", "endpoint")]
        newest = runs[-1] if runs else "base"  # the latest tuned model, side by side with the base
        with Horizontal(id="chat-models"):
            yield Select(options, value=newest, id="model-left", allow_blank=False)
            yield Select(options, value="base", id="model-right", allow_blank=False)
        yield Static("", id="chat-status")
        with Horizontal(id="chat-panes"):
            yield ChatPane("left")
            yield ChatPane("right")
        yield Input(placeholder="message (enter sends)", id="chat-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(WorkbenchHeader).show(self.app, "Chat")
        self.pane("left").model_ref = str(self.query_one("#model-left", Select).value)
        self.query_one("#model-right").display = False
        self.query_one("#pane-right").display = False
        self.update_status()
        self.query_one("#chat-input", Input).focus()

    def on_screen_resume(self) -> None:
        """Back on Chat (key 5): the message box has the focus, and new runs appear in the pickers."""
        self.query_one("#chat-input", Input).focus()
        options = self.model_options()
        if options == self._options:
            return
        self._options = options
        for sel in self.query(Select):
            value = sel.value
            with sel.prevent(Select.Changed):
                sel.set_options(options)
                sel.value = value if any(v == value for _, v in options) else "base"

    def model_options(self) -> list[tuple[str, str]]:
        from workbench.train.runs import list_runs

        options = [("base model", "base")]
        for run in list_runs(self.app.project.runs_dir):
            if run.output_dir is not None:
                options.append((f"run {run.id}", run.id))
        if self.app.project.settings.teacher.model:
            options.append((f"endpoint {self.app.project.settings.teacher.model}", "endpoint"))
        return options

    def pane(self, pane_id: str) -> ChatPane:
        return self.query_one(f"#pane-{pane_id}", ChatPane)

    def active_panes(self) -> list[ChatPane]:
        panes = [self.pane("left")]
        if self.pane("right").display:
            panes.append(self.pane("right"))
        return panes

    def update_status(self, extra: str = "") -> None:
        # Short enough for 80 columns: the keys that change these are in the footer.
        toolset = self._toolset()
        toolset = toolset.name if toolset is not None else "none: ^t types results"
        self.query_one("#chat-status", Static).update(
            f"choice [b]{self.tool_choice}[/b] · constrained [b]{'on' if self.constrained else 'off'}[/b] · raw "
            f"[b]{'on' if self.raw else 'off'}[/b] · stubs {toolset}" + (f" · {extra}" if extra else ""))

    def on_select_changed(self, event: Select.Changed) -> None:
        pane = self.pane("left" if event.select.id == "model-left" else "right")
        if event.value is not Select.BLANK and pane.model_ref != event.value:
            pane.model_ref = str(event.value)
            pane.reset()

    # ------------------------------------------------------------ sending

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if any(p.busy for p in self.active_panes()):
            self.notify("Still answering: ctrl+x stops it.", severity="warning")
            return
        event.input.value = ""
        for pane in self.active_panes():
            if pane.chat.add_user(text):
                self.notify("Unanswered tool calls were dropped: run them (ctrl+g) before the next message.",
                            severity="warning")
            pane.say("you", text, "cyan")
            self.ask(pane, self.tool_choice)

    def ask(self, pane: ChatPane, tool_choice: str) -> None:
        pane.asking += 1
        pane.raw_text = ""
        pane.streaming = pane.say(self._model_label(pane), "…", "green")
        pane.worker = self.answer(pane.pane_id, pane.asking, pane.model_ref, list(pane.chat.messages), tool_choice,
                                  self.constrained)

    def _model_label(self, pane: ChatPane) -> str:
        return "base" if pane.model_ref == "base" else pane.model_ref.split("-")[-1] if pane.model_ref != "endpoint" \
            else "endpoint"

    def assistant(self, model_ref: str):
        """A loaded model (cached per screen); called from the worker thread."""
        if model_ref not in self.assistants:
            self.assistants[model_ref] = open_assistant(model_ref, self.app.project)
        return self.assistants[model_ref]

    @work(thread=True, group="chat", exit_on_error=False, description="answering")
    def answer(self, pane_id: str, asking: int, model_ref: str, messages: list[dict], tool_choice: str,
               constrained: bool) -> None:
        worker = get_current_worker()
        t0 = time.perf_counter()
        raw = ""
        tokens = 0
        stats = DecodeStats()
        cancel = threading.Event()
        try:
            if self.assistants.get(model_ref) is None:
                self.post_message(ChatToken(pane_id, asking, "", status="loading the model (the first time converts "
                                                                      "it, about 30 s)…"))
            assistant = self.assistant(model_ref)
            for piece in assistant.stream(messages, self.app.tools, tool_choice, True, self.max_tokens, constrained,
                                          stats=stats, cancel=cancel):
                if worker.is_cancelled:
                    cancel.set()  # the decoder stops at its next token
                    stats.finish_reason = "cancelled"
                    break
                raw += piece
                tokens += 1
                self.post_message(ChatToken(pane_id, asking, raw))
        except Exception as exc:  # noqa: BLE001 - shown in the pane, never a crash
            self.post_message(ChatAnswer(pane_id, asking, raw, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(ChatAnswer(pane_id, asking, raw, seconds=time.perf_counter() - t0, tokens=tokens,
                                     finish_reason=stats.finish_reason))

    def on_chat_token(self, message: ChatToken) -> None:
        pane = self.pane(message.pane)
        if message.asking != pane.asking:
            return  # a stopped answer's last pieces, or one from before a new chat
        if message.status:
            self.update_status(message.status)
        pane.raw_text = message.text
        if pane.streaming is not None and message.text:
            pane.streaming.update(Text.assemble((f"{self._model_label(pane)}: ", "bold green"), pane.raw_text))
            pane.scroll_end(animate=False)

    def on_chat_answer(self, message: ChatAnswer) -> None:
        pane = self.pane(message.pane)
        if message.asking != pane.asking:
            return
        pane.worker = None
        if pane.streaming is not None:
            pane.streaming.remove()
            pane.streaming = None
        if message.error:
            pane.say("error", message.error, "red")
            return
        reply = pane.chat.add_answer(message.raw, self.app.tools, message.finish_reason, id_prefix=f"call_{pane.pane_id}")
        # Both views of the answer are mounted; the screen's `show-raw` class picks one (ctrl+r).
        label = Text(f"{self._model_label(pane)}: ", style="bold green")
        parts: list[Static] = []
        if reply.parsed.content or not reply.parsed.tool_calls:
            parts.append(Static(label + Text(reply.parsed.content or message.raw)))
        parts += [Static(Text(f"✗ {note}", style="red" if not (reply.cut or reply.cancelled) else "yellow"),
                         classes="tool-card invalid") for note in reply.notes]
        parts += [self.card(call, oc, problems) for call, oc, problems
                  in zip(reply.parsed.tool_calls, reply.message.get("tool_calls", []), reply.problems, strict=False)]
        pane.mount(Vertical(*parts, classes="answer-parsed"))
        pane.mount(Static(label + Text(message.raw), classes="answer-raw"))
        how = {"length": " (token limit)", "cancelled": " (stopped)"}.get(message.finish_reason, "")
        self.update_status(f"{message.tokens} pieces in {message.seconds:.2f} s{how}")
        pane.scroll_end(animate=False)

    def card(self, call: ParsedCall, openai_call: dict, problems: list[str]) -> Static:
        head = Text.assemble(("⚙ ", "bold"), (call.name, "bold"),
                             ("  ✓ valid" if not problems else "  ✗ " + "; ".join(problems),
                              "green" if not problems else "red"))
        body = json.dumps(call.arguments, indent=2, ensure_ascii=False) if call.arguments is not None else call.raw
        card = Static(Text.assemble(head, "\n", body), classes="tool-card" + ("" if not problems else " invalid"))
        card.border_title = openai_call["id"]
        return card

    # ------------------------------------------------------------ tool results

    def _toolset(self):
        """The project's toolset when it has stubs to run calls on, else None (nothing is imported yet)."""
        from workbench.toolset import project_toolset

        toolset = project_toolset(self.app.project, self.app.tools)
        return toolset if toolset.has_stubs else None

    def action_run_calls(self) -> None:
        toolset = self._toolset()
        panes = [p for p in self.active_panes() if p.chat.pending and not p.busy]
        if not panes:
            self.notify("No tool calls waiting for a result.")
            return
        if toolset is None:
            self.notify("This project has no stubs (stubs.py); type the result with ctrl+t.", severity="warning")
            return
        from workbench.toolset import StubsError

        try:   # the project's stubs are imported here, the first time the user runs a call
            destructive = sorted({name for p in panes for name in p.chat.destructive_pending(toolset)})
        except StubsError as exc:
            self.notify(str(exc), title="The project's stubs failed to load", severity="error", timeout=10)
            return
        if destructive:
            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._run_calls(panes, toolset)
            self.app.push_screen(ConfirmDialog(f"Run {', '.join(destructive)}? It cannot be undone (in the stub "
                                               "world of this chat).", yes="Run"), confirmed)
            return
        self._run_calls(panes, toolset)

    def _run_calls(self, panes: list[ChatPane], toolset) -> None:
        for pane in panes:
            for call, result in pane.chat.run_pending(toolset):  # JSON in, JSON out: nothing is evaluated
                self._show_result(pane, call, result)
            self.ask(pane, "auto")

    def _show_result(self, pane: ChatPane, call: dict, result: str) -> None:
        pane.say("tool", f"{call['function']['name']} → {result}", "magenta")

    def action_type_result(self) -> None:
        pane = next((p for p in self.active_panes() if p.chat.pending and not p.busy), None)
        if pane is None:
            self.notify("No tool calls waiting for a result.")
            return
        call = pane.chat.pending[0]

        def typed(text: str | None) -> None:
            if text is None or not pane.chat.pending or pane.chat.pending[0] is not call:
                return
            pane.chat.add_result(call, text)
            self._show_result(pane, call, text)
            if not pane.chat.pending:
                self.ask(pane, "auto")

        fn = call["function"]
        self.app.push_screen(PromptDialog(f"Result of {fn['name']}({fn['arguments']}), as the tool would answer "
                                          "(JSON or text):"), typed)

    # ------------------------------------------------------------ toggles

    def action_cycle_choice(self) -> None:
        self.tool_choice = CHOICES[(CHOICES.index(self.tool_choice) + 1) % len(CHOICES)]
        self.update_status()

    def action_toggle_constrained(self) -> None:
        self.constrained = not self.constrained
        self.update_status()

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw
        self.set_class(self.raw, "show-raw")
        self.update_status()

    def action_toggle_compare(self) -> None:
        right = self.pane("right")
        show = not right.display
        right.display = show
        self.query_one("#model-right").display = show
        if show:
            right.reset()
            right.model_ref = str(self.query_one("#model-right", Select).value)
        self.notify("Side by side: both models answer each message." if show else "One model.")

    def action_clear(self) -> None:
        """A new chat: whatever is being answered stops, and the message box takes the keys."""
        for pane in (self.pane("left"), self.pane("right")):
            pane.reset()
        self.update_status()
        self.query_one("#chat-input", Input).focus()

    def action_stop(self) -> None:
        busy = [p for p in self.active_panes() if p.busy]
        for pane in busy:
            pane.cancel()
        if not busy:
            self.notify("Nothing is being answered.")

    def action_escape(self) -> None:
        """Escape stops an answer; otherwise it leaves the message box so that 1-5 switch modes (again to type)."""
        if any(p.busy for p in self.active_panes()):
            self.action_stop()
            return
        box = self.query_one("#chat-input", Input)
        if box.has_focus:
            self.pane("left").focus()
        else:
            box.focus()

    # ------------------------------------------------------------ saving

    def action_save(self) -> None:
        pane = self.pane("left")
        if not pane.chat.messages:
            self.notify("Nothing to save yet.")
            return
        if self.app.read_only or self.app.store is None:
            self.notify("The project is open read-only.", severity="warning")
            return
        ex = pane.chat.to_example(self.app.tools, pane.model_ref)

        def saved(data: dict | None) -> None:
            if data is None:
                return
            from workbench.examples import Example

            data.setdefault("meta", {})["status"] = "pending"
            stored = self.app.store.add(Example(data))
            self.app.changed([stored.id])
            self.notify(f"Saved as pending example {stored.id}.")

        self.app.push_screen(ExampleEditor(ex, self.app.tools), saved)
