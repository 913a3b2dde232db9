"""Vocabulary for synthetic store and company names (Chinese and English)."""

from __future__ import annotations

import numpy as np

PLATFORMS = ["Tmall", "Taobao", "JD", "Pinduoduo", "Amazon"]
PLATFORM_SHARE = [0.30, 0.30, 0.20, 0.12, 0.08]

STORE_CATEGORIES = ["apparel", "electronics", "beauty", "food", "home", "baby", "sports", "books"]
STORE_CATEGORY_SHARE = [0.22, 0.16, 0.14, 0.12, 0.14, 0.08, 0.08, 0.06]
# median order value in CNY, drives claimed amounts and GMV
STORE_CATEGORY_PRICE = [120.0, 600.0, 150.0, 60.0, 200.0, 180.0, 250.0, 45.0]

_CATEGORY_WORD_ZH = ["服饰", "数码", "美妆", "食品", "家居", "母婴", "运动", "图书"]
_CATEGORY_WORD_EN = ["Apparel", "Electronics", "Beauty", "Foods", "Home", "Baby", "Sports", "Books"]
_BRAND_CHARS = list("华美优佳鑫盛达丰源泰恒瑞祥康宏利福安乐星光天晨锦雅润嘉诚信和顺聚鼎誉博远")
_LATIN_BRANDS = [
    "Anko",
    "Baseus",
    "Lumio",
    "Nordik",
    "Veloz",
    "Kairo",
    "Mistral",
    "Orbit",
    "Pinecrest",
    "Quanta",
    "Rivo",
    "Solace",
    "Tundra",
    "Umbra",
    "Vireo",
    "Willow",
    "Xeno",
    "Yarrow",
    "Zephyr",
    "Brightline",
    "Cobalt",
    "Dune",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
]
_SUFFIX_ZH = {
    "Tmall": ["旗舰店", "专营店", "专卖店"],
    "Taobao": ["小店", "的店", "工作室"],
    "JD": ["官方旗舰店", "专营店", "京东自营店"],
    "Pinduoduo": ["官方店", "品牌店", "工厂店"],
}
_SUFFIX_EN = ["Store", "Official", "Direct", "Outlet"]
_CITIES = ["杭州", "深圳", "广州", "义乌", "上海", "苏州", "东莞", "泉州", "宁波", "成都"]
_INDUSTRY_ZH = ["贸易", "电子商务", "科技", "实业", "商贸"]


def _pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def brand_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Brand strings and whether each is Latin (an English brand name)."""
    chars = np.asarray(_BRAND_CHARS, dtype=object)
    length = rng.integers(2, 4, n)
    picks = chars[rng.integers(0, len(chars), (n, 3))]
    chinese = np.where(length == 2, picks[:, 0] + picks[:, 1], picks[:, 0] + picks[:, 1] + picks[:, 2])
    latin = rng.random(n) < 0.2
    return np.where(latin, _pick(rng, _LATIN_BRANDS, n), chinese), latin


def store_names(
    rng: np.random.Generator, platforms: np.ndarray, categories: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Store names as shown on each platform, plus the brand they were built from."""
    n = len(platforms)
    brands, latin = brand_names(rng, n)
    names = np.empty(n, dtype=object)
    suffix_pick = rng.integers(0, 3, n)
    english_suffix = _pick(rng, _SUFFIX_EN, n)
    latin_pool = _pick(rng, _LATIN_BRANDS, n)
    for i in range(n):
        platform = platforms[i]
        category = categories[i]
        if platform == "Amazon":
            brand = brands[i] if latin[i] else latin_pool[i]
            names[i] = f"{brand} {_CATEGORY_WORD_EN[category]} {english_suffix[i]}"
        else:
            names[i] = f"{brands[i]}{_CATEGORY_WORD_ZH[category]}{_SUFFIX_ZH[platform][suffix_pick[i]]}"
    return names, brands


def company_names(rng: np.random.Generator, brands: np.ndarray) -> np.ndarray:
    n = len(brands)
    cities = _pick(rng, _CITIES, n)
    industries = _pick(rng, _INDUSTRY_ZH, n)
    return np.asarray(
        [f"{c}{b}{i}有限公司" for c, b, i in zip(cities, brands, industries, strict=True)], dtype=object
    )


def registration_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """18-character codes shaped like unified social credit codes (synthetic, not valid ones)."""
    alphabet = np.asarray(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), dtype=object)
    body = alphabet[rng.integers(0, len(alphabet), (n, 16))]
    return np.asarray(["91" + "".join(row) for row in body], dtype=object)
