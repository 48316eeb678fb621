"""The two playbook policies, and Amazon's own rule on asking buyers to cancel.

The seller's playbook (``cancellation-rules.md`` section 1) asks the buyer to cancel through
Amazon's "Request cancellation" when no source has stock. Amazon's US/CA Seller Central help page
"Order cancellations" (help item 201722390) and its Japanese cancellation FAQ say otherwise: when
an order cannot be fulfilled for lack of inventory, cancel it with the reason No Inventory and do
not contact the buyer to ask for a cancellation request. The kit keeps both:

* :data:`REQUEST` (default) - the three-step playbook: buy at a loss, else request, remind, then
  cancel as No Inventory;
* :data:`NO_REQUEST` - Amazon's written rule: buy at a loss, else cancel as No Inventory at once,
  with no message to the buyer.

Wherever the kit suggests a request it prints :data:`CAUTION`, one sentence naming the page.
"""

from __future__ import annotations

from ..exceptions import ParameterError
from ..io.schema import NO_REQUEST, POLICIES, REQUEST

__all__ = ["REQUEST", "NO_REQUEST", "POLICIES", "DEFAULT_POLICY", "RULE_PAGE", "CAUTION",
           "check_policy"]

DEFAULT_POLICY = REQUEST
"""The policy when none is given: the seller's own playbook."""

RULE_PAGE = "Order cancellations (Seller Central help, item 201722390)"
"""The help page that carries Amazon's rule; the JP cancellation FAQ says the same."""

CAUTION = (
    f"Caution: Amazon's help page \"{RULE_PAGE}\" says that an order you cannot fulfil for lack "
    "of inventory should be cancelled as No Inventory without asking the buyer to request the "
    "cancellation; --policy no-request follows that rule."
)
"""The one sentence printed wherever the kit suggests asking the buyer to cancel."""


def check_policy(policy) -> str:
    """Return ``policy`` if it is one of :data:`POLICIES` (None means the default), else raise.

    Examples
    --------
    >>> check_policy(None), check_policy("no-request")
    ('request', 'no-request')
    """
    if policy is None:
        return DEFAULT_POLICY
    if policy not in POLICIES:
        raise ParameterError(
            f"policy {policy!r} is not a playbook policy; expected one of {', '.join(POLICIES)} "
            "('request': ask the buyer to cancel first; 'no-request': Amazon's written rule, "
            "cancel as No Inventory without asking)."
        )
    return policy
