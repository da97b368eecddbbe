"""Forms of the import pages: the upload, and how its columns and words map."""

from django import forms
from django.core.exceptions import ValidationError

from claims.models import Claim, Evidence

from .jobs import HEAD_ROWS
from .mapping import FIELDS, ColumnMapping, check_date_format
from .spreadsheets import DELIMITERS, ImportFileError, ImportLimits, read_table


class UploadForm(forms.Form):
    """The file, and how to read it when detection is not what the file is."""

    file = forms.FileField(
        label="Spreadsheet",
        help_text="CSV, .xlsx, .xls or .ods; one row per claim and source.",
    )
    delimiter = forms.ChoiceField(
        label="CSV delimiter",
        required=False,
        choices=[("", "detect"), *((d, name) for d, name in DELIMITERS.items())],
    )
    encoding = forms.CharField(
        label="CSV encoding",
        required=False,
        max_length=40,
        help_text="Empty: UTF-8 or UTF-16 (told by the BOM). Excel's plain CSV: cp1252.",
    )
    sheet = forms.CharField(
        label="Sheet", required=False, max_length=100, help_text="Empty: the first sheet."
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        limits = ImportLimits.page()
        options = {name: data.get(name, "") for name in ("delimiter", "encoding", "sheet")}
        try:
            limits.check_size(upload.size)
            content = upload.read()
            # The first rows tell whether it reads; the worker reads it whole.
            table = read_table(content, limits=limits, head=HEAD_ROWS, **options)
        except ImportFileError as exc:
            raise ValidationError(str(exc)) from None
        if not table.rows:
            raise ValidationError(f"Read as {table.dialect}: a header and no rows under it.")
        data["upload"] = upload.name, content, options
        return data


def pairs_text(pairs: dict[str, str]) -> str:
    return "\n".join(f"{value} = {target}" for value, target in pairs.items())


def _parse_pairs(text: str, choices: list[str], label: str) -> dict[str, str]:
    pairs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, sep, target = line.partition("=")
        value, target = value.strip(), target.strip()
        if not sep or not value:
            raise ValidationError(f"{label} line {number}: write it as “value = {choices[0]}”.")
        if target not in choices:
            raise ValidationError(
                f"{label} line {number}: “{target}” is not one of {', '.join(choices)}."
            )
        pairs[value.lower()] = target
    return pairs


class MappingForm(forms.Form):
    """Which column is which field, and how the file's words map to verdicts and stances."""

    verdicts = forms.CharField(
        label="Verdict values", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    stances = forms.CharField(
        label="Stance values", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    date_format = forms.CharField(
        label="Date format",
        required=False,
        max_length=40,
        help_text="For dates that are not ISO: strftime, e.g. %m/%d/%y or %d.%m.%Y. "
        "The rows below show the dates as read.",
    )
    check = forms.BooleanField(label="Queue a first check of each new source", required=False)

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(none)"), *[(h, h) for h in headers]]
        columns = {
            f"col_{name}": forms.ChoiceField(label=label, choices=choices, required=False)
            for name, label in FIELDS.items()
        }
        self.fields = {**columns, **self.fields}

    def clean_verdicts(self):
        return _parse_pairs(self.cleaned_data["verdicts"], Claim.Status.values, "Verdicts")

    def clean_stances(self):
        return _parse_pairs(self.cleaned_data["stances"], Evidence.Stance.values, "Stances")

    def clean_date_format(self):
        date_format = self.cleaned_data["date_format"].strip()
        if date_format:
            try:
                check_date_format(date_format)
            except ImportFileError as exc:
                raise ValidationError(str(exc)) from None
        return date_format

    def mapping(self) -> ColumnMapping:
        data = self.cleaned_data
        columns = {name: data[f"col_{name}"] for name in FIELDS if data.get(f"col_{name}")}
        return ColumnMapping(
            columns=columns,
            verdicts=data["verdicts"],
            stances=data["stances"],
            date_format=data["date_format"],
        )
