"""Filtered extracts of the warehouse as CSV or Parquet, for the dashboard and `storewatch export`.

`catalogue` declares each dataset once (its FROM clause, its public columns with descriptions in
both languages, the SQL expression each filter applies to); `queries` builds the parameterised
SELECTs from those declarations; `writers` streams their rows from DuckDB as Arrow record batches
into CSV or Parquet, so an extract never sits in memory whole; `citation` says where the rows came
from. Filter values are always bound as parameters; identifiers only ever come from the
declarations or, for metric tables, from the warehouse's own catalogue (quoted).
"""
