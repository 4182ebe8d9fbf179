"""Extension requests (đề nghị điều chỉnh thời hạn): the lead agency asks for
a later deadline, a co-operating party for a later sub-deadline of its own
part; the leader or deputy of the task's body decides.

Modules, each depending only on those listed before it (and on the tasks
modules below them: ``models``, ``workflow``, ``permissions``,
``selectors``, ``services``), never on the task pages:

- ``closing``: ``close`` and ``extension_close_on_cancel`` (the step
  ``tasks.services.task_transition`` takes when a task is cancelled).
- ``services``: the writes ``extension_request_create``,
  ``extension_request_decide``, ``extension_request_withdraw``,
  ``part_extension_request_create``; ``DECISIONS``, ``REASON_MAX``,
  ``ACTION_LABELS``, ``CHANGE_LABELS``.
- ``selectors``: the reads ``extension_request_list``,
  ``extension_request_get``, ``extension_request_inbox``,
  ``extension_request_page``, ``extension_request_row``,
  ``extension_agency_choices``, ``pending_requests_q`` (reminders, the
  leadership page), ``ExtensionFilters``, ``INBOX_SIZE``, ``LIST_PAGE_SIZE``.
- ``forms``: ``ExtensionRequestForm``, ``PartExtensionRequestForm``,
  ``ExtensionDecisionForm``, ``ExtensionFilterForm``.
- ``detail``: the extension parts of the task page (``detail_context``,
  ``decision_forms``), which ``tasks.detail`` puts in its context.
- ``views``: the pages (URL names ``tasks:extension-*`` in ``tasks.urls``,
  templates ``tasks/extension_*.html``) and the home-page ``inbox_section``;
  they re-render the task page through ``tasks.detail``.

Import the module you need (``from dieuphoi.tasks.extensions import
services``); this package re-exports nothing.
"""
