"""JSON Patch and JSON Merge Patch on carrier documents (conventions.md section 10)."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sochat.api import carriers as c
from sochat.api.binding import bind
from sochat.api.patch import MAX_OPERATIONS, apply_patch, changed_fields, json_equal
from sochat.errors import Conflict, InvalidInput


def session_doc() -> dict[str, Any]:
    entity = c.ChatSessionEntity(
        ChatSessionId=7,
        TopicId=2,
        CustomerName="Ada",
        CustomerEmail="ada@example.com",
        Rank=3,
        User=c.Associate(AssociateId=1, Name="ag", ExtraFields={"x_foo": "1"}),
    )
    return msgspec.to_builtins(entity)  # type: ignore[no-any-return]


def presence_doc() -> dict[str, Any]:
    return msgspec.to_builtins(c.ChatPresence(UserId=1, ChatTopics=[10, 20]))  # type: ignore[no-any-return]


def op(kind: str, path: str, *value: object) -> dict[str, object]:
    return {"op": kind, "path": path, "value": value[0]} if value else {"op": kind, "path": path}


def invalid(document: dict[str, Any], patch: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        apply_patch(document, patch)
    return info.value


class TestOperations:
    def test_replace(self) -> None:
        result = apply_patch(session_doc(), [op("replace", "/CustomerName", "Bob")])
        assert result["CustomerName"] == "Bob"

    def test_add_on_existing_property_replaces(self) -> None:
        assert apply_patch(session_doc(), [op("add", "/Rank", 9)])["Rank"] == 9

    def test_remove_resets_to_the_default_through_binding(self) -> None:
        result = apply_patch(session_doc(), [op("remove", "/CustomerName")])
        assert "CustomerName" not in result
        assert bind(c.ChatSessionEntity, result).value.CustomerName == ""

    def test_remove_then_add_revives_the_property(self) -> None:
        result = apply_patch(session_doc(), [op("remove", "/Rank"), op("add", "/Rank", 4)])
        assert result["Rank"] == 4

    def test_remove_then_replace_names_no_property(self) -> None:
        error = invalid(session_doc(), [op("remove", "/Rank"), op("replace", "/Rank", 4)])
        assert error.params["field"] == "patch[1]"

    def test_remove_twice_fails(self) -> None:
        invalid(session_doc(), [op("remove", "/Rank"), op("remove", "/Rank")])

    def test_test_passes(self) -> None:
        result = apply_patch(session_doc(), [op("test", "/Rank", 3), op("replace", "/Rank", 4)])
        assert result["Rank"] == 4

    def test_test_fails_with_conflict(self) -> None:
        with pytest.raises(Conflict) as info:
            apply_patch(session_doc(), [op("test", "/CustomerName", "Bob")])
        assert info.value.msgid == "SR_PATCH_TEST_FAILED"
        assert info.value.params == {"path": "/CustomerName"}

    @pytest.mark.parametrize(
        ("actual", "expected", "equal"),
        [
            (1, 1.0, True),
            (1.5, 1.5, True),
            (True, 1, False),
            (False, 0, False),
            (0, None, False),
            ("", None, False),
            ([1, 2], [1, 2.0], True),
            ([1, 2], [2, 1], False),
            ({"a": 1}, {"a": 1.0}, True),
            ({"a": 1}, {"A": 1}, False),
            ({"a": 1}, {"a": 1, "b": 2}, False),
        ],
    )
    def test_test_uses_json_equality(self, actual: object, expected: object, equal: bool) -> None:
        document = {"Value": actual}
        patch = [op("test", "/Value", expected)]
        if equal:
            assert apply_patch(document, patch) == document
        else:
            with pytest.raises(Conflict):
                apply_patch(document, patch)

    def test_test_on_a_removed_property_conflicts(self) -> None:
        with pytest.raises(Conflict):
            apply_patch(session_doc(), [op("remove", "/Rank"), op("test", "/Rank", 3)])

    def test_test_sees_earlier_removals(self) -> None:
        document = {"User": {"Id": 1, "Name": "a"}}
        assert apply_patch(document, [op("remove", "/User/Name"), op("test", "/User", {"Id": 1})]) == {
            "User": {"Id": 1}
        }

    def test_test_through_a_null_parent_conflicts(self) -> None:
        with pytest.raises(Conflict):
            apply_patch(session_doc(), [op("test", "/Person/PersonId", 5)])

    def test_test_on_a_misspelt_property_is_invalid(self) -> None:
        invalid(session_doc(), [op("test", "/Rnak", 3)])

    def test_op_names_and_members_are_case_insensitive(self) -> None:
        result = apply_patch(session_doc(), [{"Op": "Replace", "Path": "Rank", "Value": 5}])
        assert result["Rank"] == 5

    def test_values_are_copied_not_shared(self) -> None:
        value = {"AssociateId": 2}
        patch = [op("replace", "/User", value), op("add", "/TransferTo", value)]
        result = apply_patch(session_doc(), patch)
        result["User"]["AssociateId"] = 99
        assert result["TransferTo"] == {"AssociateId": 2}
        assert value == {"AssociateId": 2}


class TestPaths:
    @pytest.mark.parametrize(
        "path", ["/CustomerName", "CustomerName", "/customername", "customerName", "/CUSTOMERNAME"]
    )
    def test_case_insensitive_and_leading_slash_optional(self, path: str) -> None:
        result = apply_patch(session_doc(), [op("replace", path, "Bob")])
        assert result["CustomerName"] == "Bob"
        assert "customername" not in result
        assert "customerName" not in result

    def test_nested_carrier(self) -> None:
        result = apply_patch(session_doc(), [op("replace", "/User/AssociateId", 5)])
        assert result["User"]["AssociateId"] == 5
        assert bind(c.ChatSessionEntity, result).value.User == c.Associate(
            AssociateId=5, Name="ag", ExtraFields={"x_foo": "1"}
        )

    def test_nested_lower_case(self) -> None:
        result = apply_patch(session_doc(), [op("replace", "user/associateid", 5)])
        assert result["User"]["AssociateId"] == 5

    def test_nested_remove_resets_the_nested_property(self) -> None:
        result = apply_patch(session_doc(), [op("remove", "/User/Name")])
        assert "Name" not in result["User"]
        bound = bind(c.ChatSessionEntity, result).value
        assert bound.User is not None
        assert bound.User.Name == ""

    def test_replace_a_null_nested_carrier(self) -> None:
        result = apply_patch(session_doc(), [op("replace", "/Person", {"personId": 4})])
        assert bind(c.ChatSessionEntity, result).value.Person == c.Person(PersonId=4)

    def test_through_a_null_parent_is_invalid(self) -> None:
        error = invalid(session_doc(), [op("replace", "/Person/PersonId", 4)])
        assert "/Person/PersonId" in str(error.params["detail"])

    def test_through_a_scalar_is_invalid(self) -> None:
        invalid(session_doc(), [op("replace", "/CustomerName/x", 4)])

    def test_extra_fields_take_new_members(self) -> None:
        patch = [op("add", "/User/ExtraFields/x_bar", "2"), op("replace", "/User/ExtraFields/X_FOO", "3")]
        result = apply_patch(session_doc(), patch)
        assert result["User"]["ExtraFields"] == {"x_foo": "3", "x_bar": "2"}

    def test_extra_fields_remove_deletes(self) -> None:
        result = apply_patch(session_doc(), [op("remove", "/User/ExtraFields/x_foo")])
        assert result["User"]["ExtraFields"] == {}

    def test_extra_fields_replace_of_an_absent_member_is_invalid(self) -> None:
        invalid(session_doc(), [op("replace", "/User/ExtraFields/x_none", "1")])

    def test_extra_fields_test_of_an_absent_member_conflicts(self) -> None:
        with pytest.raises(Conflict):
            apply_patch(session_doc(), [op("test", "/User/ExtraFields/x_none", "1")])

    def test_escapes(self) -> None:
        document = {"ExtraFields": {"a/b": "1", "c~d": "2", "~1": "3"}}
        patch = [
            op("replace", "/ExtraFields/a~1b", "x"),
            op("replace", "/ExtraFields/c~0d", "y"),
            op("replace", "/ExtraFields/~01", "z"),
        ]
        assert apply_patch(document, patch) == {"ExtraFields": {"a/b": "x", "c~d": "y", "~1": "z"}}

    @pytest.mark.parametrize("path", ["/ExtraFields/a~2b", "/ExtraFields/a~", "~"])
    def test_invalid_escapes(self, path: str) -> None:
        invalid({"ExtraFields": {}}, [op("add", path, "1")])

    @pytest.mark.parametrize("path", ["", "/", "/Nope", "/User/Nope", "/User/", "//CustomerName"])
    def test_unknown_paths_are_invalid_and_named(self, path: str) -> None:
        error = invalid(session_doc(), [op("test", "/Rank", 3), op("replace", path, 1)])
        assert error.params["field"] == "patch[1]"
        assert repr(path) in str(error.params["detail"])

    def test_add_of_an_unknown_property_is_invalid(self) -> None:
        invalid(session_doc(), [op("add", "/SomethingNew", 1)])


class TestArrays:
    def test_replace_element(self) -> None:
        assert apply_patch(presence_doc(), [op("replace", "/ChatTopics/0", 11)])["ChatTopics"] == [11, 20]

    def test_append(self) -> None:
        assert apply_patch(presence_doc(), [op("add", "/ChatTopics/-", 30)])["ChatTopics"] == [10, 20, 30]

    def test_insert(self) -> None:
        result = apply_patch(presence_doc(), [op("add", "chattopics/1", 15), op("add", "chattopics/3", 25)])
        assert result["ChatTopics"] == [10, 15, 20, 25]

    def test_remove_element(self) -> None:
        assert apply_patch(presence_doc(), [op("remove", "/ChatTopics/0")])["ChatTopics"] == [20]

    def test_test_element(self) -> None:
        assert apply_patch(presence_doc(), [op("test", "/ChatTopics/1", 20)]) == presence_doc()

    def test_test_past_the_end_conflicts(self) -> None:
        with pytest.raises(Conflict):
            apply_patch(presence_doc(), [op("test", "/ChatTopics/2", 30)])

    def test_replace_whole_array(self) -> None:
        assert apply_patch(presence_doc(), [op("replace", "/ChatTopics", [1])])["ChatTopics"] == [1]

    @pytest.mark.parametrize(
        ("kind", "path"),
        [
            ("replace", "/ChatTopics/2"),
            ("remove", "/ChatTopics/2"),
            ("add", "/ChatTopics/3"),
            ("replace", "/ChatTopics/-"),
            ("remove", "/ChatTopics/-"),
            ("replace", "/ChatTopics/01"),
            ("replace", "/ChatTopics/-1"),
            ("replace", "/ChatTopics/x"),
            ("replace", "/ChatTopics/99999999999999999999"),
        ],
    )
    def test_bad_indices_are_invalid(self, kind: str, path: str) -> None:
        invalid(presence_doc(), [op(kind, path, 1)])

    def test_nested_arrays_of_objects(self) -> None:
        document = {"Items": [{"Name": "a", "Children": [{"Name": "b"}]}]}
        patch = [op("replace", "/items/0/children/0/name", "c"), op("remove", "/Items/0/Name")]
        assert apply_patch(document, patch) == {"Items": [{"Children": [{"Name": "c"}]}]}


class TestMergePatch:
    def test_scalar_replaces(self) -> None:
        result = apply_patch(session_doc(), {"customerName": "Bob", "RANK": 1})
        assert (result["CustomerName"], result["Rank"]) == ("Bob", 1)

    def test_null_removes(self) -> None:
        result = apply_patch(session_doc(), {"customerEmail": None})
        assert "CustomerEmail" not in result
        assert bind(c.ChatSessionEntity, result).value.CustomerEmail == ""

    def test_nested_objects_merge(self) -> None:
        result = apply_patch(session_doc(), {"user": {"associateId": 4, "extraFields": {"x_new": "n"}}})
        assert result["User"]["AssociateId"] == 4
        assert result["User"]["Name"] == "ag"
        assert result["User"]["ExtraFields"] == {"x_foo": "1", "x_new": "n"}

    def test_object_for_a_null_property_is_set_without_nulls(self) -> None:
        result = apply_patch(session_doc(), {"person": {"personId": 4, "firstname": None}})
        assert result["Person"] == {"personId": 4}

    def test_object_for_an_array_appends(self) -> None:
        document = {"Users": [{"Email": "a@x"}]}
        result = apply_patch(document, {"users": {"Email": "b@x"}})
        assert result == {"Users": [{"Email": "a@x"}, {"Email": "b@x"}]}

    def test_array_replaces_the_array(self) -> None:
        assert apply_patch(presence_doc(), {"chatTopics": [3]})["ChatTopics"] == [3]

    def test_null_for_an_array_resets_it(self) -> None:
        result = apply_patch(presence_doc(), {"ChatTopics": None})
        assert bind(c.ChatPresence, result).value.ChatTopics == []

    def test_free_form_null_for_an_absent_member_is_a_no_op(self) -> None:
        result = apply_patch(session_doc(), {"User": {"ExtraFields": {"x_none": None, "x_foo": None}}})
        assert result["User"]["ExtraFields"] == {}

    def test_unknown_property_is_invalid_and_named(self) -> None:
        error = invalid(session_doc(), {"user": {"nope": 1}})
        assert error.params["field"] == "/User/nope"

    def test_empty_object_is_identity(self) -> None:
        assert apply_patch(session_doc(), {}) == session_doc()

    def test_rebinds_to_the_carrier(self) -> None:
        result = apply_patch(session_doc(), {"status": "userlast", "flags": 1})
        bound = bind(c.ChatSessionEntity, result).value
        assert (bound.Status, bound.Flags) == ("UserLast", "UserIsTyping")


class TestAtomicity:
    def test_failing_test_leaves_the_input_untouched(self) -> None:
        document = session_doc()
        snapshot = copy.deepcopy(document)
        user = document["User"]
        with pytest.raises(Conflict):
            apply_patch(
                document,
                [op("replace", "/CustomerName", "Bob"), op("remove", "/User/Name"), op("test", "/Rank", 0)],
            )
        assert document == snapshot
        assert document["User"] is user

    def test_later_invalid_op_applies_nothing(self) -> None:
        document = presence_doc()
        snapshot = copy.deepcopy(document)
        invalid(document, [op("add", "/ChatTopics/-", 1), op("replace", "/Nope", 1)])
        assert document == snapshot

    def test_success_does_not_mutate_the_input(self) -> None:
        document = session_doc()
        snapshot = copy.deepcopy(document)
        patch = [op("replace", "/User/AssociateId", 9), op("add", "/User/ExtraFields/x", "y")]
        patch_snapshot = copy.deepcopy(patch)
        result = apply_patch(document, patch)
        assert document == snapshot
        assert patch == patch_snapshot
        assert result["User"] is not document["User"]

    def test_merge_patch_is_atomic_too(self) -> None:
        document = session_doc()
        snapshot = copy.deepcopy(document)
        invalid(document, {"customerName": "Bob", "zzz": 1})
        assert document == snapshot


class TestMalformed:
    @pytest.mark.parametrize(
        ("raw", "detail"),
        [
            ({"op": "move", "from": "/Rank", "path": "/AlertLevel"}, "not supported"),
            ({"op": "copy", "from": "/Rank", "path": "/AlertLevel"}, "not supported"),
            ({"op": "frobnicate", "path": "/Rank"}, "unknown op"),
            ({"path": "/Rank", "value": 1}, "op is missing"),
            ({"op": 3, "path": "/Rank", "value": 1}, "op is missing"),
            ({"op": "replace", "value": 1}, "path is missing"),
            ({"op": "replace", "path": 3, "value": 1}, "path must be a string"),
            ({"op": "replace", "path": None, "value": 1}, "path must be a string"),
            ({"op": "replace", "path": "/Rank"}, "value is missing"),
            ({"op": "add", "path": "/Rank"}, "value is missing"),
            ({"op": "test", "path": "/Rank"}, "value is missing"),
            ("replace", "expected an operation object"),
            ([], "expected an operation object"),
            ({"op": "replace", "path": "/Rank", "value": float("nan")}, "finite"),
            ({"op": "replace", "path": "/Rank", "value": {1: 2}}, "keys must be strings"),
            ({"op": "replace", "path": "/Rank", "value": (1, 2)}, "not a JSON value"),
        ],
    )
    def test_malformed_operation_names_its_index(self, raw: object, detail: str) -> None:
        error = invalid(session_doc(), [op("test", "/Rank", 3), raw])
        assert error.params["field"] == "patch[1]"
        assert detail in str(error.params["detail"])

    def test_remove_needs_no_value(self) -> None:
        assert "Rank" not in apply_patch(session_doc(), [{"op": "remove", "path": "/Rank"}])

    def test_null_value_is_a_value(self) -> None:
        assert apply_patch(session_doc(), [op("replace", "/User", None)])["User"] is None

    def test_too_many_operations(self) -> None:
        patch = [op("test", "/Rank", 3)] * (MAX_OPERATIONS + 1)
        error = invalid(session_doc(), patch)
        assert error.params["field"] == "patch"

    def test_exactly_the_limit_is_fine(self) -> None:
        patch = [op("test", "/Rank", 3)] * MAX_OPERATIONS
        assert apply_patch(session_doc(), patch) == session_doc()

    def test_too_many_merge_changes(self) -> None:
        patch = {"ExtraFields": {f"x_{i}": "v" for i in range(MAX_OPERATIONS + 1)}}
        assert invalid({"ExtraFields": {}}, patch).params["field"] == "patch"

    def test_too_deep_value(self) -> None:
        value: object = 1
        for _ in range(100):
            value = [value]
        invalid(session_doc(), [op("replace", "/User", value)])
        invalid(session_doc(), {"User": value})

    @pytest.mark.parametrize("patch", ["x", 1, None, True])
    def test_neither_array_nor_object(self, patch: object) -> None:
        assert invalid(session_doc(), patch).params["field"] == "patch"


class TestChangedFields:
    def test_changed_fields(self) -> None:
        before = session_doc()
        after = apply_patch(
            before, {"customerName": "Bob", "rank": 3.0, "user": {"name": "x"}, "flags": None}
        )
        assert changed_fields(before, after) == {"CustomerName", "User", "Flags"}

    def test_bool_versus_number_is_a_change(self) -> None:
        assert changed_fields({"A": 1}, {"A": True}) == {"A"}

    def test_keys_on_one_side_only(self) -> None:
        assert changed_fields({"A": 1}, {"B": 1}) == {"A", "B"}

    def test_json_equal_nested(self) -> None:
        assert json_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})
        assert not json_equal({"a": [1, {"b": None}]}, {"a": [1, {"b": False}]})
        assert not json_equal(None, False)


# ---------------------------------------------------------------------------
# Properties

KEYS = st.sampled_from(["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"])
SCALARS = st.none() | st.booleans() | st.integers(-(2**31), 2**31 - 1) | st.text(max_size=5)
FINITE_FLOATS = st.floats(allow_nan=False, allow_infinity=False)

# Documents without arrays (where the merge-patch conversion deviates from RFC 7396 on purpose).
OBJECTS = st.recursive(
    SCALARS | FINITE_FLOATS,
    lambda inner: st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(KEYS, OBJECTS, max_size=6)
JSON_VALUES = st.recursive(
    SCALARS | FINITE_FLOATS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)


def reference_merge(target: object, patch: object) -> object:
    """RFC 7396 section 2, verbatim."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = reference_merge(result.get(name), value)
    return result


def recase(draw: st.DrawFn, key: str) -> str:
    return draw(st.sampled_from([key, key.lower(), key.upper(), key[0].lower() + key[1:]]))


@st.composite
def merge_patches(draw: st.DrawFn, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A merge patch naming existing properties in any case, and the same patch in the document's case."""
    sent: dict[str, Any] = {}
    canonical: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(document)), unique=True)) if document else []:
        current = document[key]
        value: Any
        reference: Any
        if isinstance(current, dict):
            # An object merges into an object, so its keys must name existing properties.
            value, reference = draw(merge_patches(current) | SCALARS.map(lambda v: (v, v)))
        else:
            # Any value, objects included: an object replacing a non-object merges into {}.
            value = reference = draw(OBJECTS)
        sent[recase(draw, key)] = value
        canonical[key] = reference
    return sent, canonical


# Nested composite draws are slowish on a loaded machine; no timing checks for them.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), DOCUMENTS)
def test_merge_patch_matches_rfc_7396(data: st.DataObject, document: dict[str, Any]) -> None:
    patch, canonical = data.draw(merge_patches(document))
    snapshot = copy.deepcopy(document)
    assert apply_patch(document, patch) == reference_merge(document, canonical)
    assert document == snapshot


@settings(deadline=None)
@given(DOCUMENTS)
def test_empty_json_patch_is_identity(document: dict[str, Any]) -> None:
    result = apply_patch(document, [])
    assert result == document
    assert result is not document


@settings(deadline=None)
@given(DOCUMENTS, st.data())
def test_replace_then_test_round_trips(document: dict[str, Any], data: st.DataObject) -> None:
    if not document:
        return
    key = data.draw(st.sampled_from(sorted(document)))
    value = data.draw(JSON_VALUES)
    result = apply_patch(document, [op("replace", key.lower(), value), op("test", key.upper(), value)])
    assert json_equal(result[key], value)
    assert changed_fields(document, result) <= {key}
