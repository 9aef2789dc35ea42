"""Proofs of the transparency log: inclusion of a leaf, consistency between two tree sizes.
Public, like the log's tiles: anyone holding a checkpoint may ask."""

from __future__ import annotations

import base64

from django.utils.cache import add_never_cache_headers, patch_cache_control
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.schema import PROBLEM_RESPONSES
from registry.core.errors import FieldProblem, RuleRefusalError
from registry.tlog import merkle, selectors, services

# Sizes and indices are uint64 in tlog-tiles; the database's bigint bounds them here.
MAX_LOG_INDEX = 2**63 - 1
# A proof for a size the caller named never changes; one for "the latest" does.
PROOF_MAX_AGE = 365 * 86400


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _latest():
    services.log_catch_up()
    return selectors.latest_checkpoint()


def _beyond_the_log(field: str, latest: int) -> RuleRefusalError:
    # Well-formed, but the log is not that large yet: a 422 the client can tell from a bad query.
    message = f"The log has {latest} leaves in its latest checkpoint."
    return RuleRefusalError(message, problems=[FieldProblem(field, "beyond_the_log", message)])


class InclusionQuerySerializer(serializers.Serializer):
    leaf = serializers.IntegerField(min_value=0, max_value=MAX_LOG_INDEX, help_text="The leaf's index in the log.")
    size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LOG_INDEX,
        required=False,
        help_text="The tree size to prove against (default: the latest checkpoint's).",
    )

    def validate(self, attrs):
        attrs["latest"] = checkpoint = _latest()
        latest = checkpoint.size if checkpoint else 0
        size = attrs.setdefault("size", latest)
        if size > latest:
            raise _beyond_the_log("size", latest)
        if attrs["leaf"] >= size:
            raise RuleRefusalError(
                f"Leaf {attrs['leaf']} is not in a tree of {size} leaves.",
                problems=[FieldProblem("leaf", "not_in_tree", f"Not in a tree of {size} leaves.")],
            )
        return attrs


class _ConsistencyQuery(serializers.Serializer):
    def validate(self, attrs):
        checkpoint = _latest()
        latest = checkpoint.size if checkpoint else 0
        to = attrs.setdefault("to", latest)
        if to > latest:
            raise _beyond_the_log("to", latest)
        if attrs["from"] > to:
            raise RuleRefusalError(
                f"A tree of {attrs['from']} leaves is not a prefix of one of {to}.",
                problems=[FieldProblem("from", "not_a_prefix", f"Larger than the tree of {to} leaves.")],
            )
        return attrs


# `from` is a Python keyword: these serializers declare their fields by name.
ConsistencyQuerySerializer = type(
    "ConsistencyQuerySerializer",
    (_ConsistencyQuery,),
    {
        "from": serializers.IntegerField(min_value=0, max_value=MAX_LOG_INDEX, help_text="The older tree size."),
        "to": serializers.IntegerField(
            min_value=0,
            max_value=MAX_LOG_INDEX,
            required=False,
            help_text="The newer tree size (default: the latest checkpoint's).",
        ),
    },
)


class InclusionProofSerializer(serializers.Serializer):
    leaf_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    leaf = serializers.CharField(
        help_text="The leaf's bytes (base64): a JSON object, its `type` says what it records."
    )
    leaf_hash = serializers.CharField(help_text="SHA-256(0x00 || leaf), base64.")
    hashes = serializers.ListField(child=serializers.CharField(), help_text="The audit path (RFC 9162), base64.")
    checkpoint = serializers.CharField(
        allow_null=True, help_text="The signed checkpoint of this size, when the log signed one (a signed note)."
    )


ConsistencyProofSerializer = type(
    "ConsistencyProofSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.IntegerField(),
        "to": serializers.IntegerField(),
        "hashes": serializers.ListField(child=serializers.CharField(), help_text="The proof (RFC 9162), base64."),
    },
)


def _cache(response: Response, *, named: bool) -> Response:
    if named:
        patch_cache_control(response, public=True, max_age=PROOF_MAX_AGE, immutable=True)
    else:
        add_never_cache_headers(response)
    return response


class InclusionProofView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Prove a leaf is in the log",
        description=(
            "The audit path of leaf `leaf` in the tree of `size` leaves (RFC 9162 2.1.3), with the leaf's bytes "
            "and, when the log signed a checkpoint of that size, the checkpoint. Verify it against a checkpoint "
            "you hold, signed with the key of `/.well-known/transparency-log.json`."
        ),
        parameters=[InclusionQuerySerializer],
        responses={200: InclusionProofSerializer, 400: PROBLEM_RESPONSES[400], 422: PROBLEM_RESPONSES[400]},
        tags=["transparency log"],
    )
    def get(self, request):
        query = InclusionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        index, size, latest = (query.validated_data[k] for k in ("leaf", "size", "latest"))
        leaf = selectors.leaf_at(index)
        data = bytes(leaf.data)
        checkpoint = latest if size == latest.size else selectors.checkpoint_of_size(size)
        body = {
            "leaf_index": index,
            "tree_size": size,
            "leaf": b64(data),
            "leaf_hash": b64(merkle.leaf_hash(data)),
            "hashes": [b64(h) for h in selectors.inclusion_proof(index, size)],
            "checkpoint": selectors.published_note(checkpoint) if checkpoint else None,
        }
        return _cache(Response(InclusionProofSerializer(body).data), named="size" in request.query_params)


class ConsistencyProofView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Prove the log only grew",
        description=(
            "The consistency proof from the tree of `from` leaves to the tree of `to` leaves (RFC 9162 "
            "2.1.4): with the two checkpoints' roots, it shows the later tree extends the earlier one. "
            "Empty when `from` is 0 or equal to `to`."
        ),
        parameters=[ConsistencyQuerySerializer],
        responses={200: ConsistencyProofSerializer, 400: PROBLEM_RESPONSES[400], 422: PROBLEM_RESPONSES[400]},
        tags=["transparency log"],
    )
    def get(self, request):
        query = ConsistencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        old, new = query.validated_data["from"], query.validated_data["to"]
        body = {"from": old, "to": new, "hashes": [b64(h) for h in selectors.consistency_proof(old, new)]}
        return _cache(Response(ConsistencyProofSerializer(body).data), named="to" in request.query_params)
