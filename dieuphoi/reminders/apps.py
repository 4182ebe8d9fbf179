from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "dieuphoi.reminders"
    label = "reminders"
    verbose_name = _("Reminders and escalations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels
        from dieuphoi.core.home import register_home_section
        from dieuphoi.notifications.kinds import register_kind
        from dieuphoi.tasks.panels import task_panels
        from dieuphoi.workdays.scheduler import register_daily_job

        from . import jobs, services, targets
        from .views import home_section, task_panel

        task_panels.register(task_panel, order=30)
        targets.register()
        register_action_labels(services.action_labels())
        register_daily_job(
            "reminders.run_day", jobs.reminders_daily, working_days_only=True
        )
        register_daily_job(
            "reminders.extension_pending",
            jobs.extension_pending_daily,
            working_days_only=True,
        )
        register_daily_job(
            "reminders.obligations", jobs.obligations_daily, working_days_only=True
        )
        register_action_labels(
            {"reminders.obligation_urge": _("Urged the party that has not acted")}
        )
        register_home_section(home_section, order=20)
        # Kinds this app adds to the notifications catalogue (after the
        # built-in "part_before_deadline", 160).
        register_kind(
            "part_urging",
            _("Urging: your agency's co-operating part is overdue"),
            must_act=True,
            order=165,
        )
        register_kind(
            "confirmation_pending",
            _("Reminder: a task reported done still waits for confirmation"),
            must_act=True,
            order=166,
        )
        # Obligations other than tasks' (``obligations``): a round's answer,
        # a milestone, a report contribution.
        register_kind(
            "obligation_reminder",
            _("Reminder: something you owe is due soon"),
            must_act=True,
            order=167,
        )
        register_kind(
            "obligation_urging",
            _("Urging: something you owe is overdue"),
            must_act=True,
            order=168,
        )
        register_kind(
            "obligation_escalation",
            _("Escalation: something owed is still missing after the urgings"),
            must_act=True,
            order=169,
        )
