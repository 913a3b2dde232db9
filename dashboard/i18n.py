"""Interface strings in Chinese and English. Store and company names are never translated."""

from __future__ import annotations

import streamlit as st

LANGUAGES = ("zh", "en")
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

# key: (English, Chinese)
STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Storewatch", "店铺观察"),
    "tagline": (
        "Merchant accountability: complaints, penalties and how fast stores resolve them.",
        "商家问责：投诉、处罚，以及店铺解决投诉的速度。",
    ),
    "language": ("Language / 语言", "语言 / Language"),
    "nav_overview": ("Overview", "总览"),
    "nav_store": ("Check a store", "查询店铺"),
    "nav_consistency": ("Penalty consistency", "处罚一致性"),
    "nav_resolution": ("Resolution times", "解决时长"),
    "nav_downloads": ("Data & downloads", "数据与下载"),
    "nav_methodology": ("Methodology", "方法说明"),
    "synthetic_banner": (
        "SYNTHETIC DATA: this warehouse holds generated demo records. "
        "No store, company, complaint or penalty shown here is real.",
        "合成数据（SYNTHETIC）：本数据库包含生成的演示记录，此处显示的店铺、公司、投诉和处罚均非真实。",
    ),
    "mixed_banner": (
        "MIXED DATA: this warehouse mixes synthetic example records (source {synthetic}) with real "
        "records (source {real}). Figures on this page count both; the extracts mark each row's source.",
        "混合数据：本数据库同时包含合成示例记录（来源 {synthetic}）和真实记录（来源 {real}）。"
        "本页数字同时计入两者；导出数据逐行标明来源。",
    ),
    "page_failed": (
        "This page could not be shown because of an unexpected error. "
        "Error id: {error_id} (the server's log holds the details under this id).",
        "本页因意外错误无法显示。错误编号：{error_id}（服务器日志中按此编号记录了详情）。",
    ),
    "warehouse_name": ("Warehouse: {name}", "数据库：{name}"),
    "warehouse_missing": (
        "No warehouse has been built yet. Build the demo with `./storewatch etl demo` "
        "(or load a real source), then reload this page.",
        "尚未建立数据库。请运行 `./storewatch etl demo` 生成演示数据（或导入真实数据源），然后刷新本页。",
    ),
    "metrics_missing": (
        "The metric tables ({tables}) are not built in this warehouse yet. "
        "Rebuild it with `./storewatch etl demo` once the metrics layer is installed.",
        "此数据库尚未建立指标表（{tables}）。指标层就绪后，请运行 `./storewatch etl demo` 重新生成。",
    ),
    "as_of": ("As of {date}", "数据截至 {date}"),
    "ignored_values": (
        "Not applied (not a known value or not a date): {values}",
        "未应用（不是已知取值或不是日期）：{values}",
    ),
    "sources": ("Sources", "数据来源"),
    "synthetic_tag": ("synthetic", "合成"),
    "licence": ("licence", "许可"),
    "no_data_filter": ("No records match these filters.", "没有符合筛选条件的记录。"),
    # filters
    "platform": ("Platform", "平台"),
    "period": ("Period", "时间段"),
    "category": ("Complaint category", "投诉类别"),
    "store_category": ("Store category", "店铺类目"),
    "violation": ("Violation type", "违规类型"),
    "size_tier": ("Size tier", "规模分层"),
    "store_id": ("Store id", "店铺编号"),
    "store_name": ("Store", "店铺"),
    "penalty_id": ("Penalty id", "处罚编号"),
    "all": ("all", "全部"),
    "tier_small": ("small", "小型"),
    "tier_mid": ("mid", "中型"),
    "tier_large": ("large", "大型"),
    "tier_top": ("top", "头部"),
    "tier_unknown": ("unknown", "未知"),
    "tier_all": ("all stores", "全部店铺"),
    # charts
    "download_chart_csv": ("Chart data (CSV)", "图表数据（CSV）"),
    "month": ("Month", "月份"),
    "complaints": ("Complaints", "投诉"),
    "disputes": ("Disputes", "纠纷"),
    "penalties": ("Penalties", "处罚"),
    "stores": ("Stores", "店铺"),
    "orders_12m": ("Orders, last 12 months", "近12个月订单数"),
    "dispute_rate": ("Disputes per 1,000 orders", "每千单纠纷数"),
    "expected_rate": ("Platform rate", "平台平均"),
    "limit_95": ("95 % limits", "95% 控制限"),
    "limit_998": ("99.8 % limits", "99.8% 控制限"),
    "days": ("Days since filed", "投诉后天数"),
    "share_unresolved": ("Share still unresolved", "尚未解决的比例"),
    "sanction_rate": ("Sanctions per 1,000 matching complaints", "每千件同类投诉的处罚数"),
    "mean_severity": ("Mean severity (1 = warning … 7 = closure)", "平均严重程度（1=警告…7=关店）"),
    "share_warning_only": ("Share given only a warning", "仅警告的比例"),
    # overview
    "overview_title": ("Overview", "总览"),
    "headline": ("Headline figures", "核心数据"),
    "trend": ("Complaints and penalties per month", "每月投诉与处罚"),
    "funnel": ("Dispute rate against store size (funnel plot)", "纠纷率与店铺规模（漏斗图）"),
    "funnel_note": (
        "Each point is a store. Points outside the dashed lines differ from the platform rate by more "
        "than chance and over-dispersion explain. Click a point to open its store page.",
        "每个点代表一家店铺。虚线之外的点与平台平均水平的差异超出了偶然波动所能解释的范围。点击某个点可打开该店铺页面。",
    ),
    "funnel_platform": ("Platform for the funnel plot", "漏斗图平台"),
    "findings": ("What the data show", "数据揭示了什么"),
    "open_store": ("Open store page: {name}", "打开店铺页面：{name}"),
    "no_rate_platform": (
        "No store on this platform has order volumes, so no dispute rate can be computed.",
        "该平台没有店铺的订单量数据，无法计算纠纷率。",
    ),
    # store
    "store_title": ("Check a store", "查询店铺"),
    "search_label": (
        "Store or company name (Chinese or English, partial or misspelt), or registration number",
        "店铺或公司名称（中文或英文，可部分输入或有错别字），或统一社会信用代码",
    ),
    "search_results": ("Matching stores", "匹配的店铺"),
    "search_query_cut": (
        "Only the first {n} characters of the search were used.",
        "只按搜索内容的前 {n} 个字符查找。",
    ),
    "search_incomplete": (
        "The search stopped after {s} s: stores with a similar (not identical) name may be missing. "
        "Type more of the name to narrow it.",
        "搜索在 {s} 秒后停止：名称相近（而非相同）的店铺可能未列出。请输入更完整的名称以缩小范围。",
    ),
    "store_not_found": (
        "No store found for “{q}”. Try fewer characters or another spelling.",
        "未找到与“{q}”匹配的店铺。请尝试更少的字或其他写法。",
    ),
    "unknown_store": ("No store with id {id} in this warehouse.", "本数据库中没有编号为 {id} 的店铺。"),
    "entity": ("Legal entity", "经营主体"),
    "registration": ("Registration number", "统一社会信用代码"),
    "opened": ("Opened", "开店"),
    "closed": ("Closed", "关店"),
    "still_open": ("still trading", "仍在营业"),
    "trading_unknown": ("trading status {reason}", "营业状态{reason}"),
    "not_available_value": ("not available", "不可用"),
    "not_checked": ("Not checked: {reasons}", "未核查：{reasons}"),
    "findings_not_stated": (
        "Not stated, for lack of a basis in these sources:",
        "以下内容因数据来源缺乏依据而未作陈述：",
    ),
    "resolution_left_out": (
        "Left out of resolution times: {reasons}",
        "未计入解决时长：{reasons}",
    ),
    "resolution_sentence_shares": (
        "{complaints} complaints in 12 months: {resolved} % resolved, {open} % still open.",
        "近12个月投诉 {complaints} 件：已解决 {resolved}%，仍未结 {open}%。",
    ),
    "scorecard": ("Scorecard", "评分卡"),
    "too_few": (
        "Too few records to judge this store's dispute rate.",
        "记录太少，无法判断该店铺的纠纷率。",
    ),
    "rate_unavailable": (
        "Order volumes are unknown for this store, so a dispute rate cannot be computed; "
        "counts and shares are shown instead.",
        "该店铺订单量未知，无法计算纠纷率，以下显示数量与比例。",
    ),
    "rate_sentence": (
        "{rate} disputes per 1,000 orders over the last 12 months (95 % interval {low} to {high}), "
        "from {disputes} disputes on {orders} orders.",
        "近12个月每千单纠纷 {rate} 起（95% 区间 {low} 至 {high}），共 {orders} 单中 {disputes} 起纠纷。",
    ),
    "peer_sentence": (
        "Compared with {tier} stores in {category}: higher than {pct} % of them.",
        "与{category}类目的{tier}店铺相比：高于其中 {pct}% 的店铺。",
    ),
    "funnel_inside": (
        "Within the range expected for a store of its size.",
        "处于同等规模店铺的预期范围之内。",
    ),
    "funnel_above_95": ("Above the expected range (95 % limit).", "高于预期范围（95% 控制限）。"),
    "funnel_above_998": (
        "Well above the expected range (99.8 % limit).",
        "远高于预期范围（99.8% 控制限）。",
    ),
    "funnel_below_95": ("Below the expected range (95 % limit).", "低于预期范围（95% 控制限）。"),
    "funnel_below_998": (
        "Well below the expected range (99.8 % limit).",
        "远低于预期范围（99.8% 控制限）。",
    ),
    "funnel_not_applicable": ("No funnel comparison possible.", "无法进行漏斗图比较。"),
    "resolution_sentence": (
        "{complaints} complaints in 12 months: {resolved} % resolved, {open} % still open, "
        "{escalated} % escalated to the platform.",
        "近12个月投诉 {complaints} 件：已解决 {resolved}%，仍未结 {open}%，升级至平台介入 {escalated}%。",
    ),
    "median_sentence": (
        "Half of its complaints are resolved within {median} days; 90 % within {p90} days.",
        "一半投诉在 {median} 天内解决；90% 在 {p90} 天内解决。",
    ),
    "median_unknown": (
        "Fewer than half of its complaints have been resolved, so no median time can be given.",
        "已解决的投诉不足一半，无法给出中位解决时间。",
    ),
    "store_curve_title": (
        "Share of this store's complaints still unresolved, day by day, beside stores of its size",
        "本店投诉随时间仍未解决的比例，与同等规模店铺对比",
    ),
    "this_store": ("this store", "本店"),
    "red_flags": ("Red flags", "风险提示"),
    "no_red_flags": ("No red flags in these records.", "这些记录中没有风险提示。"),
    "flag_funnel": ("Dispute rate well above stores of its size.", "纠纷率明显高于同等规模店铺。"),
    "flag_penalties": ("{n} penalties in the last 24 months.", "近24个月内受到 {n} 次处罚。"),
    "flag_repeat": (
        "Its legal entity is a repeat offender (penalties on several stores or after a closure).",
        "其经营主体屡次违规（多家店铺受罚或关店后再次受罚）。",
    ),
    "flag_reopened": (
        "Its legal entity reopened a store after a closure.",
        "其经营主体在关店后重新开店。",
    ),
    "penalties_24m": ("Penalties in the last 24 months", "近24个月的处罚"),
    "no_penalties": ("No penalties recorded in the last 24 months.", "近24个月没有处罚记录。"),
    "document": ("Document", "文书"),
    "decided": ("Decided", "决定日期"),
    "authority": ("Authority", "处罚机关"),
    "sanction": ("Sanction", "处罚类型"),
    "points": ("Points", "扣分"),
    "fine": ("Fine", "罚款"),
    "currency": ("Currency", "币种"),
    "other_stores": ("Other stores of the same legal entity", "同一经营主体的其他店铺"),
    "no_other_stores": ("No other stores recorded for this entity.", "该主体没有其他店铺记录。"),
    "succeeds": (
        "Closed stores of the same entity that this store follows",
        "本店开业前同一主体已关闭的店铺",
    ),
    "store_link": ("Link to this store page", "本店铺页面链接"),
    "back_to_search": ("New search", "重新搜索"),
    # consistency
    "consistency_title": ("Penalty consistency across store sizes", "不同规模店铺的处罚一致性"),
    "consistency_intro": (
        "Like for like: within each violation type, how often and how severely stores of each size "
        "tier were sanctioned.",
        "同类比较：在每种违规类型内，不同规模店铺受到处罚的频率和严重程度。",
    ),
    "stratified_test": ("Stratified comparison against small stores", "与小型店铺的分层比较"),
    "odds_ratio": ("Odds ratio", "优势比"),
    "drilldown": ("The underlying penalties", "相关处罚明细"),
    "drilldown_count": ("{n} penalties; showing the latest {shown}.", "共 {n} 条处罚；显示最近 {shown} 条。"),
    "severity_mix": ("Sanctions by severity and size tier", "按严重程度与规模分层的处罚"),
    # resolution
    "resolution_title": ("Resolution times", "解决时长"),
    "group_by": ("Compare by", "比较维度"),
    "grouping_all": ("all complaints", "全部投诉"),
    "grouping_size_tier": ("size tier", "规模分层"),
    "grouping_category": ("complaint category", "投诉类别"),
    "grouping_platform": ("platform", "平台"),
    "grouping_merchant": ("chosen stores", "选定店铺"),
    "censoring_note": (
        "Complaints still open on the as-of date are counted as unresolved up to that date (right-"
        "censored), not dropped and not treated as resolved. Complaints withdrawn or closed without "
        "resolution are a competing outcome and are not counted as resolved.",
        "截至数据日期仍未结的投诉计为截至该日未解决（右删失），既不删除也不视为已解决。撤诉或未解决即关闭的投诉属于竞争结局，不计为已解决。",
    ),
    "logrank": (
        "Log-rank test across groups: chi² = {chi2} on {df} df, p = {p}.",
        "组间对数秩检验：chi² = {chi2}，自由度 {df}，p = {p}。",
    ),
    "summary_table": ("Medians and shares resolved", "中位时长与解决比例"),
    "no_store_curves": (
        "Per-store curves are not in the warehouse for these stores.",
        "数据库中没有这些店铺的单独曲线。",
    ),
    "stores_to_compare": ("Stores to compare (up to {n})", "要比较的店铺（最多 {n} 家）"),
    "stores_placeholder": ("Search above, then choose stores here", "先在上方搜索，再在此选择店铺"),
    "stores_found": (
        "{n} matching stores: choose them in the list below.",
        "{n} 家匹配店铺：请在下方列表中选择。",
    ),
    "stores_hint": (
        "To compare stores, search for stores by name above and choose up to {n} of them.",
        "如需比较店铺，请在上方按名称搜索，最多选择 {n} 家。",
    ),
    "stores_without_curves": (
        "No per-store curve in the warehouse for: {names}",
        "数据库中没有以下店铺的单独曲线：{names}",
    ),
    "stores_left_out": (
        "Not applied (at most {n} stores are compared at once): {ids}",
        "未应用（最多同时比较 {n} 家店铺）：{ids}",
    ),
    # downloads
    "downloads_title": ("Data and downloads", "数据与下载"),
    "dataset": ("Table", "数据表"),
    "ds_complaints": ("Complaints", "投诉"),
    "ds_penalties": ("Penalties", "处罚"),
    "ds_scorecards": ("Store scorecards", "店铺评分卡"),
    "ds_consistency": ("Penalty consistency results", "处罚一致性结果"),
    "rows_match": ("{n} rows match these filters.", "{n} 行符合筛选条件。"),
    "preview": (
        "Preview: the first {n} rows of the download, which is sorted by date",
        "预览：下载文件（按日期排序）的前 {n} 行",
    ),
    "download_csv": ("Download CSV", "下载 CSV"),
    "download_parquet": ("Download Parquet", "下载 Parquet"),
    "download_dictionary": ("Download data dictionary", "下载数据字典"),
    "too_many_rows": (
        "{n} rows is more than the {cap} a browser download allows. Narrow the filters, or use "
        "`storewatch export` from the command line.",
        "{n} 行超过浏览器下载上限 {cap} 行。请缩小筛选范围，或在命令行使用 `storewatch export`。",
    ),
    "dictionary": ("Data dictionary", "数据字典"),
    "citation": ("Cite this extract", "引用本数据"),
    "csv_note": (
        "CSV is UTF-8 with a byte-order mark (so spreadsheets read Chinese correctly). Text cells that "
        "begin with = + - @, a tab or a carriage return are prefixed with ' so spreadsheets do not run "
        "them as formulas; the Parquet file holds the values unchanged.",
        "CSV 为带 BOM 的 UTF-8 编码（便于电子表格正确显示中文）。以 = + - @、制表符或回车开头的文本单元格前加 '，"  # noqa: E501
        "防止被电子表格当作公式执行；Parquet 文件保留原值。",
    ),
    "dataset_needs_metrics": (
        "This table comes from the metrics layer, which is not built in this warehouse yet.",
        "该数据表来自指标层，本数据库尚未生成。",
    ),
    # methodology
    "methodology_title": ("Methodology", "方法说明"),
    "methodology_missing": (
        "The methodology note has not been written yet (docs/methodology.md). "
        "The definitions used are summarised in the design notes and the metric table contract.",
        "方法说明尚未撰写（docs/methodology.zh.md）。所用定义见设计说明与指标表约定。",
    ),
}


# What a store sells (merchants.category); codes without an entry are shown as they are.
STORE_CATEGORIES: dict[str, tuple[str, str]] = {
    "apparel": ("apparel", "服饰"),
    "electronics": ("electronics", "数码"),
    "beauty": ("beauty", "美妆"),
    "food": ("food", "食品"),
    "home": ("home", "家居"),
    "baby": ("baby", "母婴"),
    "sports": ("sports", "运动"),
    "books": ("books", "图书"),
}


def store_category_label(code: str | None) -> str:
    if code is None or code != code:  # None or NaN
        return "–"
    en, zh = STORE_CATEGORIES.get(code, (code, code))
    return zh if lang() == "zh" else en


def lang() -> str:
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else "en"


def t(key: str, **values: object) -> str:
    """The interface string `key` in the session's language, with `values` filled in."""
    en, zh = STRINGS[key]
    text = zh if lang() == "zh" else en
    return text.format(**values) if values else text


def tier_label(tier: str | None) -> str:
    key = f"tier_{tier}"
    return t(key) if key in STRINGS else str(tier)


def default_language(locale: str | None) -> str:
    """Chinese for a Chinese browser, English otherwise."""
    return "zh" if locale and locale.lower().startswith("zh") else "en"
