"""月度订单量.csv of the generated journalist export: orders and GMV per store and month, for a share of
the register's stores (a second scrape, as journalists often have for some stores only).

Each store's orders over the months it traded in the window add up to exactly 月均订单量 x those
months, so the mean monthly orders merchant_tiers computes from them equals the register's
月均订单量 and the size tiers (and every planted effect that depends on them) stay the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.examples import journalist_names as vocab

VOLUMES_FILE = "月度订单量.csv"
STORE_SHARE = 0.3
# order volume by calendar month: 618 (June), Double 11 (November), Spring Festival (February)
SEASON = {2: 0.7, 6: 1.5, 11: 2.2, 12: 1.3}


def volume_frame(
    rng: np.random.Generator, stores: dict, window_start: np.datetime64, months: int
) -> tuple[pd.DataFrame, dict]:
    """Rows (store x month) for a random share of the stores with a size, and what they cover."""
    month_start = np.asarray(
        [np.datetime64(window_start, "M") + m for m in range(months + 1)], dtype="datetime64[M]"
    )
    first_day, next_first_day = (
        month_start[:-1].astype("datetime64[D]"),
        month_start[1:].astype("datetime64[D]"),
    )
    sized = np.flatnonzero(~np.isnan(stores["size"]))
    chosen = np.sort(rng.choice(sized, int(len(sized) * STORE_SHARE), replace=False))
    opened = stores["opened"][chosen][:, None]
    closed = stores["closed"][chosen][:, None]
    traded = (next_first_day[None, :] > opened) & (np.isnat(closed) | (first_day[None, :] <= closed))
    chosen, traded = chosen[traded.any(axis=1)], traded[traded.any(axis=1)]
    month_of_year = month_start[:-1].astype(int) % 12 + 1
    season = np.asarray([SEASON.get(m, 1.0) for m in month_of_year])
    weight = np.where(traded, season[None, :] * rng.lognormal(0.0, 0.15, traded.shape), 0.0)
    total = stores["size"][chosen] * traded.sum(axis=1)  # whole: 月均订单量 x months traded
    orders = np.floor(total[:, None] * weight / weight.sum(axis=1, keepdims=True))
    # the rounding remainder goes to each store's busiest month, so the sum is exact
    busiest = weight.argmax(axis=1)
    orders[np.arange(len(chosen)), busiest] += total - orders.sum(axis=1)
    store_index, month_index = np.nonzero(traded)
    count = orders[store_index, month_index].astype(np.int64)
    price = np.asarray(vocab.CATEGORY_PRICE)[stores["category"][chosen[store_index]]]
    gmv = np.round(count * price * rng.lognormal(0.0, 0.1, len(count)), 2)
    frame = pd.DataFrame(
        {
            "店铺名称": stores["name"][chosen[store_index]],
            "平台": np.asarray(vocab.PLATFORMS_ZH, dtype=object)[stores["platform"][chosen[store_index]]],
            "月份": np.datetime_as_string(month_start[:-1][month_index], unit="M").astype(object),
            "订单量": count,
            "成交额": np.char.mod("%.2f", gmv),
        }
    )
    return frame, {"file": VOLUMES_FILE, "rows": len(frame), "stores": len(chosen)}
