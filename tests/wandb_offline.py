"""Read the records of an offline W&B run (``run-<id>.wandb``) for assertions.

W&B keeps an offline run in a LevelDB-style log of protobuf records and, in
the versions tested here, writes no ``wandb-summary.json`` until it is synced,
so the tests decode the log itself.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from wandb.proto import wandb_internal_pb2

BLOCK_SIZE = 32768
HEADER_SIZE = 7  # checksum (4 bytes), length (2), record type (1)
FULL, LAST = 1, 4


def read_records(path: Path) -> list:
    data = path.read_bytes()
    position, pending, records = HEADER_SIZE, b"", []  # The file starts with a 7-byte header.
    while position < len(data):
        left_in_block = BLOCK_SIZE - position % BLOCK_SIZE
        if left_in_block < HEADER_SIZE:
            position += left_in_block
            continue
        _, length, kind = struct.unpack("<IHB", data[position : position + HEADER_SIZE])
        position += HEADER_SIZE
        pending += data[position : position + length]
        position += length
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
            pending = b""
    return records


def offline_run_summary(run_folder: Path) -> dict:
    """Return the final summary of the offline run in ``run_folder`` (``offline-run-*``)."""
    summary = {}
    for record in read_records(next(run_folder.glob("run-*.wandb"))):
        if record.WhichOneof("record_type") == "summary":
            for item in record.summary.update:
                if item.key:
                    summary[item.key] = json.loads(item.value_json)
    return summary


def offline_run_config(run_folder: Path) -> dict:
    """Return the config keys recorded in the offline run."""
    config = {}
    for record in read_records(next(run_folder.glob("run-*.wandb"))):
        kind = record.WhichOneof("record_type")
        # The initial config arrives inside the run record, later updates as config records.
        updates = (
            record.run.config.update
            if kind == "run"
            else (record.config.update if kind == "config" else [])
        )
        for item in updates:
            config[item.key] = json.loads(item.value_json)
    return config
