"""In-app notifications, e-mail (per event or a daily digest), preferences.

Public names (stable; any app may call them, this app imports no domain app):

- ``services.notify(*, recipients, kind, target, title, url, key, day=None,
  email=True) -> int`` and ``services.notify_many(specs, *, on=None)`` with
  ``services.NotificationSpec``: create notifications once per unique key,
  only for recipients who may see the target, and queue their e-mails.
- ``registry.register_notification_target(model, *, can_view,
  visible_pairs=None, describe=None)``: declare who may see a model's items
  (required before notifying about it) and what e-mails show of them.
- ``selectors.unread_count(user=)``, ``selectors.notification_list(user=)``.
- Jobs: ``jobs.email_send(ids=)``, ``jobs.digest_send_day(day=)`` (daily,
  registered as ``notifications.digest``).

URLs: ``notifications:list`` (the centre), ``:badge`` (header count, loaded
by HTMX), ``:read``, ``:read-all``, ``:open``, ``:preferences``, ``:emails``
(administrators: the outbox, failed e-mails, resend).
"""
