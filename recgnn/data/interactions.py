"""The interaction table that every loader returns and every split consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Codes of ``Interactions.given_part`` and of every splitter's row assignment.
PART_TRAIN, PART_VALID, PART_TEST = 0, 1, 2
PART_NAMES = {PART_TRAIN: "train", PART_VALID: "valid", PART_TEST: "test"}


@dataclass
class Interactions:
    """User–item interactions with contiguous indices and the maps back to raw ids.

    Args:
        user_index: Contiguous user index per row, in ``[0, num_users)``.
        item_index: Contiguous item index per row, in ``[0, num_items)``.
        user_ids: Raw id of each user index (strings stay strings).
        item_ids: Raw id of each item index.
        rating: Optional rating per row (``float64``).
        timestamp: Optional timestamp per row (``int64``).
        extras: Side data of the whole table (profiles, source folder); not per row.
        given_part: Optional part of each row in the data set's own split files
            (``PART_TRAIN`` or ``PART_TEST``, ``int8``). It is ``None`` when the
            source has no split of its own. ``split=given`` reads it.

    Shapes:
        - ``user_index``, ``item_index``, ``rating``, ``timestamp``, ``given_part``:
          ``(num_rows,)``
        - ``user_ids``: ``(num_users,)``; ``item_ids``: ``(num_items,)``
    """

    user_index: np.ndarray
    item_index: np.ndarray
    user_ids: np.ndarray
    item_ids: np.ndarray
    rating: np.ndarray | None = None
    timestamp: np.ndarray | None = None
    extras: dict = field(default_factory=dict)
    given_part: np.ndarray | None = None

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    @property
    def num_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.user_index)

    @classmethod
    def from_raw(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        rating: np.ndarray | None = None,
        timestamp: np.ndarray | None = None,
        given_part: np.ndarray | None = None,
    ) -> Interactions:
        """Map raw ids to contiguous indices in sorted raw-id order.

        Sorted order (not first appearance) makes the indices independent of
        the row order of the input file, so a shuffled file gives the same
        indices and therefore the same split.
        """
        user_ids, user_index = np.unique(np.asarray(users), return_inverse=True)
        item_ids, item_index = np.unique(np.asarray(items), return_inverse=True)
        return cls(
            user_index=user_index.astype(np.int64),
            item_index=item_index.astype(np.int64),
            user_ids=user_ids,
            item_ids=item_ids,
            rating=None if rating is None else np.asarray(rating, dtype=np.float64),
            timestamp=None if timestamp is None else np.asarray(timestamp, dtype=np.int64),
            given_part=None if given_part is None else np.asarray(given_part, dtype=np.int8),
        )

    def select(self, mask_or_index: np.ndarray) -> Interactions:
        """Return the chosen rows, keeping the id maps (and so the catalogue) unchanged."""
        return Interactions(
            user_index=self.user_index[mask_or_index],
            item_index=self.item_index[mask_or_index],
            user_ids=self.user_ids,
            item_ids=self.item_ids,
            rating=None if self.rating is None else self.rating[mask_or_index],
            timestamp=None if self.timestamp is None else self.timestamp[mask_or_index],
            extras=self.extras,
            given_part=None if self.given_part is None else self.given_part[mask_or_index],
        )

    def pair_keys(self) -> np.ndarray:
        """Encode each (user, item) row as one ``int64`` key: ``user * num_items + item``."""
        return self.user_index * np.int64(self.num_items) + self.item_index

    def sort_rows(self) -> Interactions:
        """Return the rows sorted by user, then item, then timestamp (a canonical order)."""
        keys = [self.item_index, self.user_index]
        if self.timestamp is not None:
            keys.insert(0, self.timestamp)
        return self.select(np.lexsort(keys))
