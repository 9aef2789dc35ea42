"""Request-body fields that take only the JSON type and written form the schema documents.

DRF's fields convert what they are given: `0` is a false boolean, `5` a string, `"5"` an integer,
`1e5` and `1_000` decimals, `2027-W03-1` a date. A client that sent something else than it meant
then gets an answer to another question. These refuse any other type or form, apply the date
range of registry.core.limits, and carry the written form as `written_form`, which the schema
states as the field's pattern (registry.api.schema). Use them for every field a client writes;
tests/api/test_fields.py walks the request bodies to hold that.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.core import limits

# Every RFC 3986 URI has this form; the schema states it beside `format: uri`.
URI_FORM = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"


def _refuse(fault: limits.InputFault):
    raise serializers.ValidationError(str(fault), code=fault.code)


class _StringOnly:
    """DRF's text fields take numbers and turn them into text; these take strings only. And DRF
    counts a text's length after trimming it; the schema's maxLength counts the text as sent."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CharField(_StringOnly, serializers.CharField):
    pass


class RegexField(_StringOnly, serializers.RegexField):
    pass


class SlugField(_StringOnly, serializers.SlugField):
    pass


@extend_schema_field(OpenApiTypes.URI)
class URIField(CharField):
    """A URI: a scheme, a colon, no spaces; that much is a 400. Whether it is a URL the registry
    may use (its host, its address) is a rule of the service, refused with a 422."""

    default_error_messages = {"not_a_uri": "Enter a valid URL."}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(URI_FORM, self.error_messages["not_a_uri"], code="invalid"))


class EmailField(_StringOnly, serializers.EmailField):
    pass


class BooleanField(serializers.BooleanField):
    """`true` or `false`: not 0, 1, "yes" or "on"."""

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


class IntegerField(serializers.IntegerField):
    """A JSON integer: not "5", 5.0 or true."""

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


class DecimalField(serializers.DecimalField):
    """A decimal string in the contract's written form ("3738.00"), see limits.parse_decimal; the
    schema states the whole form (limits.decimal_pattern), so `min_value` may be None, 0 or the
    smallest step."""

    def __init__(self, max_digits: int, decimal_places: int, **kwargs) -> None:
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(max_digits, decimal_places, **kwargs)
        self.written_form = limits.decimal_pattern(max_digits, decimal_places, minimum=self.min_value)

    def to_internal_value(self, data):
        try:
            limits.parse_decimal(data)
        except limits.InputFault as fault:
            _refuse(fault)
        return super().to_internal_value(data)  # digits, places and bounds, with DRF's own messages


class DateField(serializers.DateField):
    """A calendar date written YYYY-MM-DD, within the accepted range."""

    written_form = limits.DATE_PATTERN

    def to_internal_value(self, data):
        try:
            return limits.parse_date(data)
        except limits.InputFault as fault:
            _refuse(fault)


class DateTimeField(serializers.DateTimeField):
    """An RFC 3339 date and time with its offset, its date within the accepted range."""

    written_form = limits.DATETIME_PATTERN

    def to_internal_value(self, data):
        try:
            return self.enforce_timezone(limits.parse_datetime(data))
        except limits.InputFault as fault:
            _refuse(fault)
