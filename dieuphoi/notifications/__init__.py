"""In-app notifications, e-mail (per event or a daily digest), preferences.

Public names (stable; any app may call them, this app imports no domain app):

- ``services.notify(*, recipients, kind, target, title, url, key, day=None,
  email=True) -> int`` and ``services.notify_many(specs, *, on=None)`` with
  ``services.NotificationSpec``: create notifications once per unique key,
  only for recipients who may see the target, and queue their e-mails.
- ``registry.register_notification_target(model, *, can_view,
  visible_pairs=None, describe=None)``: declare who may see a model's items
  (required before notifying about it) and what e-mails show of them.
- ``kinds.register_kind(key, label, *, default_mode=None, must_act=False)``:
  the catalogue of notification kinds. Each person may set each kind's
  e-mail mode or switch it off (``KindPreference``), except the must-act
  kinds (``services.preference_update`` refuses, ``notify_many`` ignores);
  ``notify_many`` honours the settings in one query per call.
- ``selectors.unread_count(user=)``, ``selectors.notification_list(user=)``:
  both leave out notifications about items the user may no longer see (the
  registry's bulk check, a fixed number of queries); opening such a
  notification says so in the centre instead of leading to a 404 page.
- Jobs: ``emails.email_send(ids=)``, ``jobs.digest_send_day(day=)`` (daily,
  registered as ``notifications.digest``).

URLs: ``notifications:list`` (the centre), ``:badge`` (header count, loaded
by HTMX), ``:read``, ``:read-all``, ``:open``, ``:preferences`` (general
e-mail mode, language, one setting per kind), ``:emails``
(administrators: the outbox, failed e-mails, resend).
"""
