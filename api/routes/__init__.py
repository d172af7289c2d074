"""Thin routers: each route checks the role, validates, and calls one function."""
