"""Inspections and supervision API, mounted at /api/v1."""

from ninja import Router

router = Router(tags=["inspections and supervision"])
