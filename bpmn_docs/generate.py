"""Draws the case process and its hearing and remediation child workflows as BPMN 2.0 XML and as SVG.

The case diagram is built from the code: one element per `CaseStage` (its id is the stage's value, its name
the stage's label) and one sequence flow per move in `domain.process.TRANSITIONS`, named by its trigger and
coloured by the trigger's kind (staff action, signal from outside, timer). The hearing and remediation
diagrams describe workflows/hearing.py and workflows/remediation.py; their ids are the timeline event kinds
and signal names used there. tests/test_bpmn.py checks all of this and that the committed files are what
this module writes now. From the repository root:

    .venv/bin/python -m bpmn_docs.generate

Standard library only. The output is deterministic: no timestamps, fixed order, rounded coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from domain.process import SIGNALS, TIMERS, TRANSITIONS
from domain.staff_actions import STAFF_ACTIONS
from domain.stages import CaseStage

HERE = Path(__file__).resolve().parent
S = CaseStage

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1

# --- The model ----------------------------------------------------------------------------------------

BPMN_TAGS = {
    "start": "startEvent",
    "end": "endEvent",
    "user": "userTask",
    "service": "serviceTask",
    "send": "sendTask",
    "receive": "receiveTask",
    "call": "callActivity",
    "catch": "intermediateCatchEvent",
    "boundary": "boundaryEvent",
}
EVENTS = {"start", "end", "catch", "boundary"}


@dataclass
class Node:
    id: str
    kind: str  # a key of BPMN_TAGS
    name: str
    cell: tuple[float, float]  # (column, row) in the grid; boundary events sit on their host instead
    doc: str = ""
    called: str = ""  # call activities: the child workflow's type
    signal: str = ""  # signal events: the workflow signal they wait for
    timer: str = ""  # timer events: when they fire
    host: str = ""  # boundary events: the activity they are attached to ...
    side: str = ""  # ... and which side of it
    interrupting: bool = True
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0

    @property
    def tag(self) -> str:
        return BPMN_TAGS[self.kind]

    @property
    def is_event(self) -> bool:
        return self.kind in EVENTS

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def rect(self) -> Rect:
        return (self.x, self.y, self.x + self.w, self.y + self.h)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    kind: str = "flow"  # staff | signal | timer | flow
    doc: str = ""
    points: list[Point] = field(default_factory=list)
    label: Rect | None = None


@dataclass
class Group:
    """Flows drawn once in the SVG: one arrow out of a box around all their sources."""

    name: str
    target: str
    flows: tuple[str, ...]
    rect: Rect
    arrow: Flow
    title: str


@dataclass
class Diagram:
    key: str  # file stem
    process: str  # process id: the Temporal workflow type
    title: str
    subtitle: str
    nodes: list[Node]
    flows: list[Flow]
    signals: tuple[str, ...] = ()
    legend: tuple[str, ...] = ()
    groups: list[Group] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


# --- The case process, from domain.process ---------------------------------------------------------------

START = "complaint_received"

# Where each stage is drawn: the usual path runs along the top row, escalation below it.
CASE_GRID: dict[CaseStage, tuple[float, float]] = {
    S.RECEIVED: (1, 0),
    S.INVESTIGATING: (2, 0),
    S.VIOLATION_FOUND: (3, 0),
    S.NOTICE_ISSUED: (4, 0),
    S.AWAITING_COMPLIANCE: (5, 0),
    S.REINSPECTION_DUE: (6, 0),
    S.HEARING: (5, 1),
    S.ESCALATION_DUE: (6, 1),
    S.PROSECUTION: (4, 2),
    S.REMEDIATION: (5, 2),
    S.COST_RECOVERY: (6, 2),
    S.CLOSURE_REVIEW: (6, 3),
    S.CLOSED: (7, 2),
}

# What the case waits for at each stage; a stage added later is drawn as a staff task until listed here.
STAGE_KINDS: dict[CaseStage, str] = {
    S.RECEIVED: "service",
    S.AWAITING_COMPLIANCE: "receive",
    S.COST_RECOVERY: "receive",
    S.HEARING: "call",
    S.REMEDIATION: "call",
    S.CLOSED: "end",
}
CHILD_WORKFLOWS = {S.HEARING: "HearingWorkflow", S.REMEDIATION: "RemediationWorkflow"}


def trigger_kind(trigger: str) -> str:
    if trigger in TIMERS:
        return "timer"
    if trigger in SIGNALS:
        return "signal"
    return "staff" if trigger in STAFF_ACTIONS else "flow"


TRIGGER_DOCS = {
    "timer": "Timer or automatic step (domain.process.TIMERS).",
    "signal": "Signal: an event from outside (domain.process.SIGNALS).",
    "staff": "Staff action: a workflow update, checked by domain.staff_actions.refusal.",
    "flow": "",
}


def stage_doc(stage: CaseStage) -> str:
    actions = sorted(name for name, action in STAFF_ACTIONS.items() if stage in action.stages)
    allowed = f" Staff actions allowed here: {', '.join(actions)}." if actions else ""
    return f"CaseStage.{stage.name}: {stage.label}.{allowed}"


def case_diagram() -> Diagram:
    nodes = [Node(START, "start", "Complaint received", (0, 0), doc="A complaint starts one CaseWorkflow.")]
    spare = max(row for _, row in CASE_GRID.values()) + 1
    for stage in CaseStage:
        cell = CASE_GRID.get(stage)
        if cell is None:  # a new stage: drawn on a row of its own until it is given a place
            cell, spare = (1, spare), spare + 1
        kind = STAGE_KINDS.get(stage, "user")
        nodes.append(Node(stage.value, kind, stage.label, cell, stage_doc(stage), CHILD_WORKFLOWS.get(stage, "")))
    order = {stage: i for i, stage in enumerate(CaseStage)}
    flows = [Flow(f"{START}__{S.RECEIVED.value}", START, S.RECEIVED.value)]
    for source, trigger, target in sorted(TRANSITIONS, key=lambda t: (order[t[0]], t[1], order[t[2]])):
        kind = trigger_kind(trigger)
        flow_id = f"{source.value}__{trigger}__{target.value}"
        flows.append(Flow(flow_id, source.value, target.value, trigger, kind, TRIGGER_DOCS[kind]))
    return Diagram(
        key="case_process",
        process="CaseWorkflow",
        title="CaseWorkflow: the stages of a case and the moves between them",
        subtitle="Generated by bpmn_docs/generate.py from domain/stages.py and domain/process.py (TRANSITIONS). "
        "Element ids are stage values; arrow names are triggers.",
        nodes=nodes,
        flows=flows,
        legend=("staff", "signal", "timer", "user", "receive", "service", "call"),
    )


# --- The child workflows, as workflows/hearing.py and workflows/remediation.py run them --------------------


def boundary(
    node_id: str, name: str, host: str, side: str, signal: str = "", timer: str = "", *, interrupting: bool = True
) -> Node:
    """An event on the edge of a task: it fires while the task waits (and ends the task if interrupting)."""
    return Node(
        node_id, "boundary", name, (0, 0), signal=signal, timer=timer, host=host, side=side, interrupting=interrupting
    )


REMINDER = "the day before the hearing (hearing.REMINDER_BEFORE)"
DUE = "the contractor's due date (RemediationStart.due_at)"


def hearing_diagram() -> Diagram:
    nodes = [
        Node("hearing_requested", "start", "Appeal or hearing requested", (0, 0)),
        Node("schedule", "catch", "Calendared", (1, 0), signal="schedule", doc="Waits for the schedule signal."),
        Node("notice_of_hearing", "send", "Notice of hearing to the owner and the officer", (2, 0)),
        Node("hearing_pending", "user", "Hearing pending; the hearing officer decides", (3, 0)),
        boundary("rescheduled", "Rescheduled", "hearing_pending", "top", signal="schedule"),
        boundary("reminder_due", "Day before", "hearing_pending", "bottom", timer=REMINDER, interrupting=False),
        boundary("decide", "Decided", "hearing_pending", "right", signal="decide"),
        Node("hearing_reminder", "send", "Reminder to the parties", (3, 1)),
        Node("reminder_sent", "end", "Reminded", (4, 1)),
        Node("hearing_decided", "end", "Decision returned to the case", (4, 0)),
    ]
    flows = [
        Flow("hearing_requested__schedule", "hearing_requested", "schedule"),
        Flow("schedule__notice_of_hearing", "schedule", "notice_of_hearing"),
        Flow("notice_of_hearing__hearing_pending", "notice_of_hearing", "hearing_pending"),
        Flow("rescheduled__notice_of_hearing", "rescheduled", "notice_of_hearing", "new date", "signal"),
        Flow("reminder_due__hearing_reminder", "reminder_due", "hearing_reminder", "", "timer"),
        Flow("hearing_reminder__reminder_sent", "hearing_reminder", "reminder_sent"),
        Flow("decide__hearing_decided", "decide", "hearing_decided", "", "signal"),
    ]
    return Diagram(
        key="hearing",
        process="HearingWorkflow",
        title="HearingWorkflow: an appeal or administrative hearing",
        subtitle="The child workflow behind the case's hearing stage. Generated by bpmn_docs/generate.py; ids are "
        "the timeline event kinds and signal names of workflows/hearing.py.",
        nodes=nodes,
        flows=flows,
        signals=("schedule", "decide"),
        legend=("signal-event", "timer-event", "non-interrupting", "user", "send"),
    )


def remediation_diagram() -> Diagram:
    nodes = [
        Node("remediation_ordered", "start", "Abatement ordered (order_remediation)", (0, 0)),
        Node("work_order_issued", "send", "Work order to the contractor", (1, 0)),
        Node("contractor_at_work", "user", "Contractor at work; costs recorded as they come", (2, 0)),
        boundary("add_cost", "Cost line", "contractor_at_work", "top", signal="add_cost", interrupting=False),
        boundary("contractor_due", "Due date", "contractor_at_work", "bottom", timer=DUE, interrupting=False),
        boundary("complete", "Completed", "contractor_at_work", "right", signal="complete"),
        Node("cost_recorded", "end", "Cost recorded", (3, -1)),
        Node("work_order_overdue", "send", "Overdue: the contractor has not finished", (2, 1)),
        Node("overdue_reported", "end", "Reported", (3, 1)),
        Node("work_completed", "service", "Work completed: total cost returned to the case", (3, 0)),
        Node("remediation_done", "end", "Done", (4, 0)),
    ]
    flows = [
        Flow("remediation_ordered__work_order_issued", "remediation_ordered", "work_order_issued"),
        Flow("work_order_issued__contractor_at_work", "work_order_issued", "contractor_at_work"),
        Flow("add_cost__cost_recorded", "add_cost", "cost_recorded", "", "signal"),
        Flow("contractor_due__work_order_overdue", "contractor_due", "work_order_overdue", "", "timer"),
        Flow("work_order_overdue__overdue_reported", "work_order_overdue", "overdue_reported"),
        Flow("complete__work_completed", "complete", "work_completed", "", "signal"),
        Flow("work_completed__remediation_done", "work_completed", "remediation_done"),
    ]
    return Diagram(
        key="remediation",
        process="RemediationWorkflow",
        title="RemediationWorkflow: abatement by the city's contractor",
        subtitle="The child workflow behind the case's remediation stage. Generated by bpmn_docs/generate.py; ids "
        "are the timeline event kinds and signal names of workflows/remediation.py.",
        nodes=nodes,
        flows=flows,
        signals=("add_cost", "complete"),
        legend=("signal-event", "timer-event", "non-interrupting", "user", "send", "service"),
    )


# --- Layout ---------------------------------------------------------------------------------------------

TASK_W, TASK_H = 176.0, 84.0
EVENT_D, BOUNDARY_D = 40.0, 32.0
COL_GAP, ROW_GAP = 76.0, 112.0
LEFT, TOP = 40.0, 96.0  # the title sits above TOP
STUB, SLOT = 16.0, 26.0  # the first and last leg of a flow; the spacing of flows on one side of a task
NAME_SIZE, DETAIL_SIZE, LABEL_SIZE, CAPTION_WIDTH = 12.5, 10.0, 11.0, 150.0
MONO_WIDTH = 0.602  # DejaVu Sans Mono, in ems
BOUNDARY_AT = 0.78  # boundary events on the top or bottom of a task sit this far along it, clear of its name
DIRECTIONS = {"left": (-1.0, 0.0), "right": (1.0, 0.0), "top": (0.0, -1.0), "bottom": (0.0, 1.0)}
GROUP_MIN = 5  # this many flows with one trigger into one end event are drawn once, from a box (SVG only)

# Advance widths of DejaVu Sans (the font Debian's browsers fall back to), in ems; other characters are
# taken as 0.72 (capitals) or 0.64.
WIDTHS = {
    char: width
    for chars, width in (
        ("ijl'", 0.28),
        (" .,:;", 0.32),
        ("ft-()", 0.37),
        ("r", 0.41),
        ("_–", 0.5),
        ("szck", 0.54),
        ("vxy", 0.59),
        ("abdeghnopqu", 0.625),
        ("w", 0.82),
        ("m", 0.97),
    )
    for char in chars
}


def text_width(text: str, size: float) -> float:
    return size * sum(WIDTHS.get(c, 0.72 if c.isupper() else 0.64) for c in text)


def wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def inflate(rect: Rect, by: float) -> Rect:
    return (rect[0] - by, rect[1] - by, rect[2] + by, rect[3] + by)


def rect_overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def caption_rect(node: Node) -> Rect:
    """Where an event's name and id are written: under the circle, or beside a boundary event, off its task."""
    lines = wrap(node.name, CAPTION_WIDTH, LABEL_SIZE)
    w = max([text_width(line, LABEL_SIZE) for line in lines] + [MONO_WIDTH * DETAIL_SIZE * len(node.id)]) + 4
    h = (LABEL_SIZE + 2) * len(lines) + DETAIL_SIZE + 6
    if node.side == "top":
        return (node.x + node.w + 2, node.cy - h - 2, node.x + node.w + 2 + w, node.cy - 2)
    if node.side in ("bottom", "right"):
        return (node.x + node.w + 2, node.cy + 4, node.x + node.w + 2 + w, node.cy + 4 + h)
    return (node.cx - w / 2, node.y + node.h + 4, node.cx + w / 2, node.y + node.h + 4 + h)


def place_nodes(diagram: Diagram) -> None:
    """Columns and rows of the grid, each as wide as its widest node and apart enough for the names of the
    flows that run straight across the gap."""
    nodes = {n.id: n for n in diagram.nodes}
    placed = [n for n in diagram.nodes if not n.host]
    for node in placed:
        node.w, node.h = (EVENT_D, EVENT_D) if node.is_event else (TASK_W, TASK_H)

    def cell(node_id: str) -> tuple[float, float]:
        node = nodes[node_id]
        return nodes[node.host].cell if node.host else node.cell

    cols = sorted({n.cell[0] for n in placed})
    rows = sorted({n.cell[1] for n in placed})
    width = {c: max(max(n.w, caption_rect(n)[2] - caption_rect(n)[0]) for n in placed if n.cell[0] == c) for c in cols}
    height = {r: max(n.h for n in placed if n.cell[1] == r) for r in rows}
    gap = dict.fromkeys(cols, COL_GAP)
    for flow in diagram.flows:
        (ca, ra), (cb, rb) = cell(flow.source), cell(flow.target)
        lo, hi = sorted((ca, cb))
        if ra == rb and lo != hi and cols.index(hi) == cols.index(lo) + 1:
            gap[lo] = max(gap[lo], text_width(flow.name, LABEL_SIZE) + 44)
    for node in diagram.nodes:  # a boundary event on the right of a task has its caption in the gap
        if node.side == "right":
            col = nodes[node.host].cell[0]
            gap[col] = max(gap[col], caption_rect(node)[2] - caption_rect(node)[0] + 40)
    centre_x, x = {}, 0.0
    for c in cols:
        centre_x[c], x = x + width[c] / 2, x + width[c] + gap[c]
    centre_y, y = {}, 0.0
    for r in rows:
        centre_y[r], y = y + height[r] / 2, y + height[r] + ROW_GAP
    for node in placed:
        node.x, node.y = centre_x[node.cell[0]] - node.w / 2, centre_y[node.cell[1]] - node.h / 2
    for node in diagram.nodes:
        if node.host:
            host = nodes[node.host]
            node.w = node.h = BOUNDARY_D
            along = host.x + host.w * BOUNDARY_AT
            cx = {"top": along, "bottom": along, "left": host.x, "right": host.x + host.w}[node.side]
            cy = {"top": host.y, "bottom": host.y + host.h, "left": host.cy, "right": host.cy}[node.side]
            node.x, node.y = cx - node.w / 2, cy - node.h / 2


def find_groups(diagram: Diagram) -> None:
    """Many flows with one name into one end event (a case may be closed from any open stage) are drawn in
    the SVG as a single arrow out of a box around their sources, if that box holds nothing else."""
    by_key: dict[tuple[str, str], list[Flow]] = {}
    for flow in diagram.flows:
        if flow.name:
            by_key.setdefault((flow.name, flow.target), []).append(flow)
    for (name, target_id), flows in sorted(by_key.items()):
        target = diagram.node(target_id)
        members = {f.source for f in flows}
        if len(flows) < GROUP_MIN or target.kind != "end":
            continue
        boxes = [diagram.node(m).rect for m in sorted(members)]
        rect = (
            min(b[0] for b in boxes) - 24,
            min(b[1] for b in boxes) - 44,
            max(b[2] for b in boxes) + 24,
            max(b[3] for b in boxes) + 24,
        )
        others = [n for n in diagram.nodes if n.id not in members and n.host not in members]
        if any(rect_overlap(rect, inflate(n.rect, 8.0)) for n in others):
            continue
        x0, y0, x1, y1 = rect
        y = min(max(target.cy, y0 + 30), y1 - 30)
        if target.x >= x1:
            points = [(x1, y), (target.x, y)] if y == target.cy else [(x1, y), (target.cx, y), (target.cx, target.y)]
        else:  # a target elsewhere: straight down from the box
            x = min(max(target.cx, x0 + 30), x1 - 30)
            points = [(x, y1), (x, target.y)] if x == target.cx else [(x, y1), (x, target.cy), (target.x, target.cy)]
        arrow = Flow(f"group_{name}", "", target_id, name, flows[0].kind, points=points)
        title = f"{name}: from every stage in this box ({len(flows)} flows in the BPMN)"
        diagram.groups.append(Group(name, target_id, tuple(sorted(f.id for f in flows)), rect, arrow, title))


def seg_hits_rect(a: Point, b: Point, rect: Rect) -> bool:
    x0, y0, x1, y1 = rect
    if is_vertical(a, b):
        return x0 < a[0] < x1 and max(a[1], b[1]) > y0 and min(a[1], b[1]) < y1
    return y0 < a[1] < y1 and max(a[0], b[0]) > x0 and min(a[0], b[0]) < x1


def is_vertical(a: Point, b: Point) -> bool:
    return abs(a[0] - b[0]) < 0.01


def crosses(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Proper crossing of a horizontal and a vertical segment."""
    if is_vertical(a, b) == is_vertical(c, d):
        return False
    (h1, h2), (v1, v2) = ((a, b), (c, d)) if is_vertical(c, d) else ((c, d), (a, b))
    x, y = v1[0], h1[1]
    return min(h1[0], h2[0]) < x < max(h1[0], h2[0]) and min(v1[1], v2[1]) < y < max(v1[1], v2[1])


def overlap(a: Point, b: Point, c: Point, d: Point, near: float = 6.0) -> float:
    """Length over which two parallel segments run (almost) on top of each other."""
    if is_vertical(a, b) != is_vertical(c, d):
        return 0.0
    axis, other = (1, 0) if is_vertical(a, b) else (0, 1)
    if abs(a[other] - c[other]) >= near:
        return 0.0
    lo = max(min(a[axis], b[axis]), min(c[axis], d[axis]))
    hi = min(max(a[axis], b[axis]), max(c[axis], d[axis]))
    return max(0.0, hi - lo)


def simplify(points: list[Point]) -> list[Point] | None:
    """Drops repeated and collinear points; None if the path doubles back on itself or runs diagonally."""
    out: list[Point] = []
    for p in points:
        p = (round(p[0], 1), round(p[1], 1))
        if out and abs(out[-1][0] - p[0]) < 0.01 and abs(out[-1][1] - p[1]) < 0.01:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            same_line = abs(b[0] - p[0]) < 0.01 if is_vertical(a, b) else abs(b[1] - p[1]) < 0.01
            if same_line:
                if (b[0] - a[0]) * (p[0] - b[0]) < 0 or (b[1] - a[1]) * (p[1] - b[1]) < 0:
                    return None
                out[-1] = p
                continue
        out.append(p)
    if any(abs(a[0] - b[0]) > 0.01 and abs(a[1] - b[1]) > 0.01 for a, b in pairs(out)):
        return None
    return out


def pairs(points: list[Point]) -> list[tuple[Point, Point]]:
    return list(pairwise(points))


class Router:
    """Orthogonal routing: for each flow, tries every pair of sides and a few shapes through the gaps between
    rows and columns, and keeps the path that touches no other node and crosses and overlaps the fewest
    flows routed before it. Flows that share a side of a task get ports apart from each other."""

    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.nodes = {n.id: n for n in diagram.nodes}
        self.routed: list[tuple[Point, Point, Flow]] = []
        self.taken: dict[tuple[str, str], set[float]] = {}
        placed = [n for n in diagram.nodes if not n.host]
        self.channels_x = self.channels([(n.x, n.x + n.w) for n in placed])
        self.channels_y = self.channels([(n.y, n.y + n.h) for n in placed])
        for group in diagram.groups:
            self.routed += [(a, b, group.arrow) for a, b in pairs(group.arrow.points)]

    @staticmethod
    def channels(spans: list[tuple[float, float]]) -> list[float]:
        """Lines through the middle of each empty band between nodes (and outside them), with tracks beside."""
        bands: list[list[float]] = []
        for lo, hi in sorted(spans):
            if bands and lo <= bands[-1][1]:
                bands[-1][1] = max(bands[-1][1], hi)
            else:
                bands.append([lo, hi])
        middles = [(a[1] + b[0]) / 2 for a, b in pairwise(bands)]
        middles += [bands[0][0] - 40, bands[-1][1] + 40]
        return [m + t for m in middles for t in (0.0, -12.0, 12.0, -24.0, 24.0)]

    def offset(self, node: Node, side: str, toward: Node) -> float:
        """The first free port on this side, starting from the middle and leaning toward the other end."""
        if node.is_event:
            return 0.0
        horizontal = side in ("top", "bottom")
        half = (node.w if horizontal else node.h) / 2 - 10
        lean = (toward.cx - node.cx) if horizontal else (toward.cy - node.cy)
        sign = -1.0 if lean < 0 else 1.0
        taken = self.taken.get((node.id, side), set())
        for k in range(12):
            step = (k + 1) // 2 * SLOT * (sign if k % 2 else -sign)
            value = max(-half, min(half, step))
            if value not in taken:
                return value
        return 0.0

    def port(self, node: Node, side: str, offset: float) -> Point:
        dx, dy = DIRECTIONS[side]
        if dx:
            return (node.cx + dx * node.w / 2, node.cy + offset)
        return (node.cx + offset, node.cy + dy * node.h / 2)

    def cost(self, path: list[Point], flow: Flow, limit: float = float("inf")) -> float:
        """Length and bends, plus penalties for touching nodes, crossing and overlapping other flows.
        Stops counting once past `limit` (the best path so far)."""
        source, target = self.nodes[flow.source], self.nodes[flow.target]
        segments = pairs(path)
        score = 60.0 * (len(path) - 2) + sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in segments)
        last = len(segments) - 1
        for i, (a, b) in enumerate(segments):
            for node in self.diagram.nodes:
                if node is source or node is target:
                    box = inflate(node.rect, 6.0 if 0 < i < last else -1.0)
                elif node.id in (source.host, target.host):
                    box = inflate(node.rect, 4.0)
                else:
                    box = inflate(node.rect, 10.0)
                if seg_hits_rect(a, b, box):
                    score += 100000
            if score >= limit:
                return score
        for a, b in segments:
            for c, d, other in self.routed:
                if crosses(a, b, c, d):
                    score += 400
                if other.target != flow.target:
                    score += 30 * overlap(a, b, c, d)
            if score >= limit:
                return score
        return score

    def route(self, flow: Flow) -> None:
        source, target = self.nodes[flow.source], self.nodes[flow.target]
        best: tuple[float, list[Point], tuple[str, float], tuple[str, float]] | None = None
        for side_a in (source.side,) if source.host else DIRECTIONS:
            for side_b in DIRECTIONS:
                off_a, off_b = self.offset(source, side_a, target), self.offset(target, side_b, source)
                p, q = self.port(source, side_a, off_a), self.port(target, side_b, off_b)
                for path in self.shapes(p, side_a, q, side_b):
                    score = self.cost(path, flow, best[0] if best else float("inf"))
                    if best is None or score < best[0]:
                        best = (score, path, (side_a, off_a), (side_b, off_b))
        assert best is not None
        _, path, (side_a, off_a), (side_b, off_b) = best
        self.commit(flow, path, [(source.id, side_a, off_a), (target.id, side_b, off_b)])

    def shapes(self, p: Point, side_a: str, q: Point, side_b: str) -> Iterable[list[Point]]:
        (ax, ay), (bx, by) = DIRECTIONS[side_a], DIRECTIONS[side_b]
        p1, q1 = (p[0] + ax * STUB, p[1] + ay * STUB), (q[0] + bx * STUB, q[1] + by * STUB)
        middles: list[list[Point]] = [[(q1[0], p1[1])], [(p1[0], q1[1])]]
        middles += [[(x, p1[1]), (x, q1[1])] for x in self.channels_x]
        middles += [[(p1[0], y), (q1[0], y)] for y in self.channels_y]
        for middle in middles:
            path = simplify([p, p1, *middle, q1, q])
            if path and len(path) >= 2:
                yield path

    def loop(self, flow: Flow) -> None:
        """A flow back into the same stage: a small loop on the side where it disturbs least."""
        node = self.nodes[flow.source]
        best: tuple[float, list[Point], list[tuple[str, str, float]]] | None = None
        for side, (dx, dy) in DIRECTIONS.items():
            along = node.w if dy else node.h
            for shift in (-46.0, 46.0, 0.0, -70.0, 70.0):
                if abs(shift) + 18 > along / 2:
                    continue
                a_off, b_off = shift - 13, shift + 13
                if {a_off, b_off} & self.taken.get((node.id, side), set()):
                    continue
                a, b = self.port(node, side, a_off), self.port(node, side, b_off)
                out = (dx * 26, dy * 26)
                path = [a, (a[0] + out[0], a[1] + out[1]), (b[0] + out[0], b[1] + out[1]), b]
                score = self.cost(path, flow)
                if best is None or score < best[0]:
                    best = (score, path, [(node.id, side, a_off), (node.id, side, b_off)])
        assert best is not None
        self.commit(flow, best[1], best[2])

    def commit(self, flow: Flow, path: list[Point], ports: list[tuple[str, str, float]]) -> None:
        flow.points = path
        self.routed += [(a, b, flow) for a, b in pairs(path)]
        for node_id, side, offset in ports:
            self.taken.setdefault((node_id, side), set()).add(offset)


def route_flows(diagram: Diagram) -> None:
    router = Router(diagram)
    nodes = {n.id: n for n in diagram.nodes}
    grouped = {f for g in diagram.groups for f in g.flows}

    def order(flow: Flow) -> tuple[bool, bool, bool, float, str]:
        """Forward moves between neighbours first (they get the straight lines), loops and grouped flows last."""
        a, b = nodes[flow.source], nodes[flow.target]
        forward = abs(a.cy - b.cy) < 1 and a.cx < b.cx
        return (flow.id in grouped, a is b, not forward, abs(a.cx - b.cx) + abs(a.cy - b.cy), flow.id)

    for flow in sorted(diagram.flows, key=order):
        if flow.source == flow.target:
            router.loop(flow)
        else:
            router.route(flow)


def place_labels(diagram: Diagram) -> None:
    """Puts each flow's name beside one of its segments, away from nodes, other names and other lines."""
    grouped = {f for g in diagram.groups for f in g.flows}
    drawn = [f for f in diagram.flows if f.id not in grouped] + [g.arrow for g in diagram.groups]
    obstacles = [inflate(n.rect, 3.0) for n in diagram.nodes] + [caption_rect(n) for n in diagram.nodes if n.is_event]
    obstacles += [group_title_rect(g) for g in diagram.groups]
    lines = [(a, b, f) for f in drawn for a, b in pairs(f.points)]
    for group in diagram.groups:
        x0, y0, x1, y1 = group.rect
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        lines += [(a, b, group.arrow) for a, b in pairs(corners)]
    placed: list[Rect] = []
    for flow in sorted((f for f in drawn if f.name), key=lambda f: (len(f.points), f.id)):
        w, h = text_width(flow.name, LABEL_SIZE) + 6, LABEL_SIZE + 4
        segments = pairs(flow.points)
        best: tuple[float, Rect] | None = None
        for i, (a, b) in enumerate(segments):
            length = abs(a[0] - b[0]) + abs(a[1] - b[1])
            stub = len(segments) > 1 and i in (0, len(segments) - 1) and length <= STUB + 0.1
            shared = any(other is not flow and overlap(a, b, c, d) > 1 for c, d, other in lines)
            for frac in (0.5, 0.35, 0.65, 0.2, 0.8):
                px, py = a[0] + (b[0] - a[0]) * frac, a[1] + (b[1] - a[1]) * frac
                if is_vertical(a, b):
                    options = [
                        (px + 4, py - h / 2, px + 4 + w, py + h / 2),
                        (px - 4 - w, py - h / 2, px - 4, py + h / 2),
                    ]
                else:
                    options = [
                        (px - w / 2, py - h - 1, px + w / 2, py - 1),
                        (px - w / 2, py + 1, px + w / 2, py + h + 1),
                    ]
                for rect in options:
                    score = 40 * abs(frac - 0.5) + 60 * stub + 300 * shared + 2 * i
                    if not is_vertical(a, b) and length < w:
                        score += 4 * (w - length)
                    score += 50 * sum(rect_overlap(rect, o) for o in obstacles + placed)
                    score += sum(300 for c, d, other in lines if other is not flow and seg_hits_rect(c, d, rect))
                    score += sum(
                        100 for c, d, other in lines if other is flow and seg_hits_rect(c, d, inflate(rect, -1))
                    )
                    if best is None or score < best[0]:
                        best = (score, rect)
        assert best is not None
        flow.label = best[1]
        placed.append(best[1])


def group_title_rect(group: Group) -> Rect:
    x0, y0, _, _ = group.rect
    return (x0 + 10, y0 + 6, x0 + 14 + text_width(group.title, LABEL_SIZE), y0 + 10 + LABEL_SIZE)


def translate(diagram: Diagram) -> None:
    """Moves the drawing to the top left corner, under the title, and rounds every coordinate."""
    boxes = [n.rect for n in diagram.nodes] + [caption_rect(n) for n in diagram.nodes if n.is_event]
    flows = diagram.flows + [g.arrow for g in diagram.groups]
    boxes += [f.label for f in flows if f.label] + [(x, y, x, y) for f in flows for x, y in f.points]
    boxes += [g.rect for g in diagram.groups]
    dx, dy = LEFT - min(b[0] for b in boxes), TOP - min(b[1] for b in boxes)

    def move(rect: Rect) -> Rect:
        return (round(rect[0] + dx, 1), round(rect[1] + dy, 1), round(rect[2] + dx, 1), round(rect[3] + dy, 1))

    for node in diagram.nodes:
        node.x, node.y = round(node.x + dx, 1), round(node.y + dy, 1)
    for flow in flows:
        flow.points = [(round(x + dx, 1), round(y + dy, 1)) for x, y in flow.points]
        flow.label = move(flow.label) if flow.label else None
    for group in diagram.groups:
        group.rect = move(group.rect)
    diagram.width = round(max(max(b[2] for b in boxes) + dx, text_width(diagram.title, 20) * 1.05) + LEFT)
    diagram.height = round(max(b[3] for b in boxes) + dy + 30)


def layout(diagram: Diagram) -> Diagram:
    place_nodes(diagram)
    find_groups(diagram)
    route_flows(diagram)
    place_labels(diagram)
    translate(diagram)
    return diagram


# --- BPMN 2.0 XML ---------------------------------------------------------------------------------------


def num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def bpmn_xml(diagram: Diagram) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Generated by bpmn_docs/generate.py from the code; do not edit by hand. -->",
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        f'id="{diagram.key}_definitions" targetNamespace="urn:abate:bpmn:{diagram.key}" '
        'exporter="bpmn_docs.generate" exporterVersion="1">',
    ]
    out += [f'  <bpmn:signal id="signal_{s}" name="{s}" />' for s in diagram.signals]
    out.append(f'  <bpmn:process id="{diagram.process}" name={quoteattr(diagram.title)} isExecutable="false">')
    for node in diagram.nodes:
        out += node_xml(node, diagram)
    for flow in diagram.flows:
        name = f" name={quoteattr(flow.name)}" if flow.name else ""
        attrs = f'id="{flow.id}"{name} sourceRef="{flow.source}" targetRef="{flow.target}"'
        if flow.doc:
            out += [
                f"    <bpmn:sequenceFlow {attrs}>",
                f"      <bpmn:documentation>{escape(flow.doc)}</bpmn:documentation>",
            ]
            out.append("    </bpmn:sequenceFlow>")
        else:
            out.append(f"    <bpmn:sequenceFlow {attrs} />")
    out.append("  </bpmn:process>")
    out += [
        f'  <bpmndi:BPMNDiagram id="{diagram.key}_diagram">',
        f'    <bpmndi:BPMNPlane id="{diagram.key}_plane" bpmnElement="{diagram.process}">',
    ]
    for node in diagram.nodes:
        out.append(f'      <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}">')
        out.append(f"        {bounds(node.rect)}")
        if node.is_event:
            out += [
                "        <bpmndi:BPMNLabel>",
                f"          {bounds(caption_rect(node))}",
                "        </bpmndi:BPMNLabel>",
            ]
        out.append("      </bpmndi:BPMNShape>")
    for flow in diagram.flows:
        out.append(f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">')
        out += [f'        <di:waypoint x="{num(x)}" y="{num(y)}" />' for x, y in flow.points]
        if flow.label:
            out += ["        <bpmndi:BPMNLabel>", f"          {bounds(flow.label)}", "        </bpmndi:BPMNLabel>"]
        out.append("      </bpmndi:BPMNEdge>")
    out += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>", "</bpmn:definitions>", ""]
    return "\n".join(out)


def bounds(rect: Rect) -> str:
    x0, y0, x1, y1 = rect
    return f'<dc:Bounds x="{num(x0)}" y="{num(y0)}" width="{num(x1 - x0)}" height="{num(y1 - y0)}" />'


def node_xml(node: Node, diagram: Diagram) -> list[str]:
    attrs = f"id={quoteattr(node.id)} name={quoteattr(node.name)}"
    if node.called:
        attrs += f' calledElement="{node.called}"'
    if node.host:
        attrs += f' attachedToRef="{node.host}"'
        if not node.interrupting:
            attrs += ' cancelActivity="false"'
    body = [f"      <bpmn:documentation>{escape(node.doc)}</bpmn:documentation>"] if node.doc else []
    body += [f"      <bpmn:incoming>{f.id}</bpmn:incoming>" for f in diagram.flows if f.target == node.id]
    body += [f"      <bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in diagram.flows if f.source == node.id]
    if node.signal:
        body.append(f'      <bpmn:signalEventDefinition id="{node.id}_signal" signalRef="signal_{node.signal}" />')
    if node.timer:
        body += [
            f'      <bpmn:timerEventDefinition id="{node.id}_timer">',
            f"        <bpmn:timeDate>{escape(node.timer)}</bpmn:timeDate>",
            "      </bpmn:timerEventDefinition>",
        ]
    if not body:
        return [f"    <bpmn:{node.tag} {attrs} />"]
    return [f"    <bpmn:{node.tag} {attrs}>", *body, f"    </bpmn:{node.tag}>"]


# --- SVG ------------------------------------------------------------------------------------------------

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"
EDGE_STYLES = {  # colour, dash pattern, legend text
    "staff": ("#1f4e79", "", "staff action (workflow update)"),
    "signal": ("#c05600", "7 4", "signal: an event from outside (SIGNALS)"),
    "timer": ("#2e7d32", "2 3", "timer or automatic step (TIMERS)"),
    "flow": ("#555555", "", "sequence"),
}
NODE_STYLES = {  # fill, stroke, caption, legend text
    "user": ("#e8f1fb", "#1f4e79", "staff", "waits for staff"),
    "receive": ("#fff4d6", "#9a6b00", "waits", "waits for a timer, a signal or staff"),
    "service": ("#eeeeee", "#555555", "automatic", "automatic step"),
    "send": ("#eaf5ea", "#2e7d32", "sends", "sends a notice"),
    "call": ("#f3e8fb", "#6a1b9a", "child workflow", "child workflow (call activity)"),
}


def svg(diagram: Diagram) -> str:
    w, h = diagram.width, diagram.height
    legend, legend_h = svg_legend(diagram, h)
    total_h = h + legend_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(w)}" height="{num(total_h)}" '
        f'viewBox="0 0 {num(w)} {num(total_h)}" font-family="{FONT}">',
        f"<title>{escape(diagram.title)}</title>",
        "<defs>",
    ]
    for kind, (colour, _, _) in sorted(EDGE_STYLES.items()):
        out.append(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}" /></marker>'
        )
    out += [
        "</defs>",
        f'<rect width="{num(w)}" height="{num(total_h)}" fill="#ffffff" />',
        f'<text x="{num(LEFT)}" y="34" font-size="20" font-weight="bold" fill="#222">{escape(diagram.title)}</text>',
        f'<text x="{num(LEFT)}" y="56" font-size="12" fill="#555">{escape(diagram.subtitle)}</text>',
    ]
    grouped = {f for g in diagram.groups for f in g.flows}
    drawn = [f for f in diagram.flows if f.id not in grouped] + [g.arrow for g in diagram.groups]
    for group in diagram.groups:
        x0, y0, x1, y1 = group.rect
        tx, _, _, ty = group_title_rect(group)
        out += [
            f'<rect x="{num(x0)}" y="{num(y0)}" width="{num(x1 - x0)}" height="{num(y1 - y0)}" rx="18" '
            'fill="#f6f7f9" stroke="#8c96a3" stroke-width="1.2" stroke-dasharray="6 4" />',
            f'<text x="{num(tx + 2)}" y="{num(ty - 3)}" font-size="{num(LABEL_SIZE)}" font-style="italic" '
            f'fill="#4a5561">{escape(group.title)}</text>',
        ]
    for flow in drawn:
        colour, dash, _ = EDGE_STYLES[flow.kind]
        points = " ".join(f"{num(x)},{num(y)}" for x, y in flow.points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline id="{flow.id}" points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"{dashed} '
            f'stroke-linejoin="round" marker-end="url(#arrow-{flow.kind})" />'
        )
    bottom_hosts = {n.host for n in diagram.nodes if n.side == "bottom"}
    side_hosts = {n.host for n in diagram.nodes if n.side in ("left", "right")}
    for node in diagram.nodes:
        out += svg_node(node, bottom_hosts, side_hosts)
    for flow in drawn:
        if flow.label and flow.name:
            colour = EDGE_STYLES[flow.kind][0]
            x0, y0, x1, y1 = flow.label
            out.append(
                f'<text x="{num((x0 + x1) / 2)}" y="{num(y1 - 4)}" font-size="{num(LABEL_SIZE)}" text-anchor="middle" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(flow.name)}</text>'
            )
    out += legend
    out += ["</svg>", ""]
    return "\n".join(out)


def svg_node(node: Node, bottom_hosts: set[str], side_hosts: set[str]) -> list[str]:
    x, y, w, h = node.x, node.y, node.w, node.h
    if node.is_event:
        return svg_event(node)
    fill, stroke, caption, _ = NODE_STYLES[node.kind]
    width = 3.0 if node.kind == "call" else 1.5
    out = [
        f'<g id="shape_{node.id}">',
        f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="12" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{num(width)}" />',
        f'<text x="{num(x + 8)}" y="{num(y + 13)}" font-size="9.5" font-style="italic" fill="{stroke}">{caption}</text>',
    ]
    bottom = y + h - 8 - (14 if node.kind == "call" else 0)  # the id's baseline; a call's marker goes under it
    lines = wrap(node.name, w - (44 if node.id in side_hosts else 16), NAME_SIZE)
    line_h = NAME_SIZE + 3
    first = (y + 16 + bottom - DETAIL_SIZE) / 2 - (len(lines) * line_h) / 2 + NAME_SIZE - 1
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{num(node.cx)}" y="{num(first + i * line_h)}" font-size="{num(NAME_SIZE)}" text-anchor="middle" '
            f'fill="#111">{escape(line)}</text>'
        )
    # Under a boundary event on the bottom edge, the id moves to the left.
    at = (
        f'x="{num(x + 10)}" text-anchor="start"'
        if node.id in bottom_hosts
        else f'x="{num(node.cx)}" text-anchor="middle"'
    )
    out.append(
        f'<text {at} y="{num(bottom)}" font-size="{num(DETAIL_SIZE)}" font-family="{MONO}" fill="#666">'
        f"{escape(node.id)}</text>"
    )
    if node.kind == "call":
        bx, by = node.cx - 7, y + h - 17
        out.append(f'<rect x="{num(bx)}" y="{num(by)}" width="14" height="14" fill="none" stroke="{stroke}" />')
        out.append(f'<path d="M{num(bx + 3)},{num(by + 7)} h8 M{num(bx + 7)},{num(by + 3)} v8" stroke="{stroke}" />')
    out.append("</g>")
    return out


def svg_event(node: Node) -> list[str]:
    cx, cy, r = node.cx, node.cy, node.w / 2
    if node.signal:
        colour = EDGE_STYLES["signal"][0]
    elif node.timer:
        colour = EDGE_STYLES["timer"][0]
    else:
        colour = {"start": "#2e7d32", "end": "#b71c1c"}.get(node.kind, "#555555")
    width = 4.0 if node.kind == "end" else 2.0
    dash = "" if node.interrupting else ' stroke-dasharray="4 3"'
    out = [
        f'<g id="shape_{node.id}">',
        f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="#ffffff" stroke="{colour}" stroke-width="{num(width)}"{dash} />',
    ]
    if node.kind in ("catch", "boundary"):
        out.append(f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r - 4)}" fill="none" stroke="{colour}"{dash} />')
    if node.signal:
        s = r * 0.5
        out.append(
            f'<path d="M{num(cx)},{num(cy - s)} L{num(cx + s * 0.9)},{num(cy + s * 0.6)} L{num(cx - s * 0.9)},{num(cy + s * 0.6)} z" '
            f'fill="none" stroke="{colour}" stroke-width="1.5" />'
        )
    if node.timer:
        s = r * 0.55
        out.append(
            f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(s)}" fill="none" stroke="{colour}" stroke-width="1.5" />'
        )
        out.append(
            f'<path d="M{num(cx)},{num(cy)} V{num(cy - s * 0.8)} M{num(cx)},{num(cy)} H{num(cx + s * 0.6)}" stroke="{colour}" />'
        )
    x0, y0, x1, y1 = caption_rect(node)
    lines = wrap(node.name, CAPTION_WIDTH, LABEL_SIZE)
    halo = 'stroke="#ffffff" stroke-width="3" paint-order="stroke"'
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{num((x0 + x1) / 2)}" y="{num(y0 + LABEL_SIZE + i * (LABEL_SIZE + 2))}" font-size="{num(LABEL_SIZE)}" '
            f'text-anchor="middle" fill="#222" {halo}>{escape(line)}</text>'
        )
    out.append(
        f'<text x="{num((x0 + x1) / 2)}" y="{num(y1 - 4)}" font-size="{num(DETAIL_SIZE)}" font-family="{MONO}" '
        f'text-anchor="middle" fill="#666" {halo}>{escape(node.id)}</text>'
    )
    out.append("</g>")
    return out


def svg_legend(diagram: Diagram, top: float) -> tuple[list[str], float]:
    out = [
        f'<g id="legend"><text x="{num(LEFT)}" y="{num(top + 4)}" font-size="12" font-weight="bold" fill="#222">Legend</text>'
    ]
    x, y = LEFT, top + 24
    for key in diagram.legend:
        if key in EDGE_STYLES:
            colour, dash, text = EDGE_STYLES[key]
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{num(x)}" y1="{num(y - 4)}" x2="{num(x + 40)}" y2="{num(y - 4)}" stroke="{colour}" '
                f'stroke-width="1.6"{dashed} marker-end="url(#arrow-{key})" />'
            )
        elif key in NODE_STYLES:
            fill, stroke, _, text = NODE_STYLES[key]
            width = 3.0 if key == "call" else 1.5
            out.append(
                f'<rect x="{num(x + 4)}" y="{num(y - 12)}" width="32" height="16" rx="5" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{num(width)}" />'
            )
        else:
            colour = EDGE_STYLES["signal" if key == "signal-event" else "timer"][0]
            dash = ' stroke-dasharray="4 3"' if key == "non-interrupting" else ""
            colour = "#555555" if key == "non-interrupting" else colour
            out.append(
                f'<circle cx="{num(x + 20)}" cy="{num(y - 4)}" r="9" fill="#fff" stroke="{colour}" stroke-width="2"{dash} />'
            )
            text = {
                "signal-event": "waits for a workflow signal",
                "timer-event": "waits for a timer",
                "non-interrupting": "non-interrupting: the task goes on",
            }[key]
        out.append(f'<text x="{num(x + 48)}" y="{num(y)}" font-size="11.5" fill="#333">{escape(text)}</text>')
        x += 48 + text_width(text, 11.5) + 28
        if x > diagram.width - 260:
            x, y = LEFT, y + 22
    out.append("</g>")
    return out, y - top + 26


# --- Files ----------------------------------------------------------------------------------------------


def diagrams() -> list[Diagram]:
    return [layout(case_diagram()), layout(hearing_diagram()), layout(remediation_diagram())]


def render() -> dict[str, str]:
    """Every generated file, by name under bpmn_docs/."""
    files: dict[str, str] = {}
    for diagram in diagrams():
        files[f"{diagram.key}.bpmn"] = bpmn_xml(diagram)
        files[f"{diagram.key}.svg"] = svg(diagram)
    return files


def main() -> None:
    for name, text in render().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote bpmn_docs/{name}")


if __name__ == "__main__":
    main()
