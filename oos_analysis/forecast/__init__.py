"""What may happen next: the simulator's inputs, the Monte Carlo, exact checks and policies.

``inputs`` holds :class:`SimulationInputs` and how each parameter is estimated from the seller's
history (or given); ``simulation`` draws futures of the 7-day window; ``exact`` computes breach
probabilities without sampling, as a check on the simulator; ``policy`` compares buying policies
on common random numbers and picks the cheapest one that keeps the risk within tolerance;
``backtest`` scores the forecast on the seller's own history.
Randomness always comes in as a seed or generator.

Exports: :class:`SimulationInputs`, :class:`SimulationResult` (and its plain
:class:`SimulationTables`), :func:`simulate`,
:func:`breach_probability`, :func:`daily_breach_probability`, :func:`any_breach_probability`,
:class:`History`, :data:`PLAYBOOK_POLICIES`, :func:`backtest`, :func:`policy_grid`,
:func:`compare_policies`, :func:`cheapest_safe_policy`.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "SimulationInputs": "inputs",
    "SimulationResult": "simulation",
    "SimulationTables": "simulation",
    "simulate": "simulation",
    "breach_probability": "exact",
    "daily_breach_probability": "exact",
    "any_breach_probability": "exact",
    "History": "inputs",
    "PLAYBOOK_POLICIES": "inputs",
    "REQUEST": "inputs",
    "NO_REQUEST": "inputs",
    "backtest": "backtest",
    "BacktestResult": "backtest",
    "policy_grid": "policy",
    "compare_policies": "policy",
    "cheapest_safe_policy": "policy",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
