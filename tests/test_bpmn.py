"""The BPMN pictures in bpmn_docs/ say what the code does, so they cannot drift from it.

The case diagram has one element per stage and one sequence flow per move in `domain.process.TRANSITIONS`;
the hearing and remediation diagrams name the signals their workflows define; every file is valid BPMN 2.0;
and the files on disk are exactly what `bpmn_docs.generate` writes now (after changing the process, run
`.venv/bin/python -m bpmn_docs.generate`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from temporalio import workflow

from bpmn_docs import generate
from domain.process import TRANSITIONS
from domain.stages import CaseStage
from workflows.case import CaseWorkflow
from workflows.hearing import HearingWorkflow
from workflows.remediation import RemediationWorkflow

DOCS = Path(generate.__file__).parent
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DIAGRAMS = ("case_process.bpmn", "hearing.bpmn", "remediation.bpmn")
CHILDREN = {"hearing.bpmn": HearingWorkflow, "remediation.bpmn": RemediationWorkflow}


def read(name: str) -> etree._ElementTree:
    return etree.parse(str(DOCS / name))


def process_of(name: str) -> etree._Element:
    return read(name).getroot().find(f"{BPMN}process")


def children(process: etree._Element, tag: str | None = None) -> list[etree._Element]:
    """The process's elements (comments aside), or only those with this tag."""
    return [el for el in process if isinstance(el.tag, str) and (tag is None or el.tag == f"{BPMN}{tag}")]


def workflow_type(cls: type) -> str:
    return workflow._Definition.must_from_class(cls).name or cls.__name__


@pytest.mark.parametrize("name", DIAGRAMS)
def test_each_diagram_is_valid_bpmn_2_0(name: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(DOCS / "schema" / "BPMN20.xsd")))
    document = read(name)
    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)
    # libxml2 does not check that references resolve, so: every reference names an element of the file.
    ids = [el.get("id") for el in document.iter() if isinstance(el.tag, str) and el.get("id")]
    assert len(ids) == len(set(ids))
    refs = {"sourceRef", "targetRef", "attachedToRef", "signalRef", "bpmnElement"}
    pointed = {
        value for el in document.iter() if isinstance(el.tag, str) for key, value in el.attrib.items() if key in refs
    }
    pointed |= {el.text for tag in ("incoming", "outgoing") for el in document.iter(f"{BPMN}{tag}")}
    assert pointed <= set(ids), f"references to nothing: {sorted(pointed - set(ids))}"


def test_the_case_diagram_has_one_element_per_stage() -> None:
    process = process_of("case_process.bpmn")
    assert process.get("id") == workflow_type(CaseWorkflow)
    nodes = {el.get("id") for el in children(process) if el.tag != f"{BPMN}sequenceFlow"}
    assert nodes == {stage.value for stage in CaseStage} | {generate.START}
    assert [el.get("id") for el in children(process, "startEvent")] == [generate.START]
    assert [el.get("id") for el in children(process, "endEvent")] == [CaseStage.CLOSED.value]


def test_the_case_diagram_has_one_flow_per_transition() -> None:
    flows = children(process_of("case_process.bpmn"), "sequenceFlow")
    drawn = {
        (f.get("sourceRef"), f.get("name"), f.get("targetRef")) for f in flows if f.get("sourceRef") != generate.START
    }
    assert drawn == {(source.value, trigger, target.value) for source, trigger, target in TRANSITIONS}
    assert all(
        f.get("id") == f"{f.get('sourceRef')}__{f.get('name')}__{f.get('targetRef')}" for f in flows if f.get("name")
    )


def test_the_case_diagram_calls_the_child_workflows() -> None:
    calls = {el.get("id"): el.get("calledElement") for el in children(process_of("case_process.bpmn"), "callActivity")}
    assert calls == {
        CaseStage.HEARING.value: workflow_type(HearingWorkflow),
        CaseStage.REMEDIATION.value: workflow_type(RemediationWorkflow),
    }


@pytest.mark.parametrize("name", CHILDREN)
def test_the_child_diagrams_name_the_signals_their_workflows_define(name: str) -> None:
    cls = CHILDREN[name]
    root = read(name).getroot()
    assert root.find(f"{BPMN}process").get("id") == workflow_type(cls)
    signals = {el.get("id"): el.get("name") for el in root.findall(f"{BPMN}signal")}
    defined = {signal for signal in workflow._Definition.must_from_class(cls).signals if signal}
    assert set(signals.values()) == defined
    waits = {ref.get("signalRef") for ref in root.iter(f"{BPMN}signalEventDefinition")}
    assert waits == set(signals), "every signal is waited for somewhere, and only declared signals are"


def test_the_files_are_what_the_generator_writes_now() -> None:
    generated = generate.render()
    assert sorted(generated) == sorted([*DIAGRAMS, "case_process.svg", "hearing.svg", "remediation.svg"])
    stale = [name for name, text in generated.items() if (DOCS / name).read_text(encoding="utf-8") != text]
    assert not stale, f"{stale} differ from the code: run .venv/bin/python -m bpmn_docs.generate"
