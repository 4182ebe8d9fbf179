"""Django's ``makemessages``, reading the Jinja2 templates (``*.jinja``) too.

Django turns each Django template into Python calls for ``xgettext``
(``templatize``); a ``.jinja`` file is turned into its translation calls by
Jinja2's own extractor instead (``dieuphoi.core.jinja_messages``)."""

from django.core.management.commands import makemessages

from dieuphoi.core.jinja_messages import python_source


class BuildFile(makemessages.BuildFile):
    def preprocess(self):
        if not (self.is_templatized and self.path.endswith(".jinja")):
            return super().preprocess()
        with open(self.path, encoding="utf-8") as fp:
            source = fp.read()
        with open(self.work_path, "w", encoding="utf-8") as fp:
            fp.write(python_source(source))
        return None


class Command(makemessages.Command):
    build_file_class = BuildFile

    def handle(self, *args, **options):
        if options.get("domain", "django") == "django" and not options.get(
            "extensions"
        ):
            options["extensions"] = ["html", "txt", "py", "jinja"]
        return super().handle(*args, **options)
