"""Integrations: the document store, the letter renderer, the e-mail and SMS providers.

They know third-party libraries and the domain's types, never the records, so an activity, a service or a test
wires them to whatever it needs.
"""
