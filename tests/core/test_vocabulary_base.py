"""The Vocabulary base: members are their values, and the class offers Django's choices views."""

import json

from django.template import Context, Template

from registry.consent.models import ConsentGrant
from registry.core.vocabulary import Vocabulary
from registry.core.vocabulary.consent import GrantStatus


class Colour(Vocabulary):
    DEEP_RED = "deep_red", "Deep red"
    BLUE = "blue"


def test_a_member_is_its_value_wherever_a_string_goes():
    assert Colour.DEEP_RED == "deep_red"
    assert {Colour.DEEP_RED: 1}["deep_red"] == 1
    assert f"{Colour.DEEP_RED}" == str(Colour.DEEP_RED) == "deep_red"
    assert json.dumps({"c": Colour.DEEP_RED}) == '{"c": "deep_red"}'
    assert Colour("deep_red") is Colour.DEEP_RED


def test_labels_and_the_class_views_match_django_text_choices():
    assert Colour.DEEP_RED.label == "Deep red"
    assert Colour.BLUE.label == "blue"  # no label given: the value is its own label
    assert Colour.choices == [("deep_red", "Deep red"), ("blue", "blue")]
    assert Colour.values == ["deep_red", "blue"]
    assert Colour.labels == ["Deep red", "blue"]
    assert Colour.names == ["DEEP_RED", "BLUE"]
    assert all(type(value) is str for value in Colour.values)


def test_model_fields_take_their_choices_from_the_vocabulary():
    field = ConsentGrant._meta.get_field("status")
    assert list(field.choices) == GrantStatus.choices


def test_a_template_reads_a_vocabulary_class_without_calling_it():
    rendered = Template("{{ v.DEEP_RED.label }}|{{ v.BLUE }}").render(Context({"v": Colour}))
    assert rendered == "Deep red|blue"
