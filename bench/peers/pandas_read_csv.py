"""Peer for the ingest benchmark: pandas.read_csv of the same transactions file (typed, dates parsed).

Prints one JSON line like the Swift harness. pandas only parses into memory; Omniseg also validates,
quarantines and writes every row to SQLite, so this is a lower bound on what a pandas-based loader costs.
"""
import json
import sys
import time

import pandas as pd

path = sys.argv[1]
start = time.perf_counter()
frame = pd.read_csv(
    path,
    dtype={"source": "string", "customer_id": "string", "channel": "category", "store_id": "string",
           "order_id": "string", "sku": "string", "department": "category", "quantity": "int32",
           "amount": "float64", "discounted": "int8"},
    parse_dates=["timestamp"],
    engine="c",
)
seconds = time.perf_counter() - start
rows = len(frame)
print(json.dumps({"name": "pandas_read_csv_transactions_1_core", "seconds": seconds, "rows": rows,
                  "bytes": 0, "rows_per_second": rows / seconds, "pandas": pd.__version__}))
print(f"pandas read_csv: {seconds:.2f} s, {rows / seconds:,.0f} rows/s", file=sys.stderr)
