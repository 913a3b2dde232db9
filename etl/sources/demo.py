"""`demo`: a deterministic synthetic Tmall-style marketplace. Every row it makes is synthetic.

Vectorised with NumPy (one seeded generator, so the same seed gives the same rows on any
machine) and staged in chunks as Arrow batches. It plants known effects, recorded in
`planted_effects` and `planted_reopenings`, so tests can check that the analysis finds them:
  (a) sanction leniency: for some violation types, top and large stores get lighter sanctions
      than small ones (a proportional-odds shift of the ordinal severity); equal for the others;
  (b) slow categories: some complaint categories take several times longer to close;
  (c) reopened stores: entities whose store was closed after a penalty open a new store.
With planted=False none of these effects exists (no leniency, one duration for every
category, no reopenings); everything else stays realistic.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import typer

from etl.context import ALL_FACTS, RunContext, SourceCommand, SourceMeta
from etl.reference import canonical_platform
from etl.sources import demo_names as names
from etl.text import normalise_name

META = SourceMeta(
    source_id="demo",
    name="Synthetic demo marketplace",
    publisher="Storewatch (generated, not real data)",
    homepage=None,
    licence="CC0 (synthetic)",
    is_synthetic=True,
    description=(
        "A deterministic synthetic marketplace with planted effects, for demonstrations, tests "
        "and benchmarks. No store, company, complaint or penalty in it is real."
    ),
    write_disposition="replace",
    publishes=ALL_FACTS,  # the synthetic marketplace records everything a figure needs
)

COMPLAINT_CATEGORIES = [
    "quality",
    "not_as_described",
    "refund_refused",
    "return_refused",
    "delivery",
    "false_promotion",
    "counterfeit",
    "service_attitude",
    "other",
]
# complaint-category mix per store category (rows follow names.STORE_CATEGORIES)
_CATEGORY_MIX = np.array(
    [
        # qual  nad   refund return deliv promo count serv  other
        [0.20, 0.22, 0.12, 0.14, 0.10, 0.06, 0.06, 0.06, 0.04],  # apparel
        [0.30, 0.12, 0.12, 0.10, 0.10, 0.08, 0.08, 0.06, 0.04],  # electronics
        [0.18, 0.14, 0.10, 0.08, 0.08, 0.10, 0.20, 0.07, 0.05],  # beauty
        [0.34, 0.10, 0.12, 0.04, 0.20, 0.06, 0.04, 0.06, 0.04],  # food
        [0.28, 0.16, 0.12, 0.10, 0.16, 0.06, 0.03, 0.05, 0.04],  # home
        [0.30, 0.12, 0.12, 0.08, 0.10, 0.06, 0.12, 0.06, 0.04],  # baby
        [0.24, 0.16, 0.12, 0.12, 0.12, 0.06, 0.10, 0.04, 0.04],  # sports
        [0.16, 0.10, 0.12, 0.10, 0.30, 0.06, 0.08, 0.04, 0.04],  # books
    ]
)
BASE_CLOSE_DAYS = 4.0  # median days to close, before category and size effects
# planted: these categories close this many times slower
SLOW_CATEGORIES = {"counterfeit": 4.0, "refund_refused": 3.0}

VIOLATIONS = [
    "counterfeit",
    "false_advertising",
    "fake_orders",
    "refusing_returns",
    "delivery_fraud",
    "price_fraud",
    "other",
]
VIOLATION_SHARE = [0.20, 0.20, 0.20, 0.15, 0.10, 0.10, 0.05]
VIOLATION_SEVERITY_SHIFT = [0.6, 0.0, 0.3, -0.2, -0.3, 0.1, -0.4]
SANCTIONS = ["warning", "point_deduction", "demotion", "listing_removal", "fine", "suspension", "closure"]
# overall mix of sanctions for a small store and a neutral violation; cutpoints follow from it
SANCTION_MIX = [0.35, 0.25, 0.15, 0.10, 0.08, 0.05, 0.02]
# planted: cumulative odds ratio of a more severe sanction, against small stores
LENIENT_VIOLATIONS = ["counterfeit", "fake_orders"]
LENIENCY_ODDS_RATIO = {"top": 0.3, "large": 0.6}

TIERS = ["small", "mid", "large", "top"]
TIER_CUTS = [0.50, 0.90, 0.99]  # percentiles of orders within a platform

SOURCE_STATUS_ZH = {
    "open": "处理中",
    "resolved": "已完成",
    "closed_unresolved": "已关闭",
    "withdrawn": "已撤诉",
}
_DAY = 86_400


# The demo everyone builds by default: the CLI, `serve` and the benchmark
DEMO_SEED = 20261124
DEMO_AS_OF = date(2026, 10, 31)


@dataclass(frozen=True)
class DemoConfig:
    seed: int = DEMO_SEED
    complaints: int = 200_000
    merchants: int | None = None  # default: complaints / 50, at least 60
    penalties: int | None = None  # default: complaints / 10
    months: int = 24
    as_of: date = DEMO_AS_OF
    planted: bool = True
    chunk_size: int = 1_000_000

    @property
    def merchant_count(self) -> int:
        return self.merchants if self.merchants is not None else max(60, self.complaints // 50)

    @property
    def penalty_count(self) -> int:
        return self.penalties if self.penalties is not None else max(20, self.complaints // 10)

    @property
    def window_start(self) -> date:
        end = self.as_of.replace(day=1)
        month_index = end.year * 12 + end.month - 1 - (self.months - 1)
        return date(month_index // 12, month_index % 12 + 1, 1)


def _month_starts(cfg: DemoConfig) -> np.ndarray:
    start = cfg.window_start
    out = []
    for m in range(cfg.months + 1):
        idx = start.year * 12 + start.month - 1 + m
        out.append(np.datetime64(date(idx // 12, idx % 12 + 1, 1), "s"))
    out[-1] = min(out[-1], np.datetime64(cfg.as_of + timedelta(days=1), "s"))
    return np.asarray(out, dtype="datetime64[s]")


def _seasonality(months: np.ndarray) -> np.ndarray:
    """Order volume by calendar month: peaks at 618 (June) and Double 11 (November)."""
    month_of_year = months.astype("datetime64[M]").astype(int) % 12 + 1
    factor = np.ones(len(months))
    factor[month_of_year == 6] = 1.5
    factor[month_of_year == 11] = 2.2
    factor[month_of_year == 12] = 1.3
    factor[month_of_year == 2] = 0.7  # Spring Festival
    return factor


class DemoSource:
    meta = META

    def __init__(self, config: DemoConfig | None = None) -> None:
        self.config = config or DemoConfig()

    # ------------------------------------------------------------------------------------
    def extract(self, ctx: RunContext) -> None:
        cfg = self.config
        rng = np.random.default_rng(cfg.seed)
        ctx.as_of = datetime.combine(cfg.as_of, datetime.max.time()).replace(microsecond=0)
        ctx.watermark = None
        task = ctx.progress.task("generating demo marketplace", total=cfg.complaints + cfg.penalty_count)
        stores = self._stores(rng)
        penalties = self._penalties(rng, stores)
        volumes = self._volumes(rng, stores)
        self._stage_entities_and_stores(ctx, stores, volumes)
        self._stage_volumes(ctx, stores, volumes)
        self._stage_penalties(ctx, stores, penalties)
        task.advance(len(penalties["merchant"]))
        self._stage_complaints(ctx, rng, stores, volumes, task)
        self._record_planted(ctx, *self._planted_effects(stores))

    @staticmethod
    def _record_planted(ctx: RunContext, effects: list[dict], reopenings: pa.Table) -> None:
        """The ground truth, in side tables of the version this run builds (published with it or not)."""
        ctx.con.execute("DELETE FROM planted_effects WHERE source_id = 'demo'")
        ctx.con.execute("DELETE FROM planted_reopenings")
        for effect in effects:
            ctx.con.execute(
                "INSERT INTO planted_effects VALUES (?, 'demo', ?, ?, ?, ?, ?, ?)",
                [
                    effect["effect_id"],
                    effect["kind"],
                    effect["target"],
                    effect["measure"],
                    effect["size"],
                    json.dumps(effect["parameters"]),
                    effect["description"],
                ],
            )
        if reopenings.num_rows:
            ctx.con.register("_reopenings", reopenings)
            ctx.con.execute("INSERT INTO planted_reopenings SELECT * FROM _reopenings")
            ctx.con.unregister("_reopenings")

    # -- stores, entities, reopenings ------------------------------------------------------
    def _stores(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        cfg = self.config
        n_regular = cfg.merchant_count
        platform = rng.choice(len(names.PLATFORMS), n_regular, p=names.PLATFORM_SHARE)
        category = rng.choice(len(names.STORE_CATEGORIES), n_regular, p=names.STORE_CATEGORY_SHARE)
        # heavy-tailed monthly orders: Pareto tail, a few stores sell millions a month
        base_orders = np.minimum(40.0 * (1.0 + rng.pareto(1.1, n_regular)), 3e6)
        window_start = np.datetime64(cfg.window_start, "D")
        as_of = np.datetime64(cfg.as_of, "D")
        span = int((as_of - window_start).astype(int))
        # most stores predate the window; some open during it
        opened = window_start - rng.integers(30, 2_000, n_regular).astype("timedelta64[D]")
        late = rng.random(n_regular) < 0.15
        opened[late] = window_start + rng.integers(0, span - 60, late.sum()).astype("timedelta64[D]")
        closed = np.full(n_regular, np.datetime64("NaT"), dtype="datetime64[D]")

        n_entities = max(1, int(n_regular * 0.8))
        entity = np.arange(n_regular)
        multi = np.arange(n_entities, n_regular)
        entity[multi] = rng.integers(0, n_entities, len(multi))

        # planted (c): small and mid stores closed after a penalty, reopened by the same entity
        tier = self._tiers(platform, base_orders)
        n_reopen = max(3, n_regular // 200) if cfg.planted else 0
        eligible = np.flatnonzero((tier <= 1) & ~late)
        predecessors = np.sort(rng.choice(eligible, min(n_reopen, len(eligible)), replace=False))
        closed[predecessors] = window_start + rng.integers(60, span - 150, len(predecessors)).astype(
            "timedelta64[D]"
        )
        reopened_on = closed[predecessors] + rng.integers(14, 90, len(predecessors)).astype("timedelta64[D]")
        successors = np.arange(n_regular, n_regular + len(predecessors))

        def extend(values: np.ndarray, extra: np.ndarray) -> np.ndarray:
            return np.concatenate([values, extra])

        platform = extend(platform, platform[predecessors])
        category = extend(category, category[predecessors])
        base_orders = extend(
            base_orders, base_orders[predecessors] * rng.uniform(0.6, 1.4, len(predecessors))
        )
        opened = extend(opened, reopened_on)
        closed = extend(closed, np.full(len(predecessors), np.datetime64("NaT"), dtype="datetime64[D]"))
        entity = extend(entity, entity[predecessors])
        tier = self._tiers(platform, base_orders)
        platform_names = np.asarray(names.PLATFORMS, dtype=object)[platform]
        platform_codes = np.asarray([canonical_platform(p) for p in names.PLATFORMS], dtype=object)[platform]
        store_name, brand = names.store_names(rng, platform_names, category)
        entity_brand = brand[:n_entities]
        return {
            "platform": platform,
            "platform_name": platform_names,
            "platform_code": platform_codes,  # stored: Taobao here and 淘宝 in an import are both taobao
            "category": category,
            "base_orders": base_orders,
            "opened": opened,
            "closed": closed,
            "entity": entity,
            "tier": tier,
            "name": store_name,
            "n_entities": np.asarray(n_entities),
            "entity_name": names.company_names(rng, entity_brand),
            "entity_regno": names.registration_numbers(rng, n_entities),
            "predecessors": predecessors,
            "successors": successors,
            # a store's latent complaint propensity: gamma over-dispersion around 1
            "propensity": rng.gamma(2.0, 0.5, len(platform)),
        }

    @staticmethod
    def _tiers(platform: np.ndarray, orders: np.ndarray) -> np.ndarray:
        """0 small, 1 mid, 2 large, 3 top: percentiles of orders within each platform."""
        tier = np.zeros(len(orders), dtype=np.int8)
        for p in np.unique(platform):
            members = np.flatnonzero(platform == p)
            ranks = orders[members].argsort().argsort() / max(1, len(members))
            tier[members] = np.searchsorted(TIER_CUTS, ranks, side="right")
        return tier

    # -- penalties (closures feed back into stores) -----------------------------------------
    def _penalties(self, rng: np.random.Generator, stores: dict) -> dict[str, np.ndarray]:
        cfg = self.config
        n_stores = len(stores["platform"])
        predecessors = stores["predecessors"]
        n_random = max(0, cfg.penalty_count - len(predecessors))
        # more orders and more complaint propensity, more penalties (sub-linear in size)
        weight = stores["base_orders"] ** 0.6 * stores["propensity"]
        merchant = rng.choice(n_stores, n_random, p=weight / weight.sum())
        violation = rng.choice(len(VIOLATIONS), n_random, p=VIOLATION_SHARE)
        window_start = np.datetime64(cfg.window_start, "D")
        as_of = np.datetime64(cfg.as_of, "D")
        opened = np.maximum(stores["opened"][merchant], window_start)
        span = (as_of - opened).astype(int)
        decided = opened + (rng.random(n_random) * span).astype("timedelta64[D]")

        # ordinal severity: logistic latent with cutpoints from SANCTION_MIX; leniency shifts it
        cut = np.log(np.cumsum(SANCTION_MIX)[:-1] / (1 - np.cumsum(SANCTION_MIX)[:-1]))
        latent = np.asarray(VIOLATION_SEVERITY_SHIFT)[violation] + rng.logistic(0, 1, n_random)
        if cfg.planted:
            tier = stores["tier"][merchant]
            lenient = np.isin(violation, [VIOLATIONS.index(v) for v in LENIENT_VIOLATIONS])
            for tier_name, odds_ratio in LENIENCY_ODDS_RATIO.items():
                hit = lenient & (tier == TIERS.index(tier_name))
                latent[hit] += np.log(odds_ratio)
        sanction = np.searchsorted(cut, latent)

        # predecessors of reopened stores: one closure at their closing date
        merchant = np.concatenate([merchant, predecessors])
        violation = np.concatenate(
            [violation, rng.choice(len(VIOLATIONS), len(predecessors), p=VIOLATION_SHARE)]
        )
        decided = np.concatenate([decided, stores["closed"][predecessors]])
        sanction = np.concatenate([sanction, np.full(len(predecessors), SANCTIONS.index("closure"))])

        # a closure closes the store; nothing is decided after that
        closed = stores["closed"]
        closure = sanction == SANCTIONS.index("closure")
        order = np.argsort(decided[closure])
        for m, d in zip(merchant[closure][order], decided[closure][order], strict=True):
            if np.isnat(closed[m]) or d < closed[m]:
                closed[m] = d
        merchant_closed = closed[merchant]
        late = ~np.isnat(merchant_closed) & (decided > merchant_closed)
        decided[late] = merchant_closed[late]
        order = np.lexsort((merchant, decided))
        return {
            key: value[order]
            for key, value in {
                "merchant": merchant,
                "violation": violation,
                "decided": decided,
                "sanction": sanction,
            }.items()
        }

    # -- monthly volumes ---------------------------------------------------------------------
    def _volumes(self, rng: np.random.Generator, stores: dict) -> np.ndarray:
        """Orders per store and month (stores x months), zero outside the store's open period."""
        cfg = self.config
        starts = _month_starts(cfg)
        month_start = starts[:-1].astype("datetime64[D]")
        month_end = starts[1:].astype("datetime64[D]")
        noise = rng.lognormal(0.0, 0.15, (len(stores["platform"]), cfg.months))
        orders = stores["base_orders"][:, None] * _seasonality(month_start)[None, :] * noise
        opened = stores["opened"][:, None]
        closed = stores["closed"][:, None]
        active = (month_end > opened) & (np.isnat(closed) | (month_start <= closed))
        return np.where(active, np.round(orders), 0.0)

    # -- staging ------------------------------------------------------------------------------
    def _stage_entities_and_stores(self, ctx: RunContext, stores: dict, volumes: np.ndarray) -> None:
        n_entities = int(stores["n_entities"])
        entity_names = stores["entity_name"]
        ctx.emit_arrow(
            "entities",
            pa.table(
                {
                    "source_record_id": pc.binary_join_element_wise(
                        "e", pa.array(np.arange(n_entities)).cast(pa.string()), ""
                    ),
                    "name": pa.array(entity_names, pa.string()),
                    "name_normalised": pa.array([normalise_name(n) for n in entity_names], pa.string()),
                    "registration_number": pa.array(stores["entity_regno"], pa.string()),
                    "country": pa.array(np.full(n_entities, "CN", dtype=object), pa.string()),
                }
            ),
        )
        n = len(stores["platform"])
        last_year = volumes[:, -12:].sum(axis=1)
        ctx.emit_arrow(
            "merchants",
            pa.table(
                {
                    "source_record_id": _ids("m", np.arange(n)),
                    "name": pa.array(stores["name"], pa.string()),
                    "name_normalised": pa.array([normalise_name(x) for x in stores["name"]], pa.string()),
                    "platform": pa.array(stores["platform_code"], pa.string()),
                    "entity_id": _ids("demo:e", stores["entity"]),
                    "category": pa.array(
                        np.asarray(names.STORE_CATEGORIES, dtype=object)[stores["category"]], pa.string()
                    ),
                    "size_measure": pa.array(last_year),
                    "size_basis": pa.array(np.full(n, "orders", dtype=object), pa.string()),
                    "opened_on": pa.array(stores["opened"]),
                    "closed_on": pa.array(stores["closed"]),
                }
            ),
        )

    def _stage_volumes(self, ctx: RunContext, stores: dict, volumes: np.ndarray) -> None:
        store_index, month_index = np.nonzero(volumes)
        month_start = _month_starts(self.config)[:-1].astype("datetime64[D]")
        price = np.asarray(names.STORE_CATEGORY_PRICE)[stores["category"][store_index]]
        orders = volumes[store_index, month_index]
        currency = np.where(stores["platform_name"][store_index] == "Amazon", "USD", "CNY").astype(object)
        gmv = np.where(currency == "USD", orders * price / 7.1, orders * price)
        record = pc.binary_join_element_wise(
            _ids("v", store_index), pa.array(month_index).cast(pa.string()), "-"
        )
        ctx.emit_arrow(
            "merchant_volume",
            pa.table(
                {
                    "source_record_id": record,
                    "merchant_id": _ids("demo:m", store_index),
                    "period": pa.array(month_start[month_index]),
                    "orders": pa.array(orders.astype(np.int64)),
                    "gmv": pa.array(np.round(gmv, 2)),
                    "currency": pa.array(currency, pa.string()),
                }
            ),
        )

    def _stage_penalties(self, ctx: RunContext, stores: dict, pen: dict) -> None:
        n = len(pen["merchant"])
        rng = np.random.default_rng([self.config.seed, 2])
        sanction = np.asarray(SANCTIONS, dtype=object)[pen["sanction"]]
        regulator = rng.random(n) < 0.1
        points = np.where(sanction == "point_deduction", rng.choice([2, 4, 6, 12], n), 0)
        fine = np.where(sanction == "fine", np.round(rng.lognormal(np.log(10_000), 1.0, n), -2), np.nan)
        duration = np.where(np.isin(sanction, ["demotion", "suspension"]), rng.integers(7, 31, n), -1)
        platform = stores["platform_name"][pen["merchant"]]
        authority_name = np.where(
            regulator, "市场监督管理局 (synthetic)", platform + " rules centre (synthetic)"
        )
        ids = np.arange(n)
        ctx.emit_arrow(
            "penalties",
            pa.table(
                {
                    "source_record_id": _ids("p", ids),
                    "merchant_id": _ids("demo:m", pen["merchant"]),
                    "entity_id": _ids("demo:e", stores["entity"][pen["merchant"]]),
                    "authority_type": pa.array(
                        np.where(regulator, "regulator", "platform").astype(object), pa.string()
                    ),
                    "authority_name": pa.array(authority_name.astype(object), pa.string()),
                    "decided_at": pa.array(pen["decided"]),
                    "violation_type": pa.array(
                        np.asarray(VIOLATIONS, dtype=object)[pen["violation"]], pa.string()
                    ),
                    "sanction_type": pa.array(sanction, pa.string()),
                    "points": pa.array(points.astype(np.int32), mask=sanction != "point_deduction"),
                    "fine_amount": pa.array(fine, mask=np.isnan(fine)).cast(pa.decimal128(18, 2)),
                    "fine_currency": pa.array(np.where(np.isnan(fine), None, "CNY"), pa.string()),
                    "duration_days": pa.array(duration.astype(np.int32), mask=duration < 0),
                    "document_url": pc.binary_join_element_wise(
                        "https://demo.storewatch.invalid/penalties/p", pa.array(ids).cast(pa.string()), ""
                    ),
                }
            ),
        )

    def _stage_complaints(
        self, ctx: RunContext, rng: np.random.Generator, stores: dict, volumes: np.ndarray, task
    ) -> None:
        cfg = self.config
        # complaints per store: proportional to orders x latent propensity, exactly cfg.complaints
        weight = volumes.sum(axis=1) * stores["propensity"] * np.where(stores["tier"] == 0, 1.3, 1.0)
        counts = rng.multinomial(cfg.complaints, weight / weight.sum())
        store_of = np.repeat(np.arange(len(counts)), counts)
        flat_cum = np.cumsum(volumes.ravel())
        row_offset = np.concatenate([[0.0], flat_cum])[:: cfg.months][: len(counts)]
        month_starts = _month_starts(cfg)
        for start in range(0, cfg.complaints, cfg.chunk_size):
            stop = min(start + cfg.chunk_size, cfg.complaints)
            batch = self._complaint_batch(
                rng, stores, volumes, store_of[start:stop], flat_cum, row_offset, month_starts, start
            )
            ctx.emit_arrow("complaints", batch)
            task.advance(stop - start)

    def _complaint_batch(
        self, rng, stores, volumes, store, flat_cum, row_offset, month_starts, first_id
    ) -> pa.Table:
        cfg = self.config
        n = len(store)
        as_of = np.datetime64(datetime.combine(cfg.as_of, datetime.max.time()).replace(microsecond=0), "s")
        # month by the store's order volume, then a uniform moment within that month
        target = row_offset[store] + rng.random(n) * volumes[store].sum(axis=1)
        month = np.clip(
            np.searchsorted(flat_cum, target, side="right") - store * cfg.months, 0, cfg.months - 1
        )
        month_len = (month_starts[month + 1] - month_starts[month]).astype(np.int64)
        filed = month_starts[month] + (rng.random(n) * month_len).astype("timedelta64[s]")
        filed = np.minimum(filed, as_of)
        store_opened = stores["opened"][store].astype("datetime64[s]")
        filed = np.maximum(filed, store_opened)
        store_closed = stores["closed"][store]
        closed_end = (store_closed + np.timedelta64(1, "D")).astype("datetime64[s]") - np.timedelta64(1, "s")
        filed = np.where(np.isnat(store_closed), filed, np.minimum(filed, closed_end))

        mix = np.cumsum(_CATEGORY_MIX, axis=1)[stores["category"][store]]
        category = (rng.random(n)[:, None] > mix).sum(axis=1).clip(0, len(COMPLAINT_CATEGORIES) - 1)
        tier = stores["tier"][store]
        refund_like = np.isin(category, [2, 3])
        escalated = rng.random(n) < 0.15 + 0.15 * refund_like + 0.05 * (tier == 0)

        # final state: resolved, closed unresolved, or withdrawn (small stores wear buyers down)
        u = rng.random(n)
        withdrawn_share = np.where(tier == 0, 0.16, 0.08)
        final = np.where(u < 0.74, 1, np.where(u < 1 - withdrawn_share, 2, 3))  # 1 res, 2 cu, 3 wd
        slow = np.ones(len(COMPLAINT_CATEGORIES))
        if cfg.planted:
            for name, factor in SLOW_CATEGORIES.items():
                slow[COMPLAINT_CATEGORIES.index(name)] = factor
        size_factor = np.asarray([1.5, 1.0, 0.8, 0.6])[tier]
        median_days = BASE_CLOSE_DAYS * slow[category] * size_factor * np.where(escalated, 1.5, 1.0)
        close_seconds = (median_days * _DAY * rng.lognormal(0.0, 0.9, n)).astype(np.int64)
        closed = filed + close_seconds.astype("timedelta64[s]")
        still_open = closed > as_of
        status_index = np.where(still_open, 0, final)

        response_hours = np.asarray([20.0, 10.0, 6.0, 4.0])[tier] * rng.lognormal(0.0, 1.0, n)
        first_response = filed + (response_hours * 3600).astype("timedelta64[s]")
        first_response = np.where(~still_open & (first_response > closed), closed, first_response)
        no_response = (rng.random(n) < 0.08) | (first_response > as_of)

        outcome_resolved = np.asarray(["refund", "replacement", "compensation", "partial"], dtype=object)[
            rng.choice(4, n, p=[0.5, 0.15, 0.15, 0.2])
        ]
        outcome_unresolved = np.where(no_response, "no_response", "rejected").astype(object)
        outcome = np.where(
            status_index == 1, outcome_resolved, np.where(status_index == 2, outcome_unresolved, None)
        )
        status = np.asarray(["open", "resolved", "closed_unresolved", "withdrawn"], dtype=object)[
            status_index
        ]
        price = np.asarray(names.STORE_CATEGORY_PRICE)[stores["category"][store]]
        usd = stores["platform_name"][store] == "Amazon"
        amount = np.round(price * rng.lognormal(0.0, 0.8, n) / np.where(usd, 7.1, 1.0), 2)
        ids = np.arange(first_id, first_id + n)
        return pa.table(
            {
                "source_record_id": _ids("c", ids),
                "merchant_id": _ids("demo:m", store),
                "platform": pa.array(stores["platform_code"][store], pa.string()),
                "filed_at": pa.array(filed),
                "first_response_at": pa.array(first_response, mask=no_response),
                "closed_at": pa.array(closed, mask=still_open),
                "category": pa.array(np.asarray(COMPLAINT_CATEGORIES, dtype=object)[category], pa.string()),
                "amount_claimed": pa.array(amount).cast(pa.decimal128(18, 2)),
                "currency": pa.array(np.where(usd, "USD", "CNY").astype(object), pa.string()),
                "status": pa.array(status, pa.string()),
                "source_status": pa.array(
                    np.asarray(
                        [SOURCE_STATUS_ZH[s] for s in ["open", "resolved", "closed_unresolved", "withdrawn"]],
                        dtype=object,
                    )[status_index],
                    pa.string(),
                ),
                "outcome": pa.array(outcome, pa.string()),
                "platform_intervened": pa.array(escalated),
            }
        )

    # -- ground truth ---------------------------------------------------------------------------
    def _planted_effects(self, stores: dict) -> tuple[list[dict], pa.Table]:
        cfg = self.config
        effects: list[dict] = []
        params = asdict(cfg) | {"as_of": cfg.as_of.isoformat()}
        for violation in VIOLATIONS:
            for tier_name in ("top", "large"):
                lenient = cfg.planted and violation in LENIENT_VIOLATIONS
                size = LENIENCY_ODDS_RATIO[tier_name] if lenient else 1.0
                effects.append(
                    {
                        "effect_id": f"leniency-{violation}-{tier_name}",
                        "kind": "sanction_leniency",
                        "target": violation,
                        "measure": (
                            f"cumulative odds ratio of a more severe sanction, {tier_name} vs small stores"
                        ),
                        "size": size,
                        "parameters": {"tier": tier_name, "reference_tier": "small", "seed": cfg.seed},
                        "description": (
                            f"{tier_name} stores get lighter sanctions than small stores for {violation}"
                            if lenient
                            else f"{tier_name} and small stores are sanctioned alike for {violation}"
                        ),
                    }
                )
        for category in COMPLAINT_CATEGORIES:
            factor = SLOW_CATEGORIES.get(category, 1.0) if cfg.planted else 1.0
            effects.append(
                {
                    "effect_id": f"slow-{category}",
                    "kind": "slow_category",
                    "target": category,
                    "measure": "median time to close, multiple of the other categories (same store size)",
                    "size": factor,
                    "parameters": {"base_median_days": BASE_CLOSE_DAYS},
                    "description": f"{category} complaints take {factor:g}x as long to close",
                }
            )
        predecessors, successors = stores["predecessors"], stores["successors"]
        effects.append(
            {
                "effect_id": "reopened-stores",
                "kind": "reopened_stores",
                "target": None,
                "measure": "number of stores closed after a penalty and reopened by the same entity",
                "size": float(len(predecessors)),
                "parameters": params,
                "description": (
                    "entities whose store was closed after a penalty opened a new store under another name"
                ),
            }
        )
        reopenings = pa.table(
            {
                "entity_id": _ids("demo:e", stores["entity"][predecessors]),
                "closed_merchant_id": _ids("demo:m", predecessors),
                "reopened_merchant_id": _ids("demo:m", successors),
                "closed_on": pa.array(stores["closed"][predecessors]),
                "reopened_on": pa.array(stores["opened"][successors]),
            }
        )
        return effects, reopenings


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(
        prefix, pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), ""
    )


@dataclass(frozen=True)
class DemoParams:
    # at least one: the demo replaces its rows on each run, so zero complaints would empty the demo
    complaints: Annotated[int, typer.Option(min=1, help="How many complaints to generate.")] = 200_000
    merchants: Annotated[int | None, typer.Option(min=1, help="Stores (default: complaints / 50).")] = None
    penalties: Annotated[int | None, typer.Option(min=1, help="Penalties (default: complaints / 10).")] = None
    seed: Annotated[int, typer.Option(min=0, help="Random seed; the same seed gives the same rows.")] = (
        DEMO_SEED
    )
    as_of: Annotated[
        str, typer.Option(help="As-of date (YYYY-MM-DD): open complaints are censored here.")
    ] = DEMO_AS_OF.isoformat()
    planted: Annotated[bool, typer.Option(help="Plant the known effects that tests look for.")] = True


def build(params: DemoParams) -> DemoSource:
    """Generate the synthetic demo marketplace (labelled synthetic everywhere) and load it."""
    try:
        as_of = date.fromisoformat(params.as_of)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {params.as_of!r}", param_hint="--as-of") from exc
    config = DemoConfig(
        seed=params.seed,
        complaints=params.complaints,
        merchants=params.merchants,
        penalties=params.penalties,
        as_of=as_of,
        planted=params.planted,
    )
    return DemoSource(config)


COMMAND = SourceCommand(name="demo", params=DemoParams, build=build)
