"""A generated Chinese marketplace export, as a journalist would hold a scrape: three GB18030 CSV files
with Chinese headers and values (店铺名单 store register, 投诉 complaints, 处罚公告 penalty notices),
a fourth with monthly orders of some stores (月度订单量, journalist_volumes.py), and
planted_truth.json beside them with the effects planted at known sizes (never loaded).

Planted:
  (a) sanction leniency: for two violation types, top and large stores (by 月均订单量 rank within the
      platform, as merchant_tiers.sql ranks them) get lighter sanctions than small stores: a
      proportional-odds shift of the latent severity, so the odds of 降权 (demotion) or worse against
      a warning or point deduction are multiplied by the planted odds ratio in every platform. This
      is the Mantel-Haenszel odds ratio penalty_consistency_test.sql estimates. No effect for the
      other violation types.
  (b) one slow complaint category: its complaints take several times as long to close.
  (c) reopened stores: an entity's store is closed (关店 notice) and the same entity (same 主体公司 and
      统一社会信用代码) opens a store under a new name a few weeks later.
Names are written differently across files (full width, case, spaces, a middle dot, traditional
characters), only in ways name normalisation undoes. Some stores in the complaints and notices are
in no register, some register rows lack a size or a credit code, as in real scrapes.
Vectorised with NumPy, one seeded generator: the same seed gives the same files.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from etl.examples import journalist_names as vocab
from etl.examples.cli import EXPORT_DATE
from etl.examples.journalist_volumes import volume_frame

ENCODING = "gb18030"
REGISTER_FILE = "店铺名单.csv"
COMPLAINTS_FILE = "投诉.csv"
PENALTIES_FILE = "处罚公告.csv"
TRUTH_FILE = "planted_truth.json"
MONTHS = 23  # the data cover this many whole months to the export date: inside the 24-month windows

LENIENT_VIOLATIONS = ("counterfeit", "fake_orders")
LENIENCY_ODDS_RATIO = {"top": 0.2, "large": 0.3}
SLOW_CATEGORY = "refund_refused"
SLOW_FACTOR = 4.0
BASE_CLOSE_DAYS = 5.0  # median days to resolution (latent), before category and size effects
COMPETING_CLOSE_DAYS = 25.0  # median days to a withdrawal or an unresolved closing (latent)
# share of penalty notices per tier (and on stores that no register lists)
PENALTY_TIER_SHARE = {"small": 0.30, "mid": 0.23, "large": 0.26, "top": 0.18, "unlisted": 0.03}
TIERS = ("small", "mid", "large", "top")
TIER_CUTS = (0.50, 0.90, 0.99)  # share_below cut points of merchant_tiers.sql
SEVERE_FROM = 2  # index in vocab.SANCTIONS of demotion: the consistency test's "demotion or worse"
_MINUTE = 60


@dataclass(frozen=True)
class ExportConfig:
    stores: int = 2_000
    complaints: int = 30_000
    penalties: int | None = None  # default: complaints / 10
    seed: int = 13
    export_date: date = EXPORT_DATE

    @property
    def penalty_count(self) -> int:
        return self.penalties if self.penalties is not None else max(100, self.complaints // 10)

    @property
    def window_start(self) -> date:
        month = self.export_date.year * 12 + self.export_date.month - 1 - (MONTHS - 1)
        return date(month // 12, month % 12 + 1, 1)


def share_below(platform: np.ndarray, size: np.ndarray) -> np.ndarray:
    """(rank - 1) / n of each size within its platform, NaN where the size is unknown."""
    out = np.full(len(size), np.nan)
    for p in np.unique(platform):
        members = np.flatnonzero((platform == p) & ~np.isnan(size))
        out[members] = size[members].argsort().argsort() / len(members)
    return out


def tier_of(share: np.ndarray) -> np.ndarray:
    """0 small .. 3 top; -1 unknown."""
    return np.where(np.isnan(share), -1, np.searchsorted(TIER_CUTS, np.nan_to_num(share), side="right"))


def _unique_within(platform: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Whole sizes made distinct within each platform (ranks must not depend on tie-breaking)."""
    out = size.copy()
    for p in np.unique(platform):
        members = np.flatnonzero((platform == p) & ~np.isnan(size))
        order = members[np.argsort(size[members], kind="stable")]
        values = np.round(size[order])
        steps = np.arange(len(values))
        out[order] = np.maximum.accumulate(values - steps) + steps
    return out


class JournalistExport:
    def __init__(self, config: ExportConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.as_of = np.datetime64(config.export_date, "D")
        self.window_start = np.datetime64(config.window_start, "D")

    # -- stores and entities --------------------------------------------------------------------
    def stores(self) -> dict[str, np.ndarray]:
        cfg, rng = self.config, self.rng
        n_reopen = max(3, cfg.stores // 100)
        n = cfg.stores - n_reopen
        platform = rng.choice(4, n, p=vocab.PLATFORM_SHARE)
        category = rng.choice(len(vocab.CATEGORIES_ZH), n, p=vocab.CATEGORY_SHARE)
        size = np.minimum(30.0 * (1.0 + rng.pareto(1.1, n)), 5e6)
        opened = self.as_of - rng.integers(700, 3_000, n).astype("timedelta64[D]")
        late = rng.random(n) < 0.10
        span = int((self.as_of - self.window_start).astype(int))
        opened[late] = self.window_start + rng.integers(0, span - 90, late.sum()).astype("timedelta64[D]")
        closed = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")

        # entities: most own one store; some own two or three (often on different platforms)
        n_entities = int(n * 0.85)
        entity = np.arange(n)
        entity[n_entities:] = rng.integers(0, n_entities, n - n_entities)
        single = np.bincount(entity, minlength=n_entities)[entity] == 1

        # planted (c): mid-sized stores of single-store entities, closed and reopened by the same entity
        share = share_below(platform, size)
        eligible = np.flatnonzero(single & (share >= 0.6) & (share < 0.8) & ~late)
        predecessors = np.sort(rng.choice(eligible, n_reopen, replace=False))
        closed[predecessors] = self.window_start + rng.integers(60, span - 150, n_reopen).astype(
            "timedelta64[D]"
        )
        successor_opened = closed[predecessors] + rng.integers(14, 90, n_reopen).astype("timedelta64[D]")
        # some other stores closed (single-store entities, so nothing else reopens)
        others = np.flatnonzero(single & ~late & ~np.isin(np.arange(n), predecessors))
        shut = rng.choice(others, int(n * 0.04), replace=False)
        closed[shut] = np.maximum(opened[shut] + 60, self.as_of - rng.integers(30, 1_000, len(shut)))

        successors = np.arange(n, n + n_reopen)
        moves = rng.random(n_reopen) < 0.3  # some reopen on another platform
        platform = np.concatenate(
            [platform, np.where(moves, (platform[predecessors] + 1) % 4, platform[predecessors])]
        )
        category = np.concatenate([category, category[predecessors]])
        size = np.concatenate([size, size[predecessors] * rng.uniform(0.9, 1.1, n_reopen)])
        opened = np.concatenate([opened, successor_opened])
        closed = np.concatenate([closed, np.full(n_reopen, np.datetime64("NaT"), dtype="datetime64[D]")])
        entity = np.concatenate([entity, entity[predecessors]])

        total = len(platform)
        # a register without a size for some stores (never the planted ones)
        no_size = rng.random(total) < 0.02
        no_size[predecessors] = no_size[successors] = False
        size[no_size] = np.nan
        size = _unique_within(platform, size)

        brand = vocab.brands(rng, n_entities)[entity]
        name = self._unique_names(brand, platform, category)
        renamed = rng.random(n_reopen) < 0.5  # a new brand, or the old brand with another suffix
        fresh = vocab.brands(rng, n_reopen)
        taken = {str(x).casefold() for x in np.delete(name, successors)}
        suffixed = name[predecessors] + vocab.pick(rng, vocab.SUCCESSOR_SUFFIXES, n_reopen)
        renamed |= np.asarray([str(x).casefold() in taken for x in suffixed])
        taken |= {str(x).casefold() for x in suffixed[~renamed]}
        fresh_names = self._unique_names(fresh, platform[successors], category[successors], taken=taken)
        name[successors] = np.where(renamed, fresh_names, suffixed)
        assert len({str(x).casefold() for x in name}) == total, "store names must be unique"
        city = rng.integers(0, len(vocab.CITIES), n_entities)
        company = vocab.company_names(rng, vocab.brands(rng, n_entities, latin_share=0), city)
        while len(set(company)) < len(company):
            repeated = pd.Series(company).duplicated().to_numpy()
            company[repeated] = vocab.company_names(
                rng, vocab.brands(rng, int(repeated.sum()), latin_share=0), city[repeated]
            )
        credit = vocab.credit_codes(rng, city)
        while len(set(credit)) < len(credit):
            repeated = pd.Series(credit).duplicated().to_numpy()
            credit[repeated] = vocab.credit_codes(rng, city[repeated])
        no_credit = rng.random(total) < 0.05
        no_credit[successors[0]] = True  # one reopened store's row lacks its code: linked by entity name
        no_credit[predecessors[0]] = False
        return {
            "platform": platform,
            "category": category,
            "size": size,
            "tier": tier_of(share_below(platform, size)),
            "opened": opened,
            "closed": closed,
            "entity": entity,
            "name": name,
            "company": company,
            "credit": credit,
            "no_credit": no_credit,
            "predecessors": predecessors,
            "successors": successors,
            "propensity": rng.gamma(2.0, 0.5, total),
        }

    def _unique_names(
        self, brand: np.ndarray, platform: np.ndarray, category: np.ndarray, taken: set | None = None
    ) -> np.ndarray:
        """Store names unique within the export (so no two stores share a normalised name)."""
        taken = set() if taken is None else set(taken)
        name = vocab.store_names(self.rng, brand, platform, category)
        out = np.empty(len(name), dtype=object)
        for i, candidate in enumerate(name):
            while candidate.casefold() in taken:  # the same store words under another brand
                candidate = vocab.store_names(
                    self.rng, vocab.brands(self.rng, 1), platform[i : i + 1], category[i : i + 1]
                )[0]
            taken.add(candidate.casefold())
            out[i] = candidate
        return out

    def unlisted(self, count: int) -> dict[str, np.ndarray]:
        """Stores that complaints and notices name but no register lists."""
        rng = self.rng
        platform = rng.choice(4, count, p=vocab.PLATFORM_SHARE)
        category = rng.choice(len(vocab.CATEGORIES_ZH), count, p=vocab.CATEGORY_SHARE)
        return {"platform": platform, "category": category}

    # -- penalties --------------------------------------------------------------------------------
    def penalties(self, stores: dict, unlisted_start: int) -> dict[str, np.ndarray]:
        cfg, rng = self.config, self.rng
        n = cfg.penalty_count - len(stores["predecessors"])
        group = rng.choice(len(PENALTY_TIER_SHARE), n, p=list(PENALTY_TIER_SHARE.values()))
        active = self._active_days(stores) > 0
        store = np.empty(n, dtype=np.int64)
        for g, tier_name in enumerate(PENALTY_TIER_SHARE):
            hit = np.flatnonzero(group == g)
            if tier_name == "unlisted":
                store[hit] = unlisted_start + rng.integers(0, stores["n_unlisted"], len(hit))
                continue
            pool = np.flatnonzero(active & (stores["tier"] == TIERS.index(tier_name)))
            weight = stores["propensity"][pool]
            store[hit] = pool[rng.choice(len(pool), len(hit), p=weight / weight.sum())]
        violation = rng.choice(len(vocab.VIOLATIONS), n, p=[v[2] for v in vocab.VIOLATIONS])
        mix = np.cumsum(vocab.SANCTION_MIX)[:-1]
        cut = np.log(mix / (1 - mix))
        platform = stores["all_platform"][store]
        latent = (
            np.asarray([v[3] for v in vocab.VIOLATIONS])[violation]
            + np.asarray(vocab.PLATFORM_SEVERITY_SHIFT)[platform]
            + rng.logistic(0.0, 1.0, n)
        )
        tier = stores["all_tier"][store]
        lenient = np.isin(
            violation, [i for i, v in enumerate(vocab.VIOLATIONS) if v[0] in LENIENT_VIOLATIONS]
        )
        for tier_name, odds_ratio in LENIENCY_ODDS_RATIO.items():
            latent[lenient & (tier == TIERS.index(tier_name))] += np.log(odds_ratio)
        sanction = np.searchsorted(cut, latent)
        start, days = self._window_of(stores, store)
        decided = start + (rng.random(n) * days).astype("timedelta64[D]")

        # each predecessor of a reopened store: a closure notice on the day it closed
        predecessors = stores["predecessors"]
        store = np.concatenate([store, predecessors])
        violation = np.concatenate([violation, rng.choice([0, 1, 2], len(predecessors))])
        sanction = np.concatenate([sanction, np.full(len(predecessors), len(vocab.SANCTIONS) - 1)])
        decided = np.concatenate([decided, stores["closed"][predecessors]])
        # a closure notice closes a listed store; nothing is decided after that day
        closed = stores["closed"]
        closure = np.flatnonzero((sanction == len(vocab.SANCTIONS) - 1) & (store < unlisted_start))
        for i in closure[np.argsort(decided[closure])]:
            if np.isnat(closed[store[i]]) or decided[i] < closed[store[i]]:
                closed[store[i]] = decided[i]
        end = np.concatenate([closed, np.full(stores["n_unlisted"], np.datetime64("NaT"), "datetime64[D]")])[
            store
        ]
        decided = np.where(~np.isnat(end) & (decided > end), end, decided)
        order = np.argsort(decided, kind="stable")
        return {
            "store": store[order],
            "violation": violation[order],
            "sanction": sanction[order],
            "decided": decided[order],
        }

    def _active_days(self, stores: dict) -> np.ndarray:
        start = np.maximum(stores["opened"], self.window_start)
        end = np.where(np.isnat(stores["closed"]), self.as_of, np.minimum(stores["closed"], self.as_of))
        return (end - start).astype(int)

    def _window_of(self, stores: dict, store: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First day and length in days of each store's trading within the window."""
        opened = np.concatenate([stores["opened"], np.full(stores["n_unlisted"], self.window_start)])
        closed = np.concatenate(
            [stores["closed"], np.full(stores["n_unlisted"], np.datetime64("NaT"), "datetime64[D]")]
        )
        start = np.maximum(opened[store], self.window_start)
        end = np.where(np.isnat(closed[store]), self.as_of, np.minimum(closed[store], self.as_of))
        return start, np.maximum((end - start).astype(int), 0)

    # -- complaints --------------------------------------------------------------------------------
    def complaints(self, stores: dict) -> dict[str, np.ndarray]:
        cfg, rng = self.config, self.rng
        listed = len(stores["platform"])
        size = np.where(np.isnan(stores["size"]), np.nanmedian(stores["size"]), stores["size"])
        weight = size**0.8 * stores["propensity"] * np.maximum(self._active_days(stores), 0)
        weight = np.concatenate(
            [weight, np.full(stores["n_unlisted"], weight.sum() * 0.03 / stores["n_unlisted"])]
        )
        counts = rng.multinomial(cfg.complaints, weight / weight.sum())
        store = np.repeat(np.arange(len(counts)), counts)
        rng.shuffle(store)
        n = len(store)
        start, days = self._window_of(stores, store)
        filed = start.astype("datetime64[s]") + (rng.random(n) * days * 86_400).astype("timedelta64[s]")
        filed = filed.astype("datetime64[m]").astype("datetime64[s]")
        category_of_store = stores["all_category"][store]
        mix = np.cumsum(vocab.CATEGORY_MIX, axis=1)[category_of_store]
        category = (rng.random(n)[:, None] > mix).sum(axis=1).clip(0, len(vocab.COMPLAINT_CATEGORIES) - 1)
        escalated = rng.random(n) < 0.2
        tier = stores["all_tier"][store]
        slow = np.ones(len(vocab.COMPLAINT_CATEGORIES))
        slow[vocab.COMPLAINT_CATEGORIES.index(SLOW_CATEGORY)] = SLOW_FACTOR
        tier_factor = np.asarray([1.0, 1.2, 1.0, 0.9, 0.8])[tier + 1]  # unknown, small .. top
        # competing risks: a time to resolution and, independently, a time at which the complaint is
        # withdrawn or closed unresolved; whichever comes first closes it. The Kaplan-Meier curve of
        # resolution (competing closings censored) estimates the distribution of the first.
        median_days = BASE_CLOSE_DAYS * slow[category] * tier_factor * np.where(escalated, 1.3, 1.0)
        latent_days = median_days * rng.lognormal(0.0, 0.8, n)
        competing_days = COMPETING_CLOSE_DAYS * rng.lognormal(0.0, 1.0, n)
        resolved = latent_days <= competing_days
        days = np.minimum(latent_days, competing_days)
        closed = filed + (days * 86_400).astype("timedelta64[s]")
        closed = closed.astype("datetime64[m]").astype("datetime64[s]")
        as_of_end = (self.as_of + 1).astype("datetime64[s]") - np.timedelta64(1, "s")
        still_open = closed > as_of_end
        withdrawn = rng.random(n) < 0.4
        final = np.where(resolved, 0, np.where(withdrawn, 2, 1))  # resolved, closed unresolved, withdrawn
        reply = filed + (rng.lognormal(np.log(12.0), 1.0, n) * 3600).astype("timedelta64[s]")
        reply = np.minimum(reply.astype("datetime64[m]").astype("datetime64[s]"), closed)
        no_reply = (rng.random(n) < 0.1) | (reply > as_of_end)
        status = np.where(still_open, np.where(no_reply, 3, 4), final)  # 3 处理中, 4 已回复
        return {
            "store": store,
            "filed": filed,
            "closed": closed,
            "reply": reply,
            "no_reply": no_reply,
            "still_open": still_open,
            "status": status,
            "category": category,
            "escalated": escalated,
            "latent_days": latent_days,
            "listed": store < listed,
        }

    # -- writing -----------------------------------------------------------------------------------
    def write(self, out: Path) -> dict:
        cfg, rng = self.config, self.rng
        out.mkdir(parents=True, exist_ok=True)
        stores = self.stores()
        listed = len(stores["platform"])
        n_unlisted = max(5, cfg.stores // 50)
        extra = self.unlisted(n_unlisted)
        stores["n_unlisted"] = n_unlisted
        stores["all_platform"] = np.concatenate([stores["platform"], extra["platform"]])
        stores["all_category"] = np.concatenate([stores["category"], extra["category"]])
        stores["all_tier"] = np.concatenate([stores["tier"], np.full(n_unlisted, -1)])
        taken = {str(x).casefold() for x in stores["name"]}
        unlisted_names = self._unique_names(
            vocab.brands(rng, n_unlisted), extra["platform"], extra["category"], taken
        )
        all_names = np.concatenate([stores["name"], unlisted_names])
        penalties = self.penalties(stores, listed)
        complaints = self.complaints(stores)

        register = self._register_frame(stores)
        register.to_csv(out / REGISTER_FILE, index=False, encoding=ENCODING)
        complaint_frame, complaint_variants = self._complaint_frame(stores, complaints, all_names)
        complaint_frame.to_csv(out / COMPLAINTS_FILE, index=False, encoding=ENCODING)
        penalty_frame, penalty_variants = self._penalty_frame(stores, penalties, all_names)
        penalty_frame.to_csv(out / PENALTIES_FILE, index=False, encoding=ENCODING)
        truth = self._truth(stores, penalties, complaints, complaint_variants, penalty_variants)
        volumes, truth["monthly_volumes"] = volume_frame(rng, stores, self.window_start, MONTHS)
        volumes.to_csv(out / truth["monthly_volumes"]["file"], index=False, encoding=ENCODING)
        truth["files"]["monthly_volumes"] = truth["monthly_volumes"]["file"]
        truth["rows"]["monthly_volumes"] = truth["monthly_volumes"]["rows"]
        (out / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        return truth

    def _register_frame(self, stores: dict) -> pd.DataFrame:
        size = stores["size"]
        credit = np.where(stores["no_credit"], "", stores["credit"][stores["entity"]])
        return pd.DataFrame(
            {
                "店铺名称": stores["name"],
                "平台": np.asarray(vocab.PLATFORMS_ZH, dtype=object)[stores["platform"]],
                "主营类目": np.asarray(vocab.CATEGORIES_ZH, dtype=object)[stores["category"]],
                "主体公司": stores["company"][stores["entity"]],
                "统一社会信用代码": credit,
                "月均订单量": pd.Series(size).round().astype("Int64"),
                "开店日期": _dates(stores["opened"]),
                "关店日期": _dates(stores["closed"]),
            }
        )

    def _written_names(
        self, store: np.ndarray, all_names: np.ndarray, share: float
    ) -> tuple[np.ndarray, int]:
        """Store names as a file writes them: a share of rows differently from the register."""
        names = all_names[store].copy()
        rows = np.flatnonzero(self.rng.random(len(store)) < share)
        picks = self.rng.random(len(rows))
        changed = 0
        for row, u in zip(rows, picks, strict=True):
            options = vocab.variants(names[row])
            if options:
                names[row] = options[int(u * len(options))]
                changed += 1
        return names, changed

    def _complaint_frame(self, stores: dict, c: dict, all_names: np.ndarray) -> tuple[pd.DataFrame, int]:
        rng = self.rng
        n = len(c["store"])
        names, changed = self._written_names(c["store"], all_names, 0.15)
        platform = stores["all_platform"][c["store"]]
        english = rng.random(n) < 0.05
        platform_word = np.where(
            english,
            np.asarray(vocab.PLATFORMS_EN, dtype=object)[platform],
            np.asarray(vocab.PLATFORMS_ZH, dtype=object)[platform],
        )
        items = np.asarray(vocab.CATEGORY_ITEMS, dtype=object)[
            stores["all_category"][c["store"]], rng.integers(0, 3, n)
        ]
        issue = np.empty(n, dtype=object)
        for k, category in enumerate(vocab.COMPLAINT_CATEGORIES):
            rows = np.flatnonzero(c["category"] == k)
            templates = vocab.ISSUE_TEMPLATES[category]
            chosen = rng.integers(0, len(templates), len(rows))
            issue[rows] = [
                templates[t].format(item=item) for t, item in zip(chosen, items[rows], strict=True)
            ]
        price = np.asarray(vocab.CATEGORY_PRICE)[stores["all_category"][c["store"]]]
        amount = np.round(price * rng.lognormal(0.0, 0.8, n), 2)
        status_words = np.asarray(
            [
                vocab.STATUS_WORDS["resolved"],
                vocab.STATUS_WORDS["closed_unresolved"],
                vocab.STATUS_WORDS["withdrawn"],
                *vocab.OPEN_WORDS,
            ],
            dtype=object,
        )
        ids = 17_000_000_000 + rng.choice(900_000_000, n, replace=False)
        frame = pd.DataFrame(
            {
                "投诉编号": ids.astype(str),
                "投诉对象": names,
                "所属平台": platform_word,
                "投诉问题": issue,
                "投诉要求": vocab.pick(rng, vocab.DEMANDS, n),
                "涉诉金额": np.char.mod("%.2f", amount),
                "投诉时间": _minutes(c["filed"]),
                "回复时间": np.where(c["no_reply"], "", _minutes(c["reply"])),
                "完成时间": np.where(c["still_open"], "", _minutes(c["closed"])),
                "投诉进度": status_words[c["status"]],
                "是否平台介入": np.where(c["escalated"], "是", "否"),
            }
        )
        return frame.iloc[np.argsort(c["filed"], kind="stable")], changed

    def _penalty_frame(self, stores: dict, p: dict, all_names: np.ndarray) -> tuple[pd.DataFrame, int]:
        rng = self.rng
        n = len(p["store"])
        names, changed = self._written_names(p["store"], all_names, 0.15)
        listed = p["store"] < len(stores["platform"])
        company = np.full(n, "", dtype=object)
        company[listed] = stores["company"][stores["entity"][p["store"][listed]]]
        company[rng.random(n) < 0.3] = ""
        sanction_word = np.asarray([s[1] for s in vocab.SANCTIONS], dtype=object)[p["sanction"]]
        points = np.where(p["sanction"] == 1, np.char.mod("%d", rng.choice([2, 4, 6, 12], n)), "")
        fine = np.round(rng.lognormal(np.log(10_000), 1.0, n), -2)
        fine_text = np.where(p["sanction"] == 4, np.char.mod("%.2f", fine), "")
        decided = pd.DatetimeIndex(p["decided"])
        year = decided.year.astype(str)
        day_text = year + "年" + decided.month.astype(str) + "月" + decided.day.astype(str) + "日"
        prefix = np.asarray(["TB", "TM", "JD", "PDD"], dtype=object)[stores["all_platform"][p["store"]]]
        serial = np.char.mod("%06d", np.arange(1, n + 1))
        frame = pd.DataFrame(
            {
                "公告编号": prefix + "-" + np.asarray(year, dtype=object) + "-" + serial.astype(object),
                "店铺名称": names,
                "平台": np.asarray(vocab.PLATFORMS_ZH, dtype=object)[stores["all_platform"][p["store"]]],
                "经营主体": company,
                "违规类型": np.asarray([v[1] for v in vocab.VIOLATIONS], dtype=object)[p["violation"]],
                "处罚措施": sanction_word,
                "扣分": points,
                "罚款金额": fine_text,
                "处罚日期": np.asarray(day_text, dtype=object),
            }
        )
        return frame, changed

    # -- ground truth -------------------------------------------------------------------------------
    def _truth(
        self,
        stores: dict,
        p: dict,
        c: dict,
        complaint_variants: int,
        penalty_variants: int,
    ) -> dict:
        cfg = self.config
        listed = len(stores["platform"])
        tier_counts = {name: int((stores["tier"] == i).sum()) for i, name in enumerate(TIERS)}
        tier_counts["unknown"] = int((stores["tier"] == -1).sum())
        leniency = []
        for code, word, _, _ in vocab.VIOLATIONS:
            for tier_name in ("top", "large"):
                lenient = code in LENIENT_VIOLATIONS
                leniency.append(
                    {
                        "violation_type": code,
                        "violation_word": word,
                        "size_tier": tier_name,
                        "reference_tier": "small",
                        "odds_ratio": LENIENCY_ODDS_RATIO[tier_name] if lenient else 1.0,
                        "planted": lenient,
                    }
                )
        category_medians = {
            category: round(float(np.median(c["latent_days"][c["category"] == k])), 2)
            for k, category in enumerate(vocab.COMPLAINT_CATEGORIES)
        }
        pairs = self._reopenings(stores)
        mentioned = np.unique(np.concatenate([p["store"], c["store"]]))
        return {
            "generator": "storewatch examples journalist-export",
            "config": asdict(cfg)
            | {"export_date": cfg.export_date.isoformat(), "penalties": cfg.penalty_count},
            "import_as_of": cfg.export_date.isoformat(),
            "encoding": ENCODING,
            "files": {
                "store_register": REGISTER_FILE,
                "complaints": COMPLAINTS_FILE,
                "penalties": PENALTIES_FILE,
            },
            "rows": {
                "store_register": listed,
                "complaints": len(c["store"]),
                "penalties": len(p["store"]),
            },
            "stores": {
                "tiers": tier_counts,
                "closed": int((~np.isnat(stores["closed"])).sum()),
                "without_size": int(np.isnan(stores["size"]).sum()),
                "without_credit_code": int(stores["no_credit"].sum()),
                "entities": len(np.unique(stores["entity"])),
                "unlisted_mentioned": int((mentioned >= listed).sum()),
                "complaints_on_unlisted": int((c["store"] >= listed).sum()),
                "penalties_on_unlisted": int((p["store"] >= listed).sum()),
                "complaint_names_written_differently": complaint_variants,
                "penalty_names_written_differently": penalty_variants,
                "complaint_platforms_in_english": "about 5 %",
            },
            "sanction_leniency": {
                "measure": (
                    "Mantel-Haenszel common odds ratio, stratified by platform, of a sanction of demotion "
                    "or worse (降权, 下架, 罚款, 限制经营, 关店) rather than a warning or point deduction "
                    "(警告, 扣分), "
                    "size_tier stores against small stores, same violation type (penalty_consistency_test). "
                    "Tiers by 月均订单量 within the platform: share_below = (rank - 1) / n over the register "
                    "rows with a size; small < 0.50 <= mid < 0.90 <= large < 0.99 <= top. Planted as a "
                    "proportional-odds shift of the latent severity by ln(odds_ratio), so every cut of the "
                    "sanction scale has this odds ratio. The pooled row ('all') mixes planted and silent "
                    "types and has no single planted value."
                ),
                "comparisons": leniency,
            },
            "slow_category": {
                "category": SLOW_CATEGORY,
                "keyword": vocab.CATEGORY_KEYWORDS[SLOW_CATEGORY],
                "factor": SLOW_FACTOR,
                "measure": (
                    "latent days from 投诉时间 to resolution (已完成), drawn independently of the time at "
                    "which a complaint would be withdrawn (已撤诉) or closed unresolved (已关闭), whichever "
                    "comes first; its median per category is what the Kaplan-Meier median of "
                    "resolution_summary "
                    "(grouping 'category', competing closings censored) estimates. median_day_by_category: "
                    "the same in whole days as resolution_curves counts them (ceil): the median_days to "
                    "expect"
                ),
                "median_day_by_category": {k: math.ceil(v) for k, v in category_medians.items()},
                "median_days_by_category": category_medians,
            },
            "reopened_stores": {
                "planted": int(sum(pair["planted"] for pair in pairs)),
                "measure": (
                    "pairs (closed store, store of the same entity opened after its 关店日期), as "
                    "entity_scorecard.reopened_pairs; the entity is the same 主体公司 and 统一社会信用代码"
                ),
                "pairs": pairs,
            },
        }

    def _reopenings(self, stores: dict) -> list[dict]:
        """Every (closed store, later-opened store of the same entity) pair in the register."""
        platform_zh = vocab.PLATFORMS_ZH
        pairs = []
        planted = set(zip(stores["predecessors"].tolist(), stores["successors"].tolist(), strict=True))
        closed = np.flatnonzero(~np.isnat(stores["closed"]))
        for a in closed:
            same = np.flatnonzero(
                (stores["entity"] == stores["entity"][a]) & (stores["opened"] > stores["closed"][a])
            )
            for b in same[same != a]:
                pairs.append(
                    {
                        "entity": stores["company"][stores["entity"][a]],
                        "credit_code": stores["credit"][stores["entity"][a]],
                        "closed_store": stores["name"][a],
                        "closed_platform": platform_zh[stores["platform"][a]],
                        "closed_on": str(stores["closed"][a]),
                        "reopened_store": stores["name"][b],
                        "reopened_platform": platform_zh[stores["platform"][b]],
                        "reopened_on": str(stores["opened"][b]),
                        "reopened_row_has_credit_code": not bool(stores["no_credit"][b]),
                        "planted": (int(a), int(b)) in planted,
                    }
                )
        return pairs


def _dates(days: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(days, unit="D").astype(object)
    return np.where(np.isnat(days), "", text)


def _minutes(moments: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(moments, unit="m"), "T", " ").astype(object)


def generate(out: Path, config: ExportConfig | None = None) -> dict:
    """Write the three files and planted_truth.json into `out`; returns the truth."""
    return JournalistExport(config or ExportConfig()).write(Path(out))
