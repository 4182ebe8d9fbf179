"""The objects of the authorization world for matters (see ``conftest.py``)."""

from __future__ import annotations


def build(w, **ctx) -> dict:
    """``{reference: id}`` for ``matrix_matters.py``'s rows. ``ctx``: hanoi,
    bac_ninh, third (a third province's team), third_agency, third_person,
    sxd (the member's agency), today, secretariat, admin, proposal,
    key_project, task (a Hanoi task of the team)."""
    return {}
