"""Technical-evaluation KPIs: QTE velocity and the POV rates (articles A and B), plus founder involvement.

Each rate counts only deals whose outcome for that rate is *decided*: a deal still open in the stage is in
neither numerator nor denominator (so an empty or all-open period gives NaN, never 0 %). A deal belongs to the
period in which its outcome became known; each function names that timestamp. ``period=None`` means all time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from analysis.kpi.periods import PeriodLike, days, within
from simulation.tables import flag, is_value, require


@dataclass(frozen=True)
class Rate:
    """A share: ``successes`` out of ``decided`` deals; ``value`` is NaN when nothing was decided."""

    successes: int
    decided: int

    @property
    def value(self) -> float:
        return self.successes / self.decided if self.decided else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "value": self.value}


@dataclass(frozen=True)
class Velocity:
    """Days from the start to the end of an evaluation: mean, median and how many deals (NaN when none)."""

    mean_days: float
    median_days: float
    deals: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(success: pd.Series, decided: pd.Series, decided_at: pd.Series, period: PeriodLike | None) -> Rate:
    counted = decided & within(decided_at, period)
    return Rate(successes=int((success & counted).sum()), decided=int(counted.sum()))


def _ended(deals: pd.DataFrame) -> pd.Series:
    """Closed as lost or disqualified (a drop), with a close time."""
    return is_value(deals["outcome"], "lost", "disqualified") & deals["closed"].notna()


def qte_velocity(
    deals: pd.DataFrame,
    period: PeriodLike | None = None,
    *,
    start: str = "data_access_granted",
    end: str = "closed",
    outcomes: tuple[str, ...] = ("won", "lost", "disqualified"),
) -> Velocity:
    """QTE velocity: days from data access granted to contract signed or dropped out (deals ended in the
    period).

    Article B: "the time from when a prospect agrees to a technical evaluation (granting data access) to when
    they either sign a contract or drop out. A healthy QTE velocity is under 45 days". Early drop-outs make it
    look faster: :func:`qte_velocity_signed` is the same over signed deals only (``outcomes``)."""
    require(deals, (start, end, "outcome"), "deals", "QTE velocity")
    mask = deals[start].notna() & deals[end].notna() & is_value(deals["outcome"], *outcomes)
    mask &= within(deals[end], period)
    picked = days(deals.loc[mask, end] - deals.loc[mask, start])
    if picked.empty:
        return Velocity(float("nan"), float("nan"), 0)
    return Velocity(float(picked.mean()), float(picked.median()), len(picked))


def qte_velocity_signed(deals: pd.DataFrame, period: PeriodLike | None = None) -> Velocity:
    """QTE velocity of the deals signed in the period only: days from data access granted to contract signed."""
    return qte_velocity(deals, period, outcomes=("won",))


def evaluation_end(deals: pd.DataFrame) -> pd.Series:
    """When each technical evaluation ended: the extension's end when it was extended, else the POV's end."""
    ended = deals["pov_ended"]
    return deals["extension_ended"].fillna(ended) if "extension_ended" in deals.columns else ended


def evaluation_completion_rate(deals: pd.DataFrame, period: PeriodLike | None = None) -> Rate:
    """Technical-evaluation completion rate: share of evaluations (begun at data access) that ran to
    completion.

    Article B: "prospects who enter a technical evaluation and never finish it ... If that rate is below 40%,
    the evaluation process is too complex". The evaluations are the POVs that :func:`pov_to_pipeline` counts
    (every deal with a ``pov_started``, those already running on a table's first day included, which have no
    data-access date) plus the deals dropped after data access while still waiting for an engineer. One is decided
    when the POV completed or stalled, or the deal was dropped; it belongs to the period of the evaluation's end
    (:func:`evaluation_end`), else of ``closed``.
    """
    require(
        deals,
        ("data_access_granted", "pov_started", "pov_completed", "pov_ended", "outcome", "closed"),
        "deals",
        "the evaluation completion rate",
    )
    entered = deals["data_access_granted"].notna() | deals["pov_started"].notna()
    known = deals["pov_completed"].astype("boolean")
    reached_negotiation = (
        deals["negotiation_started"].notna()
        if "negotiation_started" in deals.columns
        else pd.Series(False, deals.index)
    )
    completed = entered & (flag(known) | (known.isna() & reached_negotiation))
    stalled = known.eq(False).fillna(False).astype(bool)
    failed = entered & ~completed & (stalled | _ended(deals))
    return _rate(completed, completed | failed, evaluation_end(deals).fillna(deals["closed"]), period)


def pov_to_pipeline(deals: pd.DataFrame, period: PeriodLike | None = None) -> Rate:
    """POV-to-pipeline conversion: share of POVs that became a qualified opportunity (reached negotiation).

    Article A: "the percentage of POVs that result in a qualified opportunity. If this is below 40%, the CRO
    must work with product to simplify the POV". Decided at ``negotiation_started`` (converted) or ``closed``
    (dropped)."""
    require(deals, ("pov_started", "negotiation_started", "outcome", "closed"), "deals", "POV-to-pipeline")
    povs = deals["pov_started"].notna()
    converted = povs & deals["negotiation_started"].notna()
    dropped = povs & ~converted & _ended(deals)
    decided_at = deals["negotiation_started"].where(converted, deals["closed"])
    return _rate(converted, converted | dropped, decided_at, period)


def pov_win_rate(deals: pd.DataFrame, period: PeriodLike | None = None) -> Rate:
    """POV win rate (article A's conversion metric): of the deals that started a POV and closed in the period
    (won, lost or dropped), the share won."""
    require(deals, ("pov_started", "outcome", "closed"), "deals", "the POV win rate")
    povs = deals["pov_started"].notna() & deals["closed"].notna()
    won = povs & is_value(deals["outcome"], "won")
    decided = povs & is_value(deals["outcome"], "won", "lost", "disqualified")
    return _rate(won, decided, deals["closed"], period)


def negotiation_win_rate(deals: pd.DataFrame, period: PeriodLike | None = None) -> Rate:
    """Negotiation win rate: of the deals that reached commercial negotiation and closed in the period, the share
    won."""
    require(deals, ("negotiation_started", "outcome", "closed"), "deals", "the negotiation win rate")
    negotiated = deals["negotiation_started"].notna() & deals["closed"].notna()
    decided = negotiated & is_value(deals["outcome"], "won", "lost", "disqualified")
    return _rate(decided & is_value(deals["outcome"], "won"), decided, deals["closed"], period)


def founder_involvement_reduction_rate(deals: pd.DataFrame, period: PeriodLike | None = None) -> Rate:
    """Founder involvement reduction rate: share of deals won in the period without the founder in the final
    meeting.

    Article A: "the percentage of deals that close without the founder in the final meeting". Won deals with
    an unknown ``founder_in_final_meeting`` are left out."""
    require(deals, ("founder_in_final_meeting", "outcome", "closed"), "deals", "founder involvement")
    present = deals["founder_in_final_meeting"].astype("boolean")
    won = is_value(deals["outcome"], "won") & deals["closed"].notna() & present.notna()
    without = won & ~flag(present, missing=True)
    return _rate(without, won, deals["closed"], period)


def lead_to_win_rate(deals: pd.DataFrame, period: PeriodLike | None = None) -> Rate:
    """Lead-to-win rate: of every deal closed in the period (won, lost, or disqualified at the data-quality
    check), the share won; the widest denominator of the three win rates."""
    require(deals, ("outcome", "closed"), "deals", "the lead-to-win rate")
    decided = is_value(deals["outcome"], "won", "lost", "disqualified") & deals["closed"].notna()
    return _rate(decided & is_value(deals["outcome"], "won"), decided, deals["closed"], period)
