"""Uniform negative sampling that never returns a training positive of the user."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

# After this many rounds of bulk rejection, the few draws still open are
# resolved exactly from each user's complement (only users who interacted with
# nearly every item get that far).
MAX_REJECTION_ROUNDS = 20


class NegativeSampler:
    """Draw items uniformly from the items a user has no training interaction with.

    Rejection is done in bulk: draw for every request, look all draws up in
    the sorted pair keys at once, redraw only the rejected ones. The sampler
    is given training positives only, so a validation or test item may be drawn.

    Args:
        user_index: Users of the training interactions.
        item_index: Items of the training interactions.
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
    """

    def __init__(
        self, user_index: np.ndarray, item_index: np.ndarray, num_users: int, num_items: int
    ):
        self.num_items = int(num_items)
        self.positive_keys = np.unique(
            np.asarray(user_index, dtype=np.int64) * self.num_items + np.asarray(item_index)
        )
        degree = np.bincount(self.positive_keys // self.num_items, minlength=num_users)
        self.saturated_users = np.flatnonzero(degree >= self.num_items)

    def is_positive(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        keys = users.astype(np.int64) * self.num_items + items
        position = np.searchsorted(self.positive_keys, keys)
        position = np.minimum(position, len(self.positive_keys) - 1)
        return self.positive_keys[position] == keys

    def sample(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return one negative item per entry of ``users``.

        Raises:
            ValueError: If a user has a training interaction with every item.
        """
        users = np.asarray(users, dtype=np.int64)
        if len(self.saturated_users) and np.isin(users, self.saturated_users).any():
            bad = users[np.isin(users, self.saturated_users)][0]
            raise ValueError(
                f"user index {bad} has a training interaction with all {self.num_items} "
                "items, so no negative item exists; drop such users from the training "
                "rows (the trainer does this and logs them)"
            )
        items = rng.integers(0, self.num_items, size=len(users))
        pending = np.flatnonzero(self.is_positive(users, items))
        for _ in range(MAX_REJECTION_ROUNDS):
            if len(pending) == 0:
                return items
            items[pending] = rng.integers(0, self.num_items, size=len(pending))
            pending = pending[self.is_positive(users[pending], items[pending])]
        for position in pending:
            items[position] = self._exact_draw(users[position], rng)
        return items

    def _exact_draw(self, user: int, rng: np.random.Generator) -> int:
        start, stop = np.searchsorted(
            self.positive_keys, [user * self.num_items, (user + 1) * self.num_items]
        )
        positives = self.positive_keys[start:stop] - user * self.num_items
        allowed = np.setdiff1d(np.arange(self.num_items), positives, assume_unique=True)
        return int(rng.choice(allowed))
