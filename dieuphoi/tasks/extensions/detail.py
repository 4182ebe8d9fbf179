"""The extension parts of the task page (``tasks.detail`` puts them in its
context; the extension views use the decision buttons on their own rows).

Public names:

- ``detail_context(user, task, *, extension_form=None, failed_decision=None)
  -> dict``: the pending request with the decisions the user may take, the
  request form (or why it is no longer offered), the parties' pending
  requests and the history (``extension_*`` keys of the template).
- ``decision_forms(extension, failed=None) -> list[dict]``: the three
  decisions on a pending request, as buttons and forms.
- ``errors_text(form) -> str``: a form's errors as one line.
"""

from __future__ import annotations

from .. import workflow
from ..models import ExtensionRequest, Task
from ..permissions import (
    can_decide_extension,
    can_request_extension,
    can_request_part_extension,
    can_withdraw_extension,
    user_parts,
)
from . import selectors
from .forms import ExtensionDecisionForm, ExtensionRequestForm, PartExtensionRequestForm
from .services import DECISIONS


def errors_text(form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs)


def decision_forms(
    extension: ExtensionRequest, failed: ExtensionDecisionForm | None = None
) -> list[dict]:
    """The three decisions on a pending request, as buttons and forms
    (``failed``: a submitted form with errors, shown open)."""
    out = []
    for decision, action in DECISIONS.items():
        if failed is not None and failed.data.get("decision") == decision:
            form = failed
        else:
            form = ExtensionDecisionForm(
                initial={"decision": decision},
                decision=decision,
                extension_id=extension.pk,
            )
        out.append(
            {
                "name": decision,
                "id": f"extension-{extension.pk}-{decision}",
                "label": workflow.action_label(action),
                "form": form,
                "with_form": decision != "approve",
                "needs_deadline": decision == "approve_other_date",
                "open": form is failed,
            }
        )
    return out


def detail_context(
    user,
    task: Task,
    *,
    extension_form: ExtensionRequestForm | None = None,
    failed_decision: ExtensionDecisionForm | None = None,
) -> dict:
    """The task page's extension parts: the pending request with the
    decisions the user may take, the request form, and the history."""
    history = selectors.extension_request_list(task=task)
    pending = next((e for e in history if e.is_pending and e.part_id is None), None)
    # Co-operating parties' requests to move their own sub-deadline.
    part_pending = [e for e in history if e.is_pending and e.part_id is not None]
    if part_pending and can_decide_extension(user, task):
        for extension in part_pending:
            extension.decisions = decision_forms(extension)
    asked = {e.part_id for e in part_pending}
    my_parts = [
        p
        for p in user_parts(user, task)
        if p.pk not in asked and can_request_part_extension(user, p)
    ]
    can_request = pending is None and can_request_extension(user, task)
    notice = ""
    if extension_form is not None and not can_request:
        # The form is no longer offered (a request came first): say why.
        notice = errors_text(extension_form)
    if can_request and extension_form is None:
        extension_form = ExtensionRequestForm(initial={"version": task.version})
    decisions = []
    if pending is not None and can_decide_extension(user, task):
        decisions = decision_forms(pending, failed_decision)
    return {
        "extension_history": history,
        "extension_pending": pending,
        "extension_form": extension_form if can_request else None,
        "extension_form_open": bool(
            extension_form is not None and extension_form.errors
        ),
        "extension_decisions": decisions,
        "extension_can_withdraw": pending is not None
        and can_withdraw_extension(user, task, pending),
        "extension_notice": notice,
        "part_extension_pending": part_pending,
        "part_extension_form": PartExtensionRequestForm(parts=my_parts)
        if my_parts
        else None,
    }
