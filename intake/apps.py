from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """What comes in: spreadsheets read in any dialect, imported all-or-nothing, by the
    page's jobs in the worker or by `manage.py import_claims`."""

    name = "intake"
