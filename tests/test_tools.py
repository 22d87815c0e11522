import json

import pytest

import sample_tools
from workbench.tools import ToolsFileError, import_tools, load_tools, tools_from_module, validate_tools


def tool(name="t", params=None, description="Does t."):
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": params or {"type": "object", "properties": {}}}}


@pytest.mark.parametrize("tools,code", [
    ([tool("bad name")], "bad_tool_name"),
    ([tool("x" * 65)], "bad_tool_name"),
    ([tool("a"), tool("a")], "duplicate_tool_name"),
    ([tool(params={"type": "object", "properties": {}, "required": ["q"]})], "required_not_in_properties"),
    ([tool(params={"type": "object", "properties": {"u": {"type": "string", "enum": [], "description": "u"}}})],
     "empty_enum"),
    ([tool(params={"type": "object", "properties": {"u": {"type": "string", "enum": ["a", 3], "description": "u"}}})],
     "enum_type_mismatch"),
    ([tool(params={"type": "object", "properties": {"u": {"type": "strin", "description": "u"}}})], "invalid_schema"),
    ([tool(params={"type": "array"})], "parameters_not_object"),
    ([{"type": "function", "function": {"description": "no name"}}], "invalid_tool"),
    ("not a list", "invalid_tool"),
])
def test_tool_problems(tools, code):
    assert code in [p.code for p in validate_tools(tools)]


def test_missing_description_is_a_warning():
    (p,) = validate_tools([tool(description="")])
    assert p.code == "missing_description" and p.severity == "warning"


def test_sample_toolsets_are_valid():
    for name in sample_tools.NAMES:
        assert validate_tools(sample_tools.get_toolset(name).tools) == [], name


def test_task_api_is_exactly_as_specified():
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in sample_tools.get_toolset("task_api").tools}
    assert list(tools) == ["create_task", "list_tasks", "update_task", "complete_task", "delete_task"]
    ct = tools["create_task"]
    assert ct["required"] == ["title"] and ct["properties"]["due_date"]["format"] == "date"
    assert ct["properties"]["priority"]["enum"] == ["low", "medium", "high"]
    assert ct["properties"]["tags"] == {"type": "array", "items": {"type": "string"},
                                        "description": ct["properties"]["tags"]["description"]}
    assert tools["list_tasks"]["required"] == [] and tools["list_tasks"]["properties"]["status"]["enum"] == [
        "open", "done", "all"]
    assert all(p["additionalProperties"] is False for p in tools.values())
    assert set(tools["update_task"]["properties"]) == {"task_id", "title", "description", "due_date", "priority"}


def test_bad_tools_json_names_file_and_line(tmp_path):
    p = tmp_path / "tools.json"
    p.write_text('[\n  {"type": "function",\n   "function": {"name": "x",}\n]')
    with pytest.raises(ToolsFileError, match=r"tools.json:3:\d+: not valid JSON"):
        load_tools(p)
    p.write_bytes(b'["\xff"]')
    with pytest.raises(ToolsFileError, match="not UTF-8"):
        load_tools(p)
    p.write_text('"just a string"')
    with pytest.raises(ToolsFileError, match="expected a JSON array"):
        load_tools(p)
    with pytest.raises(ToolsFileError, match="file not found"):
        load_tools(tmp_path / "missing.json")


def test_import_from_python_module(tmp_path):
    src = tmp_path / "mytools.py"
    src.write_text('''
import datetime
from typing import Literal, Optional

def book_room(room: str, day: datetime.date, size: Literal["small", "large"] = "small",
              notes: Optional[str] = None) -> dict:
    """Book a meeting room.

    Args:
        room: Name of the room.
        day: Day of the booking.
        size: Room size.
        notes: Anything the host should know.
    """

def _private():
    pass
''')
    (t,) = import_tools(src)
    fn = t["function"]
    assert fn["name"] == "book_room" and fn["description"] == "Book a meeting room."
    props = fn["parameters"]["properties"]
    assert props["day"] == {"description": "Day of the booking.", "format": "date", "type": "string"}
    assert props["size"]["enum"] == ["small", "large"] and props["notes"]["type"] == "string"
    assert fn["parameters"]["required"] == ["room", "day"]
    assert validate_tools([t]) == []


def test_stub_module_rebuilds_its_tool_names():
    ts = sample_tools.get_toolset("task_api")
    rebuilt = tools_from_module(ts.stubs().module)
    assert [t["function"]["name"] for t in rebuilt] == [t["function"]["name"] for t in ts.tools]
    original = {t["function"]["name"]: t["function"]["parameters"] for t in ts.tools}
    for t in rebuilt:
        params = t["function"]["parameters"]
        assert set(params["properties"]) == set(original[t["function"]["name"]]["properties"])
        assert set(params.get("required", [])) == set(original[t["function"]["name"]]["required"])
    assert json.dumps(rebuilt)  # plain JSON


def test_import_errors_are_clear(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("import does_not_exist\n")
    with pytest.raises(ToolsFileError, match="broken.py: importing failed: ModuleNotFoundError"):
        import_tools(bad)
