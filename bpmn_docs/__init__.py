"""BPMN 2.0 diagrams of the case process and its child workflows, generated from the code (see generate.py)."""
