"""Settings › Tools › Local tools (MCP): add, edit, switch off and remove servers, see their
status and tools, allow tools without asking — clicking and typing as a person would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from desktop.core.local_tools import (
    LocalTool,
    McpServerConfig,
    ServerState,
    ServerStatus,
    Transport,
)
from desktop.ui.settings.mcp_dialog import ServerDialog
from tests.gui.fit import clipped_texts
from tests.gui.settings.mcp_helpers import (
    Tools,
    box_button,
    build_tools,
    click,
    click_box,
    type_into,
)
from tests.gui.shell.test_accessibility import unnamed

TIME = McpServerConfig("time", command="uvx", args=["mcp-server-time"])
GIT = McpServerConfig("git", command="uvx", args=["mcp-server-git", "--repository", "/tmp/my repo"])
TOOLS = (
    LocalTool("git", "git_status", "Shows the working tree status", read_only=True),
    LocalTool("git", "git_commit", "Records changes to the repository", title="Commit changes"),
)


def open_dialog(tools: Tools, qtbot) -> ServerDialog:
    click(qtbot, tools.section.add_button)
    dialog = tools.section.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_add_a_stdio_server_by_typing(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop)
    assert tools.section.empty.isVisible()
    dialog = open_dialog(tools, qtbot)
    type_into(qtbot, dialog.name, "github")
    type_into(qtbot, dialog.command, "npx")
    type_into(qtbot, dialog.arguments, '-y @modelcontextprotocol/server-github --root "My Files"')
    click(qtbot, dialog.env.add_button)
    qtbot.keyClicks(dialog.env.name_fields()[0], "GITHUB_TOKEN")
    value = dialog.env.value_fields()[0]
    type_into(qtbot, value, "ghp_s3cret")
    assert value.echoMode() is QLineEdit.EchoMode.Password
    assert "ghp_s3cret" not in value.displayText()
    click(qtbot, dialog.save_button)
    tools.until(lambda: tools.repo.saves == 1)
    saved = tools.repo.stored[0]
    assert saved.name == "github"
    assert saved.args == ["-y", "@modelcontextprotocol/server-github", "--root", "My Files"]
    assert saved.env == {"GITHUB_TOKEN": "ghp_s3cret"}
    assert [s.name for s in tools.host.servers()] == ["github"]
    assert not tools.section.empty.isVisible()
    row = tools.section.rows["github"]
    tools.until(lambda: row.status_label.text() == "● Ready · 0 tools")  # started to show it works
    assert tools.host.started == ["github"]
    assert row.summary_label.full_text() == (
        "npx -y @modelcontextprotocol/server-github --root 'My Files'"
    )


def test_a_bad_server_is_said_in_the_dialog_and_nothing_typed_is_lost(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [TIME])
    dialog = open_dialog(tools, qtbot)
    click(qtbot, dialog.save_button)
    assert dialog.problem.text() == "Give the server a name."
    type_into(qtbot, dialog.name, "Time")
    click(qtbot, dialog.save_button)
    assert dialog.problem.text() == "There is already a server named “Time”."
    dialog.name.clear()
    type_into(qtbot, dialog.name, "clock")
    type_into(qtbot, dialog.arguments, "--zone 'Europe/Paris")
    click(qtbot, dialog.save_button)
    assert dialog.problem.text() == "Enter the command that starts the server."
    assert dialog.focusWidget() is dialog.command
    type_into(qtbot, dialog.command, "uvx")
    click(qtbot, dialog.save_button)
    assert dialog.problem.text() == "A quote in the arguments is not closed."
    click_box(qtbot, dialog.http)
    type_into(qtbot, dialog.url, "example.com/mcp")
    click(qtbot, dialog.save_button)
    assert "must start with http:// or https://" in dialog.problem.text()
    assert dialog.isVisible()
    assert (dialog.name.text(), dialog.command.text()) == ("clock", "uvx")
    assert dialog.arguments.text() == "--zone 'Europe/Paris"
    assert tools.repo.saves == 0
    dialog.url.clear()
    type_into(qtbot, dialog.url, "https://example.com/mcp")
    click(qtbot, dialog.headers.add_button)
    qtbot.keyClicks(dialog.headers.name_fields()[0], "Authorization=Bearer abc")
    assert dialog.headers.pairs() == [("Authorization", "Bearer abc")]
    click(qtbot, dialog.save_button)
    tools.until(lambda: tools.repo.saves == 1)
    clock = tools.repo.stored[1]
    assert (clock.transport, clock.url, clock.command) == (
        Transport.HTTP,
        "https://example.com/mcp",
        "",
    )
    assert clock.headers == {"Authorization": "Bearer abc"}


def test_edit_shows_the_server_as_it_is_and_saves_the_change(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [TIME, GIT])
    row = tools.section.rows["git"]
    click(qtbot, row.expander)
    click(qtbot, row.edit_button)
    dialog = tools.section.dialog
    assert dialog is not None
    assert dialog.arguments.text() == "mcp-server-git --repository '/tmp/my repo'"
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "repo")
    dialog.arguments.selectAll()
    qtbot.keyClicks(dialog.arguments, "mcp-server-git --repository /srv/code")
    click(qtbot, dialog.save_button)
    tools.until(lambda: tools.repo.saves == 1)
    assert tools.names() == ["time", "repo"]
    assert tools.repo.stored[1].args == ["mcp-server-git", "--repository", "/srv/code"]
    assert tools.section.rows["repo"] is row
    assert row.name_label.full_text() == "repo"
    assert [s.name for s in tools.host.servers()] == ["time", "repo"]


def test_switch_off_and_remove_with_confirmation(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [TIME, GIT])
    row = tools.section.rows["time"]
    assert row.switch.isChecked()
    click(qtbot, row.switch)
    tools.until(lambda: tools.repo.saves == 1)
    assert tools.repo.stored[0].enabled is False
    assert tools.host.servers()[0].enabled is False
    assert row.status_label.text() == "Off"
    click(qtbot, row.expander)
    click(qtbot, row.remove_button)
    box = tools.section.message_box
    assert box is not None and box.text() == "Remove “time”?"
    click(qtbot, box_button(box, "Cancel"))
    assert tools.names() == ["time", "git"] and "time" in tools.section.rows
    click(qtbot, row.remove_button)
    box = tools.section.message_box
    click(qtbot, box_button(box, "Remove"))
    tools.until(lambda: tools.repo.saves == 2)
    assert tools.names() == ["git"]
    assert [s.name for s in tools.host.servers()] == ["git"]
    assert list(tools.section.rows) == ["git"]


def test_statuses_update_their_row_in_place(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [TIME, GIT])
    rows = tools.section.rows
    git, time = rows["git"], rows["time"]
    assert git.status_label.text() == "Not started"
    tools.host.push(ServerStatus("git", ServerState.STARTING))
    assert git.status_label.text() == "Starting…"
    tools.host.push(ServerStatus("git", ServerState.READY, tools=TOOLS))
    assert git.status_label.text() == "● Ready · 2 tools"
    assert rows["git"] is git and rows["time"] is time  # nothing rebuilt
    click(qtbot, git.expander)
    assert git.details.isVisible()
    assert "read-only" in [w.text() for w in git.details.findChildren(type(git.status_label))]
    assert list(git.allow_boxes) == ["git_commit"]  # read-only tools run without asking
    tail = "Traceback (most recent call last):\n  File x\nModuleNotFoundError: no module 'y'"
    tools.host.script_start(ServerStatus("time", ServerState.READY))
    tools.host.push(
        ServerStatus("time", ServerState.FAILED, error="It exited with code 1.", stderr_tail=tail)
    )
    assert time.status_label.text() == "Failed: It exited with code 1."
    assert time.failure.isVisible() and not time.stderr_view.isVisible()
    click(qtbot, time.stderr_toggle)
    assert time.stderr_view.isVisible()
    assert time.stderr_view.toPlainText() == tail
    assert time.stderr_view.isReadOnly()
    click(qtbot, time.restart_button)
    tools.until(lambda: time.status_label.text() == "● Ready · 0 tools")
    assert tools.host.started == ["time"]
    assert not time.failure.isVisible()


def test_allow_without_asking_is_saved(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [GIT])
    tools.host.push(ServerStatus("git", ServerState.READY, tools=TOOLS))
    row = tools.section.rows["git"]
    click(qtbot, row.expander)
    box = row.allow_boxes["git_commit"]
    assert not box.isChecked()
    click_box(qtbot, box)
    tools.until(lambda: tools.repo.saves == 1)
    assert tools.repo.stored[0].always_allowed == ["git_commit"]
    assert tools.host.servers()[0].always_allowed == ["git_commit"]
    click_box(qtbot, box)
    tools.until(lambda: tools.repo.saves == 2)
    assert tools.repo.stored[0].always_allowed == []


def test_a_save_problem_is_a_calm_warning_line(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [TIME])
    assert not tools.section.warning.isVisible()
    tools.repo.save_problem = "No keyring: the values are kept until Claude Desk closes."
    click(qtbot, tools.section.rows["time"].switch)
    tools.until(lambda: tools.section.warning.isVisible())
    assert tools.section.warning.text() == tools.repo.save_problem
    assert tools.section.warning.property("tone") == "warning"
    tools.repo.save_problem = None
    click(qtbot, tools.section.rows["time"].switch)
    tools.until(lambda: not tools.section.warning.isVisible())


def test_limits_are_edited_and_handed_to_the_preferences(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop)
    form = tools.section.limits
    assert (form.rounds.value(), form.timeout.value(), form.result.value()) == (20, 60, 100_000)
    form.rounds.setFocus()
    form.rounds.selectAll()
    qtbot.keyClicks(form.rounds, "8")
    qtbot.keyClick(form.timeout, Qt.Key.Key_Up)
    tools.until(lambda: tools.limits)
    assert len(tools.limits) == 1
    assert tools.limits[-1].max_rounds == 8
    assert tools.limits[-1].call_timeout_s == 70.0
    assert tools.limits[-1].max_result_chars == 100_000


def test_the_panel_fits_and_every_control_has_a_name(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, [TIME, GIT])
    tools.host.push(ServerStatus("git", ServerState.READY, tools=TOOLS))
    tools.host.push(
        ServerStatus("time", ServerState.FAILED, error="uvx was not found.", stderr_tail="x")
    )
    for row in tools.section.rows.values():
        click(qtbot, row.expander)
    click(qtbot, tools.section.rows["time"].stderr_toggle)
    tools.panel.resize(240, 800)  # the side panel's narrowest
    qtbot.wait(20)
    assert clipped_texts(tools.panel) == []
    assert unnamed(tools.panel) == []
    dialog = open_dialog(tools, qtbot)
    click(qtbot, dialog.env.add_button)
    assert unnamed(dialog) == []


def test_without_a_host_the_section_says_so(qtbot) -> None:
    from desktop.core.catalog import Catalog
    from desktop.ui.settings.panel import SettingsPanel
    from tests.gui.settings.mcp_helpers import MODELS

    panel = SettingsPanel(Catalog.from_toml(MODELS.read_text(encoding="utf-8")))
    qtbot.addWidget(panel)
    panel.show()
    section = panel.local_tools
    from PySide6.QtWidgets import QAbstractButton, QLabel

    assert section.findChildren(QAbstractButton) == []
    texts = [label.text() for label in section.findChildren(QLabel)]
    assert texts == ["Local MCP tools are not available in this copy of Claude Desk."]
