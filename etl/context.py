"""What a source sees: its metadata, its command, and the context its `extract(ctx)` is given.

A source is one module in etl/sources/ that declares a `SourceMeta` (who publishes the data, its
licence, its watermark type, the minimum counts a healthy run ends with), a parameters dataclass and
a `SourceCommand` named `COMMAND`, and a class whose `extract(ctx)` stages rows through the context
below. The context owns everything shared: stable ids, staging and quarantine (through etl/load.py),
emitting each store and legal entity once, fetching over HTTP with the raw archive, and dry runs.
Sources import from here (and etl/readers.py, etl/ids.py, etl/text.py, etl/reference.py), never
from etl/load.py.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, Self, TypeVar

import duckdb
import httpx
import pyarrow as pa

from etl.basis import ALL_FACTS, check_facts, facts_from_mapping
from etl.http import Cursor, Page, PaginationError, RetryPolicy, get_json, get_text, make_client, paginate
from etl.ids import stable_id
from etl.load import ID_COLUMNS, Staging, WriteDisposition
from etl.progress import Progress, SilentProgress
from etl.raw_archive import RawArchive
from etl.settings import Settings, source_setting
from etl.text import fix_surrogates, normalise_name

# re-exported: sources page through an API with these and need nothing else from etl/http.py, and
# declare what they publish with these (etl/basis.py)
__all__ = ["ALL_FACTS", "Page", "PaginationError", "facts_from_mapping"]

Params = TypeVar("Params")


class RecordRejectedError(ValueError):
    """Raised by a normaliser for a record that cannot be mapped; carries the column at fault."""

    def __init__(self, reason: str, column: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column


class SourceSetupError(ValueError):
    """A command's parameters cannot make a source (a bad mapping file): the CLI exits 2 with it."""


class Watermark(Protocol):
    """A source's typed cursor for its next incremental run, stored as text in etl_runs.watermark.

    `parse` must read every text `dump` ever wrote, old warehouses' included.
    """

    @classmethod
    def parse(cls, stored: str) -> Self: ...

    def dump(self) -> str: ...


@dataclass(frozen=True)
class SourceMeta:
    source_id: str
    name: str
    publisher: str
    homepage: str | None
    licence: str | None
    is_synthetic: bool
    description: str
    # 'merge': rows accumulate across runs (incremental sources).
    # 'replace': each run is a full snapshot; rows of this source it did not see are deleted.
    write_disposition: WriteDisposition = "merge"
    # The cursor type a run leaves for the next (ctx.watermark / ctx.previous_watermark); None: none.
    watermark: type[Watermark] | None = None
    # Minimum rows of this source per table once a run is merged (a scraper that silently broke
    # loads nothing): a run that ends below one fails and publishes nothing.
    expect: Mapping[str, int] = field(default_factory=dict, hash=False)
    # The facts (etl/basis.py FACTS) its records are a basis for: a figure resting on a fact no
    # source of it publishes is "not available", never 0. None declared: nothing is stated on it.
    publishes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.expect) - set(ID_COLUMNS)
        if unknown:
            raise ValueError(f"{self.source_id}: expectations name unknown tables {sorted(unknown)}")
        check_facts(frozenset(self.publishes), self.source_id)


class Source(Protocol):
    meta: SourceMeta

    def extract(self, ctx: RunContext) -> None:
        """Fetch and normalise; stage rows through ctx.emit / ctx.emit_arrow / ctx.reject."""


@dataclass(frozen=True)
class SourceCommand(Generic[Params]):
    """A source's `storewatch etl <name>` command, which the CLI builds from this declaration.

    `params` is a dataclass: each field is an option or argument of the command (typer.Option or
    typer.Argument in its Annotated type, with its help), and the run records its values in
    etl_runs.params. `build` makes the source from them; its docstring is the command's help.
    The CLI adds --dry-run, the progress bar, the counts table and the exit codes.
    """

    name: str
    params: type[Params]
    build: Callable[[Params], Source]


class RunContext:
    """The one object a source's extract(ctx) works with, for one run."""

    def __init__(
        self,
        *,
        run_id: str,
        meta: SourceMeta,
        con: duckdb.DuckDBPyConnection,
        started_at: datetime,
        settings: Settings,
        progress: Progress | None = None,
        previous_watermark: Watermark | None = None,
        dry_run: bool = False,
    ) -> None:
        self.run_id = run_id
        self.meta = meta
        self.con = con  # for side tables a source keeps beside the fact tables (the demo's ground truth)
        self.started_at = started_at
        self.settings = settings
        self.progress = progress or SilentProgress()
        # of meta.watermark's type, parsed from the last successful run's; set `watermark` to move on
        self.previous_watermark = previous_watermark
        self.watermark: Watermark | None = None
        # records are complete up to here (open complaints are censored here); default: the run's start
        self.as_of: datetime | None = None
        self.dry_run = dry_run
        # per `table.column` of an open vocabulary, the source texts that landed as `other`: the run
        # summary and etl_runs.notes report them (a source counts them here, see file_import.py)
        self.mapped_to_other: dict[str, Counter[str]] = {}
        self.staging = Staging(con, run_id, meta.source_id, started_at)
        # the only place that decides: a dry run writes nothing that outlives it, raw pages included
        self.raw_archive = None if dry_run else RawArchive.for_run(settings.raw_dir, meta.source_id, run_id)
        self._emitted: dict[str, set[str]] = defaultdict(set)

    # -- ids and rows ----------------------------------------------------------------------
    def stable_id(self, record_id: str) -> str:
        # emit fixes surrogates in source_record_id the same way, so SQL derives the same id
        return stable_id(self.meta.source_id, fix_surrogates(record_id))

    def emit(self, table: str, row: dict[str, Any], raw: Any) -> None:
        """Stage one normalised row; `raw` is the record as the source gave it (its hash is kept)."""
        self.staging.add_row(table, row, raw)

    def emit_arrow(self, table: str, batch: pa.Table) -> None:
        """Stage a vectorised batch whose columns are named as the target table's (plus raw_hash)."""
        self.staging.add_batch(table, batch)

    def reject(
        self, table: str, source_record_id: str | None, reason: str, raw: Any, column: str | None = None
    ) -> None:
        """Quarantine a record the source could not parse; the run goes on."""
        self.staging.quarantine(table, source_record_id, reason, raw, column)

    def emit_entity_once(self, record_id: str, name: str, raw: Any, **columns: Any) -> str:
        """Stage a legal entity the first time this run meets `record_id`; its entity_id either way."""
        if self._first_time("entities", record_id):
            row = {"source_record_id": record_id, "name": name, "name_normalised": normalise_name(name)}
            self.emit("entities", {**row, **columns}, raw)
        return self.stable_id(record_id)

    def emit_store_once(self, record_id: str, name: str, platform: str, raw: Any, **columns: Any) -> str:
        """Stage a store (merchants row) the first time this run meets `record_id`; its merchant_id.

        `columns` are its other merchants columns (entity_id, category, ...).
        """
        if self._first_time("merchants", record_id):
            row = {
                "source_record_id": record_id,
                "name": name,
                "name_normalised": normalise_name(name),
                "platform": platform,
            }
            self.emit("merchants", {**row, **columns}, raw)
        return self.stable_id(record_id)

    def emit_once(self, table: str, row: dict[str, Any], raw: Any) -> None:
        """Stage a row that carries its own id (the table's id column, e.g. a file import's
        `store:` merchant_id) the first time this run meets that id."""
        if self._first_time(table, row[ID_COLUMNS[table]]):
            self.emit(table, row, raw)

    def _first_time(self, table: str, record_id: str) -> bool:
        seen = self._emitted[table]
        if record_id in seen:
            return False
        seen.add(record_id)
        return True

    # -- the network -----------------------------------------------------------------------
    def setting(self, name: str, default: str) -> str:
        """A setting the source declares itself (its base URL), from the environment."""
        return source_setting(name, default)

    def http_client(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> httpx.Client:
        """The project's HTTP client (timeouts, User-Agent); `transport` is for tests."""
        return make_client(base_url, headers, transport, self.settings)

    def fetch_json(self, client: httpx.Client, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and decode JSON with the project's retries; the body is archived unless a dry run."""
        policy = RetryPolicy.from_settings(self.settings)
        return get_json(client, url, params, policy, on_body=self._archive_page())

    def fetch_text(self, client: httpx.Client, url: str, params: Mapping[str, Any] | None = None) -> str:
        """GET a text page (HTML, CSV) with the project's retries; archived unless a dry run."""
        policy = RetryPolicy.from_settings(self.settings)
        return get_text(client, url, params, policy, on_body=self._archive_page())

    def paginate(self, fetch: Callable[[Cursor | None], Page[Cursor]], what: str) -> Iterator[list[Any]]:
        """The items of each page `fetch` returns, bounded by the settings' page limit."""
        return paginate(fetch, self.settings.http_max_pages, what)

    def _archive_page(self) -> Callable[[str, bytes, str | None], Any] | None:
        return self.raw_archive.save if self.raw_archive is not None else None
