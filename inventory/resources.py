"""Import and export of master data with django-import-export: the shared base resource, the cell
widgets, and the item resource. purchasing/ and sales/ build their resources on the base here.

Columns have fixed keys (the model field names: sku, name, …). A file's header row may use the
key or the column title in any of settings.LANGUAGES, so a template or export downloaded in Chinese
imports on an English screen and the other way round. Exports use titles in the user's language.

Every cell problem raises ValueError with a translated message naming the value, so it becomes a
row-level error on its column; nothing here returns a silent default for a bad value. An empty
cell means the field's default; a column left out of the file is not changed on existing records.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Model
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader
from import_export.widgets import Widget
from openpyxl.utils import get_column_letter

from .models import Item, ItemBarcode, Tracking
from .spreadsheets import Table, cell_text, parse_decimal
from .spreadsheets import normalise as _normalise

ZERO = Decimal("0")


def _in_every_language(text) -> set[str]:
    """`text` (a lazy translation) as it reads in each configured language, normalised."""
    result = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            result.add(_normalise(str(text)))
    return result


# Widgets ---------------------------------------------------------------------------------------
class TextCell(Widget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)

    def describe(self) -> str:
        return _("Text.")


class NumberCell(Widget):
    """A Decimal (see spreadsheets.parse_decimal) from `min_value` to `max_value`."""

    def __init__(self, min_value: Decimal | None = ZERO, max_value: Decimal | None = None):
        super().__init__()
        self.min_value, self.max_value = min_value, max_value

    def to_decimal(self, value) -> Decimal | None:
        number = parse_decimal(value)
        if number is not None:
            self.check_range(number)
        return number

    def check_range(self, number: Decimal) -> None:
        low, high = self.min_value, self.max_value
        if low == ZERO and number < ZERO:
            raise ValueError(_("Must not be negative."))
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(
                _("Must be between %(min)s and %(max)s.") % {"min": low, "max": high}
                if high is not None
                else _("Must be at least %(min)s.") % {"min": low}
            )

    def clean(self, value, row=None, **kwargs):
        return self.to_decimal(value)

    def render(self, value, obj=None, **kwargs):
        return value

    def describe(self) -> str:
        if self.max_value is not None:
            return _("A number from %(min)s to %(max)s.") % {"min": self.min_value, "max": self.max_value}
        return _("A number, not negative.") if self.min_value == ZERO else _("A number.")


class WholeNumberCell(NumberCell):
    def clean(self, value, row=None, **kwargs):
        number = self.to_decimal(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        return int(number)

    def describe(self) -> str:
        return _("A whole number, not negative.")


class ChoiceCell(Widget):
    """One of a field's choices: its code or its label in any configured language. Exported as
    the label in the user's language."""

    def __init__(self, choices):
        super().__init__()
        self.choices = list(choices)  # (value, lazy label) pairs
        self._lookup: dict[str, str] | None = None

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            found = {}
            for value, label in self.choices:
                found[_normalise(value)] = value
                found.update(dict.fromkeys(_in_every_language(label), value))
            self._lookup = found
        return self._lookup

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            return self.lookup()[_normalise(text)]
        except KeyError:
            message = _("“%(value)s” is not one of: %(choices)s.")
            raise ValueError(message % {"value": text, "choices": self.describe_values()}) from None

    def describe_values(self) -> str:
        return ", ".join(str(label) for _value, label in self.choices)

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))

    def describe(self) -> str:
        return _("One of: %(choices)s.") % {"choices": self.describe_values()}


YES = {"1", "true", "yes", "y", "是", "√", "✓"}
NO = {"0", "false", "no", "n", "否", "×", "✗"}


@functools.cache
def _yes_no_words() -> tuple[frozenset[str], frozenset[str]]:
    return (
        frozenset(YES | _in_every_language(gettext_lazy("yes"))),
        frozenset(NO | _in_every_language(gettext_lazy("no"))),
    )


class YesNoCell(Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _normalise(cell_text(value))
        if not text:
            return None
        yes, no = _yes_no_words()
        if text in yes:
            return True
        if text in no:
            return False
        raise ValueError(_("“%(value)s” is not yes or no.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return _("yes") if value else _("no")

    def describe(self) -> str:
        return _("yes or no.")


class CodeCell(Widget):
    """A foreign key given by the related record's code. Unknown and deactivated codes are
    errors that name the code; records are referenced here, never created."""

    def __init__(self, model: type[Model], required: bool = True):
        super().__init__()
        self.model, self.required = model, required
        self._by_code: dict[str, Model] | None = None

    def _index(self) -> dict[str, Model]:
        if self._by_code is None:
            self._by_code = {obj.code: obj for obj in self.model._default_manager.all()}
        return self._by_code

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            if self.required:
                raise ValueError(_("This column is required."))
            return None
        index = self._index()
        obj = index.get(code)
        if obj is None:  # "pcs" for "PCS", when that is unambiguous
            matches = [o for c, o in index.items() if c.casefold() == code.casefold()]
            obj = matches[0] if len(matches) == 1 else None
        name = self.model._meta.verbose_name
        if obj is None:
            raise ValueError(
                _("There is no %(model)s with the code “%(code)s”.") % {"model": name, "code": code}
            )
        if not getattr(obj, "is_active", True):
            raise ValueError(_("The %(model)s “%(code)s” is deactivated.") % {"model": name, "code": code})
        return obj

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""

    def describe(self) -> str:
        return _("The code of an active %(model)s.") % {"model": self.model._meta.verbose_name}


def cell_for(model_field) -> Widget:
    """The cell widget for a model field; quantities and amounts are never negative."""
    if model_field.is_relation:
        return CodeCell(model_field.related_model, required=not model_field.null)
    if model_field.choices:
        return ChoiceCell(model_field.flatchoices)
    if isinstance(model_field, models.DecimalField):
        return NumberCell()
    if isinstance(model_field, models.IntegerField):
        return WholeNumberCell()
    if isinstance(model_field, models.BooleanField):
        return YesNoCell()
    return TextCell()


def column(attribute: str | None, widget: Widget) -> Field:
    """A column declared by hand, for a widget other than `cell_for`'s or a non-model column."""
    return Field(attribute=attribute, column_name=attribute, widget=widget)


# Base resource ---------------------------------------------------------------------------------
class SpreadsheetResource(resources.ModelResource):
    """A ModelResource for the import/export screens (accounts.dataio).

    Subclasses set Meta.model, Meta.fields (the columns, in order) and Meta.import_id_fields (one
    key column). Model fields get their cell widget from `cell_for`; other widgets and non-model
    columns are declared with `column(...)`. Cross-column rules go in `check_row`."""

    #: titles of columns that are not model fields
    extra_titles: dict = {}

    class Meta:
        clean_model_instances = True
        skip_html_diff = True
        store_instance = True
        instance_loader_class = CachedInstanceLoader

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.line_numbers: list[int] = []
        self._repeats: dict[int, tuple[str, int]] = {}

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        # An empty cell means the model's default, as on a new record in the form.
        return Field(attribute=field_name, column_name=field_name, widget=cell_for(django_field),
                     readonly=readonly, default=django_field.default)  # fmt: skip

    # Columns
    @property
    def key(self) -> str:
        return self._meta.import_id_fields[0]

    def column_keys(self) -> list[str]:
        return list(self.get_export_order())

    def column_title(self, key: str):
        if key in self.extra_titles:
            return capfirst(self.extra_titles[key])
        model_field = self._meta.model._meta.get_field(key)
        if isinstance(self.fields[key].widget, CodeCell):
            return capfirst(_("%(name)s code") % {"name": model_field.verbose_name})
        return capfirst(model_field.verbose_name)

    def column_titles(self) -> list[str]:
        return [str(self.column_title(key)) for key in self.column_keys()]

    def required_keys(self) -> list[str]:
        """Columns a new record cannot do without."""
        keys = []
        for key in self.column_keys():
            if key in self.extra_titles:
                continue
            model_field = self._meta.model._meta.get_field(key)
            if not model_field.blank and not model_field.has_default():
                keys.append(key)
        return keys

    def _aliases(self) -> dict[str, str]:
        """Every accepted header (normalised) -> column key."""
        aliases: dict[str, str] = {}
        for key in self.column_keys():
            names = {_normalise(key), _normalise(key.replace("_", " "))}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    names.add(_normalise(str(self.column_title(key))))
                    if key not in self.extra_titles:
                        names.add(_normalise(str(self._meta.model._meta.get_field(key).verbose_name)))
            for name in names:
                aliases.setdefault(name, key)
        return aliases

    def column_docs(self) -> list[dict]:
        required = set(self.required_keys())
        docs = []
        for key in self.column_keys():
            title = str(self.column_title(key))
            others = set()
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    others.add(str(self.column_title(key)))
            widget, is_key = self.fields[key].widget, key == self.key
            # fmt: off
            docs.append({"key": key, "title": title, "other_titles": sorted(others - {title}), "is_key": is_key,
                         "required": key in required, "format": widget.describe()})
            # fmt: on
        return docs

    # Reading a file
    def build_dataset(self, table: Table):
        """Map the header row to column keys and keep the Excel row numbers for messages.
        Returns (dataset, problems); problems are (row, column title, value, message)."""
        import tablib

        aliases, problems, keys = self._aliases(), [], []
        for index, header in enumerate(table.headers):
            text = cell_text(header)
            if not text:
                keys.append(None)
                if any(index < len(values) and cell_text(values[index]) for _n, values in table.rows):
                    letter = get_column_letter(index + 1)
                    problems.append(
                        (1, letter, "", _("Column %(letter)s has values but no title.") % {"letter": letter})
                    )
                continue
            key = aliases.get(_normalise(text))
            if key is None:
                problems.append((1, text, text, _("Unknown column “%(column)s”.") % {"column": text}))
            elif key in keys:
                problems.append(
                    (1, text, text, _("The column “%(column)s” appears twice.") % {"column": text})
                )
                key = None
            keys.append(key)
        if self.key not in keys:
            title = str(self.column_title(self.key))
            message = _("The column “%(column)s” is missing: it identifies each record.") % {"column": title}
            problems.append((1, title, "", message))
        if not table.rows:
            problems.append((None, "", "", _("The file has no data rows below the column titles.")))
        used = [(i, k) for i, k in enumerate(keys) if k]
        dataset = tablib.Dataset(headers=[k for _i, k in used])
        for _number, values in table.rows:
            dataset.append([values[i] if i < len(values) else None for i, _k in used])
        self.line_numbers = [number for number, _values in table.rows]
        return dataset, problems

    def line_of(self, row_number: int) -> int:
        """The Excel row number of import-export's 1-based data row number."""
        try:
            return self.line_numbers[row_number - 1]
        except IndexError:
            return row_number + 1

    # Import hooks
    def before_import(self, dataset, **kwargs):
        """Find keys repeated within the file: a repeat would silently update the row before it."""
        self._repeats, first = {}, {}
        if self.key not in (dataset.headers or []):
            return
        widget = self.fields[self.key].widget
        for number, value in enumerate(dataset[self.key], 1):
            code = widget.clean(value)
            if not code:
                continue
            if code in first:
                self._repeats[number] = (code, self.line_of(first[code]))
            else:
                first[code] = number

    def before_import_row(self, row, row_number=None, **kwargs):
        if row_number in self._repeats:
            code, line = self._repeats[row_number]
            raise ValidationError(
                {
                    self.key: _("“%(value)s” already appears in row %(row)s of this file.")
                    % {"value": code, "row": line}
                }
            )

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors: dict) -> None:
        """Cross-column rules; add messages with `add_error(errors, key, message)`."""

    @staticmethod
    def add_error(errors: dict, key: str, message: str) -> None:
        errors.setdefault(key, []).append(ValidationError(message))

    def after_import_row(self, row, row_result, **kwargs):
        # Name the changed columns of an update for the preview, then drop the instances.
        changed = []
        if row_result.is_update() and row_result.original is not None and row_result.instance is not None:
            for key in self.column_keys():
                fld = self.fields[key]
                if (
                    key in row
                    and fld.attribute
                    and fld.get_value(row_result.original) != fld.get_value(row_result.instance)
                ):
                    changed.append(str(self.column_title(key)))
        row_result.changed_columns = changed
        row_result.instance = row_result.original = None

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the id sequence to max(id) here; we never import ids, and under
        # concurrent inserts that reset could hand out an id another transaction already holds.
        pass

    # Export
    def export_rows(self, queryset):
        """Each record as native values (numbers stay numbers) in column order."""
        fields = [self.fields[key] for key in self.column_keys()]
        for obj in self.iter_queryset(queryset):
            yield [self.export_field(fld, obj) for fld in fields]


def error_title(resource: SpreadsheetResource, key: str) -> str:
    if key == NON_FIELD_ERRORS or key not in resource.fields:
        return ""
    return str(resource.column_title(key))


# Items -----------------------------------------------------------------------------------------
class BarcodesCell(Widget):
    separators = re.compile(r"[;；,，\s]+")

    def clean(self, value, row=None, **kwargs):
        codes = [code for code in self.separators.split(cell_text(value)) if code]
        return list(dict.fromkeys(codes))

    def render(self, value, obj=None, **kwargs):
        return "; ".join(value or [])

    def describe(self) -> str:
        return _(
            "Barcodes separated by “;”. New barcodes are for the base unit; barcodes left out are removed."
        )


class ItemResource(SpreadsheetResource):
    barcodes = Field(attribute=None, column_name="barcodes", widget=BarcodesCell())

    extra_titles = {"barcodes": ItemBarcode._meta.verbose_name_plural}

    class Meta:
        model = Item
        import_id_fields = ("sku",)
        # fmt: off
        fields = ("sku", "name", "spec", "category", "item_type", "base_unit", "tracking", "safety_stock",
                  "reorder_point", "min_stock", "max_stock", "lead_time_days", "shelf_life_days", "barcodes",
                  "notes", "is_active")
        # fmt: on

    def get_queryset(self):
        return Item.objects.select_related("category", "base_unit").prefetch_related("barcodes")

    def dehydrate_barcodes(self, item: Item) -> str:
        return self.fields["barcodes"].widget.render([b.barcode for b in item.barcodes.all()])

    def check_row(self, item, row, errors):
        # The same rules as ItemForm.clean, with the same messages.
        valid_levels = not {"min_stock", "max_stock"} & errors.keys()
        if valid_levels and item.max_stock and item.min_stock is not None and item.max_stock < item.min_stock:
            self.add_error(errors, "max_stock", _("The maximum must not be below the minimum."))
        if "tracking" not in errors and item.tracking == Tracking.BATCH_EXPIRY and not item.shelf_life_days:
            self.add_error(errors, "shelf_life_days", _("Items tracked with expiry dates need a shelf life."))
        item._import_barcodes = None
        if "barcodes" in row:
            codes = self.fields["barcodes"].widget.clean(row["barcodes"])
            too_long = [
                code for code in codes if len(code) > ItemBarcode._meta.get_field("barcode").max_length
            ]
            taken = (
                ItemBarcode.objects.filter(barcode__in=codes).exclude(item_id=item.pk).select_related("item")
            )
            for code in too_long:
                self.add_error(
                    errors, "barcodes", _("The barcode “%(barcode)s” is too long.") % {"barcode": code}
                )
            for barcode in taken:
                self.add_error(
                    errors,
                    "barcodes",
                    _("The barcode “%(barcode)s” already belongs to %(item)s.")
                    % {"barcode": barcode.barcode, "item": barcode.item},
                )
            item._import_barcodes = codes

    def after_save_instance(self, item, row, **kwargs):
        codes = getattr(item, "_import_barcodes", None)
        if codes is None or (kwargs.get("dry_run") and not kwargs.get("using_transactions")):
            return
        # One by one, not in bulk, so the change history records each barcode.
        for barcode in item.barcodes.exclude(barcode__in=codes):
            barcode.delete()
        have = set(item.barcodes.values_list("barcode", flat=True))
        for code in codes:
            if code not in have:
                ItemBarcode.objects.create(item=item, barcode=code)
