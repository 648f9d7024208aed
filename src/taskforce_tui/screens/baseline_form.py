"""The baseline form: reference average duration and backlog of a Comune and type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.widgets import Input, Select

from taskforce_tui.domain.indicators import Baseline, check_baseline
from taskforce_tui.screens.modals.forms import Field, FormModal

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


class BaselineForm(FormModal[Baseline]):
    """The type chosen fills in its current baseline; checked on submit, saved (and
    op-logged) by the store. Dismisses with the saved Baseline."""

    CHANGES: ClassVar[tuple[str, ...] | None] = ("baselines",)
    DEFAULT_CSS = """
    BaselineForm .form-label { width: 24; }
    BaselineForm .form-error { padding-left: 24; }
    """

    def __init__(
        self,
        comune_code: str,
        comune_name: str,
        types: list[tuple[str, str]],
        existing: dict[str, Baseline],
        initial_type: str | None = None,
    ) -> None:
        self.comune_code = comune_code
        self.existing = existing
        codes = [code for code, _ in types]
        initial = initial_type if initial_type in codes else (codes[0] if codes else None)
        period, avg, backlog = self._current(initial)
        fields = [
            Field(
                "procedure_type",
                "Tipo di procedimento",
                "select",
                initial,
                [(_short(name), code) for code, name in types],
                required=True,
                blank=False,
            ),
            Field("period", "Periodo (es. 2022-H1)", value=period, placeholder="2022-H1"),
            Field("avg_duration_days", "Durata media (giorni)", value=avg, placeholder="es. 87,5"),
            Field("backlog", "Arretrato (pratiche)", value=backlog, placeholder="es. 12"),
        ]
        super().__init__(f"Base di riferimento - {comune_name}", fields, focus="period")

    def _current(self, code: str | None) -> tuple[str, str, str]:
        """Period, average and backlog of the type's baseline (the latest period if
        the type has none)."""
        current = self.existing.get(code or "")
        period = current.period if current else ""
        if not period and self.existing:
            period = sorted(b.period for b in self.existing.values())[-1]
        avg = _number(current.avg_duration_days if current else None)
        backlog = str(current.backlog) if current and current.backlog is not None else ""
        return period, avg, backlog

    @on(Select.Changed, "#f-procedure_type")
    def _type_chosen(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        for name, value in zip(
            ("period", "avg_duration_days", "backlog"), self._current(event.value), strict=True
        ):
            self.query_one(f"#f-{name}", Input).value = value
        self.clear_errors()

    def check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """The domain's checks, here so that a mistake shows at once beside its field."""
        check_baseline(values["period"], values["avg_duration_days"], values["backlog"])
        return values

    def save(self, store: Store, values: dict[str, Any]) -> Baseline:
        from taskforce_tui.store.baselines import BaselineRepo

        return BaselineRepo(store).save(
            self.comune_code,
            values["procedure_type"],
            values["period"],
            values["avg_duration_days"],
            values["backlog"],
        )
