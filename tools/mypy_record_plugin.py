"""A mypy plugin for ``license_guard._record``: a Record is typed as a dataclass, but is not one.

Records are declared with PEP 681's ``dataclass_transform``, so mypy checks their construction as
a frozen dataclass's. It then also accepts ``dataclasses.replace``, ``asdict``, ``astuple`` and
``fields`` on a Record, all of which raise ``TypeError`` at run time. This plugin reports those
calls, and gives ``license_guard._record.replace`` the field-by-field check mypy gives
``dataclasses.replace``. Enabled in pyproject.toml (``[tool.mypy] plugins``).
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import FunctionContext, FunctionSigContext, Plugin
from mypy.plugins.dataclasses import replace_function_sig_callback
from mypy.types import (
    FunctionLike,
    Instance,
    ProperType,
    Type,
    TypeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

RECORD = "license_guard._record.Record"
RECORD_REPLACE = "license_guard._record.replace"
DATACLASS_HELPERS = frozenset(
    {"dataclasses.replace", "dataclasses.asdict", "dataclasses.astuple", "dataclasses.fields"}
)


class RecordPlugin(Plugin):
    """Refuses the dataclasses helpers on Records; checks the fields of a Record replace()."""

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        """Record's ``replace`` is checked as ``dataclasses.replace`` is."""
        return replace_function_sig_callback if fullname == RECORD_REPLACE else None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        """The dataclasses helpers report a Record argument."""
        if fullname not in DATACLASS_HELPERS:
            return None
        name = fullname.rsplit(".", 1)[1]

        def refuse_records(ctx: FunctionContext) -> Type:
            first = ctx.arg_types[0] if ctx.arg_types else []
            if first and _is_record(get_proper_type(first[0])):
                hint = (
                    "use license_guard._record.replace"
                    if name == "replace"
                    else "read its fields by name"
                )
                ctx.api.fail(
                    f'"dataclasses.{name}" fails at run time on a Record, which is not a '
                    f"dataclass: {hint}",
                    ctx.context,
                )
            return ctx.default_return_type

        return refuse_records


def _is_record(typ: ProperType) -> bool:
    if isinstance(typ, TypeType):
        return _is_record(typ.item)
    if isinstance(typ, FunctionLike) and typ.is_type_obj():  # the class itself, as an argument
        return typ.type_object().has_base(RECORD)
    if isinstance(typ, TypeVarType):
        return _is_record(get_proper_type(typ.upper_bound))
    if isinstance(typ, UnionType):
        return any(_is_record(get_proper_type(item)) for item in typ.items)
    return isinstance(typ, Instance) and typ.type.has_base(RECORD)


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return RecordPlugin
