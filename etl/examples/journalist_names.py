"""Vocabulary of the generated journalist export: platforms, store and company names, credit codes,
complaint wording, violation and sanction words, and the ways a scrape writes one name differently."""

from __future__ import annotations

import numpy as np

from etl.sources.demo import COMPLAINT_CATEGORIES as DEMO_COMPLAINT_CATEGORIES

# As Chinese sites write them; the complaint site sometimes uses the English name instead.
PLATFORMS_ZH = ["淘宝", "天猫", "京东", "拼多多"]
PLATFORMS_EN = ["Taobao", "Tmall", "JD", "Pinduoduo"]
PLATFORM_SHARE = [0.35, 0.30, 0.20, 0.15]
STORE_SUFFIXES = [
    ["小店", "的店", "工作室", "企业店"],
    ["旗舰店", "专营店", "专卖店", "官方旗舰店"],
    ["官方旗舰店", "自营旗舰店", "专营店", "旗舰店"],
    ["官方店", "品牌店", "工厂店", "旗舰店"],
]
SUCCESSOR_SUFFIXES = ["新店", "二店", "优选店", "精品店"]

CATEGORIES_ZH = ["服饰", "数码", "美妆", "食品", "家居", "母婴", "运动", "图书"]
CATEGORY_SHARE = [0.22, 0.16, 0.14, 0.12, 0.14, 0.08, 0.08, 0.06]
CATEGORY_PRICE = [120.0, 600.0, 150.0, 60.0, 200.0, 180.0, 250.0, 45.0]  # median order value, CNY
CATEGORY_ITEMS = [
    ["外套", "连衣裙", "裤子"],
    ["耳机", "充电器", "手机"],
    ["面霜", "口红", "精华液"],
    ["坚果礼盒", "奶粉", "茶叶"],
    ["床垫", "台灯", "收纳柜"],
    ["纸尿裤", "婴儿车", "奶瓶"],
    ["跑鞋", "瑜伽垫", "球拍"],
    ["教材", "绘本", "词典"],
]
_BRAND_CHARS = list("华美优佳鑫盛达丰源泰恒瑞祥康宏利福安乐星光天晨锦雅润嘉诚信和顺聚鼎誉博远")
_LATIN_BRANDS = ["Anko", "Lumio", "Nordik", "Veloz", "Kairo", "Orbit", "Quanta", "Rivo", "Solace", "Vireo"]
_LATIN_BRANDS += ["Zephyr", "Cobalt", "Ember", "Fjord", "Harbor", "Iris", "Juniper", "K9", "Max3", "Neo7"]
# city, and the administrative division code that starts its credit codes (GB/T 2260)
CITIES = [
    ("杭州", "330100"),
    ("深圳", "440300"),
    ("广州", "440100"),
    ("义乌", "330782"),
    ("上海", "310115"),
    ("苏州", "320500"),
    ("东莞", "441900"),
    ("泉州", "350500"),
    ("宁波", "330200"),
    ("成都", "510100"),
]
_INDUSTRIES = ["贸易", "电子商务", "科技", "实业", "商贸", "网络科技"]

# Traditional forms of characters the names use (each one OpenCC t2s turns back into the simplified).
_TRADITIONAL_PAIRS = (
    "华華 优優 达達 丰豐 恒恆 顺順 誉譽 远遠 乐樂 锦錦 润潤 诚誠 饰飾 数數 码碼 妆妝 婴嬰 运運 动動 图圖 "
    "书書 舰艦 专專 营營 卖賣 厂廠 选選 宁寧 广廣 苏蘇 乌烏 贸貿 实實 电電 务務 网網 络絡 门門 业業"
)
TRADITIONAL = str.maketrans({pair[0]: pair[1] for pair in _TRADITIONAL_PAIRS.split()})
_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})

# the demo's order: the rows of the category mix below follow it
COMPLAINT_CATEGORIES = DEMO_COMPLAINT_CATEGORIES
# complaint-category mix per store category (rows follow CATEGORIES_ZH)
CATEGORY_MIX = np.array(
    [
        # qual  nad   refund return deliv promo count serv  other
        [0.20, 0.22, 0.12, 0.14, 0.10, 0.06, 0.06, 0.06, 0.04],
        [0.30, 0.12, 0.12, 0.10, 0.10, 0.08, 0.08, 0.06, 0.04],
        [0.18, 0.14, 0.10, 0.08, 0.08, 0.10, 0.20, 0.07, 0.05],
        [0.34, 0.10, 0.12, 0.04, 0.20, 0.06, 0.04, 0.06, 0.04],
        [0.28, 0.16, 0.12, 0.10, 0.16, 0.06, 0.03, 0.05, 0.04],
        [0.30, 0.12, 0.12, 0.08, 0.10, 0.06, 0.12, 0.06, 0.04],
        [0.24, 0.16, 0.12, 0.12, 0.12, 0.06, 0.10, 0.04, 0.04],
        [0.16, 0.10, 0.12, 0.10, 0.30, 0.06, 0.08, 0.04, 0.04],
    ]
)
# The word in 投诉问题 that the mapping's keywords read as the category (exactly one per text).
CATEGORY_KEYWORDS = {
    "quality": "质量",
    "not_as_described": "描述不符",
    "refund_refused": "退款",
    "return_refused": "退货",
    "delivery": "发货",
    "false_promotion": "虚假促销",
    "counterfeit": "假货",
    "service_attitude": "态度",
}
# 投诉问题 templates per category ({item} is something the store sells); none holds another's keyword
ISSUE_TEMPLATES = {
    "quality": [
        "{item}质量问题，用了两天就坏了",
        "收到的{item}质量太差，有明显瑕疵",
        "{item}存在质量问题，商家不处理",
    ],
    "not_as_described": ["{item}与商品描述不符，颜色尺寸都不对", "实物与描述不符，{item}是旧款"],
    "refund_refused": [
        "申请仅退款被商家拒绝，{item}未收到",
        "商家拖延退款，{item}已寄回一个月",
        "已退回{item}，商家迟迟不退款",
    ],
    "return_refused": ["七天无理由退货被拒，{item}未拆封", "{item}申请退货商家不同意"],
    "delivery": ["付款后迟迟不发货，{item}一直显示待发货", "{item}发货后物流停滞半个月"],
    "false_promotion": ["虚假促销，{item}先涨价再打折", "{item}满减活动是虚假促销，优惠券无法使用"],
    "counterfeit": ["收到的{item}疑似假货，要求鉴定", "{item}是假货，与专柜正品不一致"],
    "service_attitude": ["客服态度恶劣，辱骂消费者", "询问{item}问题时客服态度差，不予理睬"],
    "other": [
        "商家私自取消订单，{item}不再销售",
        "购买{item}后商家不开发票",
        "商家泄露个人信息，频繁骚扰电话",
    ],
}
DEMANDS = ["退款", "退货退款", "赔偿", "换货", "道歉", "三倍赔偿", "补发"]

# violation code, the word on the notice, share of notices, shift of the latent severity
VIOLATIONS = [
    ("counterfeit", "售假", 0.26, 0.3),
    ("fake_orders", "虚假交易", 0.24, 0.2),
    ("false_advertising", "虚假宣传", 0.14, 0.0),
    ("refusing_returns", "拒绝退货", 0.10, -0.2),
    ("late_delivery", "延迟发货", 0.12, -0.4),
    ("price_fraud", "价格欺诈", 0.08, 0.1),
    ("delivery_fraud", "虚假发货", 0.06, 0.2),
]
# sanction code and word, least to most severe (the order of the warehouse's sanction_scale)
SANCTIONS = [
    ("warning", "警告"),
    ("point_deduction", "扣分"),
    ("demotion", "降权"),
    ("listing_removal", "下架"),
    ("fine", "罚款"),
    ("suspension", "限制经营"),
    ("closure", "关店"),
]
# share of each sanction for a small store and a neutral violation: half are demotion or worse
SANCTION_MIX = [0.30, 0.20, 0.18, 0.12, 0.10, 0.06, 0.04]
PLATFORM_SEVERITY_SHIFT = [0.0, 0.2, -0.1, 0.3]

STATUS_WORDS = {"resolved": "已完成", "closed_unresolved": "已关闭", "withdrawn": "已撤诉"}
OPEN_WORDS = ("处理中", "已回复")


def pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def brands(rng: np.random.Generator, n: int, latin_share: float = 0.2) -> np.ndarray:
    """Brand strings: two or three Chinese characters, or (latin_share of them) a Latin brand."""
    chars = np.asarray(_BRAND_CHARS, dtype=object)
    picks = chars[rng.integers(0, len(chars), (n, 3))]
    chinese = np.where(
        rng.random(n) < 0.5, picks[:, 0] + picks[:, 1], picks[:, 0] + picks[:, 1] + picks[:, 2]
    )
    return np.where(rng.random(n) < latin_share, pick(rng, _LATIN_BRANDS, n), chinese)


def store_names(
    rng: np.random.Generator, brand: np.ndarray, platform: np.ndarray, category: np.ndarray
) -> np.ndarray:
    suffix = np.asarray(STORE_SUFFIXES, dtype=object)[platform, rng.integers(0, 4, len(brand))]
    return brand + np.asarray(CATEGORIES_ZH, dtype=object)[category] + suffix


def company_names(rng: np.random.Generator, brand: np.ndarray, city: np.ndarray) -> np.ndarray:
    cities = np.asarray([c for c, _ in CITIES], dtype=object)[city]
    return cities + brand + pick(rng, _INDUSTRIES, len(brand)) + "有限公司"


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.asarray([pow(3, i, 31) for i in range(17)])
_ORG_WEIGHTS = np.asarray([3, 7, 9, 10, 5, 8, 4, 2])


def credit_codes(rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    """Unified social credit codes (GB 32100-2015) with valid check characters; synthetic numbers.

    91 (enterprise, company) + the city's division code + a 9-digit organisation code (GB 11714,
    whose own check digit is kept off 10, written X) + the check character over the first 17.
    """
    n = len(city)
    division = np.asarray([[int(d) for d in code] for _, code in CITIES])[city]
    body = rng.integers(0, 10, (n, 8))
    while True:
        org_check = (11 - (body * _ORG_WEIGHTS).sum(axis=1) % 11) % 11
        ten = org_check == 10
        if not ten.any():
            break
        body[ten, 7] = (body[ten, 7] + 1) % 10
    first17 = np.concatenate([np.tile([9, 1], (n, 1)), division, body, org_check[:, None]], axis=1)
    check = (31 - (first17 * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    letters = np.asarray(list(_USCC_ALPHABET), dtype=object)
    digits = ["".join(map(str, row)) for row in first17]
    return np.asarray(digits, dtype=object) + letters[check]


def variants(name: str) -> list[str]:
    """The ways a scrape writes this store name differently, each undone by name normalisation
    (NFKC, case folding, spaces and punctuation removed, traditional to simplified)."""
    ways = [
        name.translate(_FULL_WIDTH),
        name.upper(),
        name.lower(),
        f"{name[:2]} {name[2:]}",
        name.translate(TRADITIONAL),
        f"{name[:2]}·{name[2:]}",
    ]
    return list(dict.fromkeys(way for way in ways if way != name))
