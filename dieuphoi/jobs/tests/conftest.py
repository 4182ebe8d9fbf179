import pytest

from . import sample_jobs


@pytest.fixture(autouse=True)
def _clear_calls():
    sample_jobs.CALLS.clear()
    yield
    sample_jobs.CALLS.clear()


DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DUMMY_BACKEND = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE_BACKEND = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
}


@pytest.fixture
def db_backend(settings):
    settings.TASKS = DB_BACKEND
    return settings


@pytest.fixture
def dummy_backend(settings):
    settings.TASKS = DUMMY_BACKEND
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend
