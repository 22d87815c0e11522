"""Chat: talk to the base model, a run's adapter or an endpoint, and inspect its tool calls by hand.

Answers stream in from a thread worker (ChatToken, ChatAnswer messages). A tool call is a
card with its validation against the schema; ctrl+g runs the pending calls on the
toolset's stubs (a destructive tool asks first) and the model continues; ctrl+t types a
result by hand instead. ctrl+b answers every message with two models side by side.
ctrl+s saves the conversation, after any corrections in the editor, as a pending example.
Model output is shown as plain text (never markup) and only ever parsed as JSON.
"""

from __future__ import annotations

import json
import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static

from screens.dialogs import ConfirmDialog, ExampleEditor, PromptDialog
from screens.messages import ChatAnswer, ChatToken
from screens.widgets import WorkbenchHeader
from workbench.chat_format import ParsedCall, parse, to_openai_message
from workbench.examples import make_example

CHOICES = ("auto", "required", "none")
MAX_TOKENS = 160


def check_call(call: ParsedCall, tools: list[dict]) -> list[str]:
    """Problems with one call against the offered tools' schemas (empty: valid)."""
    from workbench.schema_check import build_checker

    if call.arguments is None:
        return ["arguments are not a JSON object"]
    tool = next((t for t in tools if t.get("function", {}).get("name") == call.name), None)
    if tool is None:
        return [f"unknown tool {call.name!r}"]
    problems: list = []
    build_checker(tool["function"].get("parameters") or {})(call.arguments, "", problems)
    return [f"{p.path}: {p.message}" if p.path else p.message for p in problems]


class ChatPane(VerticalScroll):
    """One model's side of the conversation: its own history, world state and pending calls."""

    def __init__(self, pane_id: str, **kwargs):
        super().__init__(id=f"pane-{pane_id}", classes="chat-pane", **kwargs)
        self.pane_id = pane_id
        self.model_ref = "base"
        self.messages: list[dict] = []
        self.pending: list[dict] = []   # tool calls of the last answer not answered yet
        self.session = None             # the toolset's world for this conversation
        self.streaming: Static | None = None
        self.raw_text = ""
        self.busy = False
        self.call_counter = 0

    def reset(self) -> None:
        self.messages, self.pending, self.session, self.raw_text = [], [], None, ""
        self.remove_children()

    def say(self, who: str, text: str, style: str = "") -> Static:
        line = Text.assemble((f"{who}: ", f"bold {style}".strip()), text)
        widget = Static(line, classes=f"chat-{who}")
        self.mount(widget)
        self.scroll_end(animate=False)
        return widget


class ChatScreen(Screen):
    BINDINGS = [
        Binding("ctrl+g", "run_calls", "Run calls"),
        Binding("ctrl+t", "type_result", "Type result"),
        Binding("ctrl+f", "cycle_choice", "Tool choice"),
        Binding("ctrl+o", "toggle_constrained", "Constrained"),
        Binding("ctrl+r", "toggle_raw", "Raw"),
        Binding("ctrl+b", "toggle_compare", "Side by side"),
        Binding("ctrl+s", "save", "Save example"),
        Binding("ctrl+n", "clear", "New chat"),
        Binding("escape", "toggle_focus", "Message/keys", show=False),
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
        """Runs finished since the screen was made appear in the pickers."""
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
            if (run.dir / "adapter" / "adapter_config.json").exists():
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
        toolset = self.app.project.settings.toolset or "none (type results by hand)"
        self.query_one("#chat-status", Static).update(
            f"tool choice [b]{self.tool_choice}[/b] (ctrl+f) · constrained [b]{'on' if self.constrained else 'off'}"
            f"[/b] (ctrl+o) · raw [b]{'on' if self.raw else 'off'}[/b] (ctrl+r) · stubs: {toolset}"
            + (f" · {extra}" if extra else ""))

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
            self.notify("Still answering; wait for it to finish.", severity="warning")
            return
        event.input.value = ""
        for pane in self.active_panes():
            if pane.pending:
                self.notify("Unanswered tool calls were dropped: run them (ctrl+g) before the next message.",
                            severity="warning")
                pane.pending = []
            pane.messages.append({"role": "user", "content": text})
            pane.say("you", text, "cyan")
            self.ask(pane, self.tool_choice)

    def ask(self, pane: ChatPane, tool_choice: str) -> None:
        pane.busy = True
        pane.raw_text = ""
        pane.streaming = pane.say(self._model_label(pane), "…", "green")
        self.answer(pane.pane_id, pane.model_ref, list(pane.messages), tool_choice, self.constrained)

    def _model_label(self, pane: ChatPane) -> str:
        return "base" if pane.model_ref == "base" else pane.model_ref.split("-")[-1] if pane.model_ref != "endpoint" \
            else "endpoint"

    def assistant(self, model_ref: str):
        """A loaded model (cached per screen); called from the worker thread."""
        if model_ref not in self.assistants:
            project = self.app.project
            if model_ref == "endpoint":
                import os

                from workbench.assistant import RemoteAssistant

                t = project.settings.teacher
                self.assistants[model_ref] = RemoteAssistant(t.base_url or os.environ.get("OPENAI_BASE_URL", ""),
                                                             t.model, os.environ.get(t.api_key_env, ""),
                                                             project.system_prompt())
            else:
                from workbench.assistant import Assistant

                self.assistants[model_ref] = Assistant(model_ref, project)
        return self.assistants[model_ref]

    @work(thread=True, group="chat", exit_on_error=False, description="answering")
    def answer(self, pane_id: str, model_ref: str, messages: list[dict], tool_choice: str, constrained: bool) -> None:
        t0 = time.perf_counter()
        raw = ""
        tokens = 0
        try:
            assistant = self.assistant(model_ref)
            for piece in assistant.stream(messages, self.app.tools, tool_choice, True, self.max_tokens, constrained):
                raw += piece
                tokens += 1
                self.post_message(ChatToken(pane_id, piece))
        except Exception as exc:  # noqa: BLE001 - shown in the pane, never a crash
            self.post_message(ChatAnswer(pane_id, raw, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(ChatAnswer(pane_id, raw, seconds=time.perf_counter() - t0, tokens=tokens))

    def on_chat_token(self, message: ChatToken) -> None:
        pane = self.pane(message.pane)
        pane.raw_text += message.text
        if pane.streaming is not None:
            pane.streaming.update(Text.assemble((f"{self._model_label(pane)}: ", "bold green"), pane.raw_text))
            pane.scroll_end(animate=False)

    def on_chat_answer(self, message: ChatAnswer) -> None:
        pane = self.pane(message.pane)
        pane.busy = False
        if pane.streaming is not None:
            pane.streaming.remove()
            pane.streaming = None
        if message.error:
            pane.say("error", message.error, "red")
            return
        parsed = parse(message.raw)
        msg = to_openai_message(parsed, id_prefix=f"call_{pane.pane_id}{len(pane.messages)}")
        if parsed.errors:
            msg["content"] = message.raw  # keep what the model wrote; the card says what is wrong
        pane.messages.append(msg)
        # Both views of the answer are mounted; the screen's `show-raw` class picks one (ctrl+r).
        label = Text(f"{self._model_label(pane)}: ", style="bold green")
        parts: list[Static] = []
        if parsed.content or not parsed.tool_calls:
            parts.append(Static(label + Text(parsed.content or message.raw)))
        parts += [Static(Text(f"✗ {err}", style="red"), classes="tool-card invalid") for err in parsed.errors]
        parts += [self.card(call, oc) for call, oc in zip(parsed.tool_calls, msg.get("tool_calls", []), strict=False)]
        pane.mount(Vertical(*parts, classes="answer-parsed"))
        pane.mount(Static(label + Text(message.raw), classes="answer-raw"))
        pane.pending = list(msg.get("tool_calls", []))
        self.update_status(f"{message.tokens} pieces in {message.seconds:.2f} s")
        pane.scroll_end(animate=False)

    def card(self, call: ParsedCall, openai_call: dict) -> Static:
        problems = check_call(call, self.app.tools)
        head = Text.assemble(("⚙ ", "bold"), (call.name, "bold"),
                             ("  ✓ valid" if not problems else "  ✗ " + "; ".join(problems),
                              "green" if not problems else "red"))
        body = json.dumps(call.arguments, indent=2, ensure_ascii=False) if call.arguments is not None else call.raw
        card = Static(Text.assemble(head, "\n", body), classes="tool-card" + ("" if not problems else " invalid"))
        card.border_title = openai_call["id"]
        return card

    # ------------------------------------------------------------ tool results

    def _toolset(self):
        from workbench.generate import toolset_of

        return toolset_of(self.app.project)

    def action_run_calls(self) -> None:
        toolset = self._toolset()
        panes = [p for p in self.active_panes() if p.pending and not p.busy]
        if not panes:
            self.notify("No tool calls waiting for a result.")
            return
        if toolset is None:
            self.notify("This project has no stub toolset; type the result with ctrl+t.", severity="warning")
            return
        destructive = sorted({c["function"]["name"] for p in panes for c in p.pending} & toolset.destructive)
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
            if pane.session is None:
                pane.session = toolset.session()
            for call in pane.pending:
                fn = call["function"]
                result = pane.session.call(fn["name"], fn["arguments"])  # JSON in, JSON out: nothing is evaluated
                self._add_result(pane, call, result)
            pane.pending = []
            self.ask(pane, "auto")

    def _add_result(self, pane: ChatPane, call: dict, result: str) -> None:
        pane.messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        pane.say("tool", f"{call['function']['name']} → {result}", "magenta")

    def action_type_result(self) -> None:
        pane = next((p for p in self.active_panes() if p.pending and not p.busy), None)
        if pane is None:
            self.notify("No tool calls waiting for a result.")
            return
        call = pane.pending[0]

        def typed(text: str | None) -> None:
            if text is None or not pane.pending or pane.pending[0] is not call:
                return
            self._add_result(pane, call, text)
            pane.pending.pop(0)
            if not pane.pending:
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
        for pane in (self.pane("left"), self.pane("right")):
            pane.reset()

    def action_toggle_focus(self) -> None:
        """Escape leaves the message box so that 1-5 switch modes; again to type."""
        box = self.query_one("#chat-input", Input)
        if box.has_focus:
            self.pane("left").focus()
        else:
            box.focus()

    # ------------------------------------------------------------ saving

    def action_save(self) -> None:
        pane = self.pane("left")
        if not pane.messages:
            self.notify("Nothing to save yet.")
            return
        if self.app.read_only or self.app.store is None:
            self.notify("The project is open read-only.", severity="warning")
            return
        call_turns = [m for m in pane.messages if m.get("role") == "assistant" and m.get("tool_calls")]
        category = ("no_tool" if not call_turns else "multi_step" if len(call_turns) > 1 else
                    "parallel" if len(call_turns[0]["tool_calls"]) > 1 else "single")
        ex = make_example(json.loads(json.dumps(pane.messages)), self.app.tools, category=category, source="chat",
                          notes=f"from chat with {pane.model_ref}")
        if ex.id in self.app.store.index:
            ex.meta["id"] = f"{ex.id}-{int(time.time())}"

        def saved(data: dict | None) -> None:
            if data is None:
                return
            from workbench.examples import Example

            data.setdefault("meta", {})["status"] = "pending"
            stored = self.app.store.put(Example(data))
            self.app.changed([stored.id])
            self.notify(f"Saved as pending example {stored.id}.")

        self.app.push_screen(ExampleEditor(ex, self.app.tools), saved)
