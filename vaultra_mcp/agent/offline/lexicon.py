"""The things a question names, in English or Spanish: products, topics, periods, metrics,
what-if changes, ids and business names.

The classifier says what a question asks; this module reads the details it needs to ask the
tools: which of the 14 funding products (``core.funding``), which window, which metric set to
what, which recommendation. The search index is English, so a Spanish question is searched
with the English words of what it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ProductWords:
    pattern: re.Pattern[str]
    products: tuple[str, ...]  # keys of core.funding products the words name
    query: str  # how the knowledge base words it


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Most specific first: a span that matches is consumed, so "SBA Express" is not also "SBA".
PRODUCT_WORDS: tuple[ProductWords, ...] = (
    ProductWords(
        _words(r"7\s?\(?a\)?\s+small|small\s+(?:sba\s+)?7\s?\(?a\)?"),
        ("sba_7a_small",),
        "SBA 7(a) Small Loan",
    ),
    ProductWords(
        _words(r"sba\s+express|express\s+loan|préstamo\s+express"),
        ("sba_express",),
        "SBA Express loan",
    ),
    ProductWords(
        _words(r"micro-?loans?|micro-?préstamos?|microcréditos?|microcreditos?"),
        ("sba_microloan",),
        "SBA Microloan",
    ),
    ProductWords(_words(r"7\s?\(a\)|\b7a\b|\bsba\b"), ("sba_7a",), "SBA 7(a) loan"),
    ProductWords(_words(r"stripe\s+capital"), ("stripe_capital",), "Stripe Capital"),
    ProductWords(
        _words(r"revenue[- ]based|\brbf\b|basad[oa]s?\s+en\s+(?:los\s+|sus\s+)?ingresos"),
        ("revenue_based_financing",),
        "revenue-based financing",
    ),
    ProductWords(
        _words(r"cash\s+advance|\bmca\b|adelantos?\s+de\s+efectivo|anticipos?\s+de\s+efectivo"),
        ("merchant_cash_advance",),
        "merchant cash advance",
    ),
    ProductWords(
        _words(r"factoring|factoraje|\binvoices?\b|facturas?\b"),
        ("invoice_factoring",),
        "invoice factoring",
    ),
    ProductWords(
        _words(
            r"equipment|machinery|vehicles?|(?:delivery|cargo|work|new|used|a|the|our|my)\s+vans?\b|trucks?|\bovens?\b|\bequipos?\b|"
            r"maquinaria|vehículos?|camionetas?|furgonetas?|camión|hornos?"
        ),
        ("equipment_financing",),
        "equipment financing",
    ),
    ProductWords(_words(r"clearco"), ("clearco",), "Clearco"),
    ProductWords(
        _words(
            r"bank\s+(?:line\s+of\s+credit|credit\s+line|loc)|"
            r"línea\s+de\s+crédito\s+(?:bancaria|(?:de|del|en)\s+(?:un\s+|el\s+)?banco)"
        ),
        ("bank_line_of_credit",),
        "bank line of credit",
    ),
    ProductWords(
        _words(r"online\s+(?:line\s+of\s+credit|credit\s+line)|línea\s+de\s+crédito\s+en\s+línea"),
        ("online_line_of_credit",),
        "online line of credit",
    ),
    ProductWords(
        _words(r"lines?\s+of\s+credit|credit\s+lines?|\bloc\b|líneas?\s+de\s+crédito"),
        ("bank_line_of_credit", "online_line_of_credit"),
        "line of credit",
    ),
    ProductWords(
        _words(r"bank\s+(?:term\s+)?loan|préstamo\s+bancario|préstamo\s+(?:de|del)\s+banco"),
        ("bank_term_loan",),
        "bank term loan",
    ),
    ProductWords(
        _words(r"online\s+(?:term\s+)?loan|préstamo\s+en\s+línea"),
        ("online_term_loan",),
        "online term loan",
    ),
    ProductWords(
        _words(r"term\s+loans?|préstamos?\s+a\s+plazo"),
        ("bank_term_loan", "online_term_loan"),
        "term loan",
    ),
)

# Spanish financing words and the English the knowledge base uses for them.
SPANISH_TOPICS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_words(pattern), english)
    for pattern, english in (
        (r"documento|papeles|papeleo|documentación", "documents lenders ask for"),
        (r"estados?\s+de\s+cuenta|extractos?\s+bancarios", "bank statements"),
        (r"declaraci[oó]n(?:es)?\s+de\s+impuestos", "tax returns"),
        (r"garant[ií]a|colateral|\baval", "collateral personal guarantee"),
        (r"tasas?\s+de\s+inter[eé]s|\binter[eé]s", "interest rate"),
        (r"tasa\s+de\s+factor", "factor rate"),
        (
            r"puntaje\s+de\s+cr[eé]dito|puntuaci[oó]n\s+de\s+cr[eé]dito|historial\s+crediticio",
            "credit score",
        ),
        (r"cr[eé]dito\s+(?:empresarial|comercial)", "business credit"),
        (r"cobertura.*deuda|\bdscr\b", "debt service coverage ratio DSCR"),
        (r"paydex", "PAYDEX"),
        (r"intelliscore|experian", "Experian Intelliscore"),
        (r"equifax", "Equifax business credit"),
        (r"\bduns\b|d-u-n-s", "D-U-N-S number"),
        (r"vamp|visa", "Visa VAMP dispute program"),
        (r"mastercard", "Mastercard chargeback programs"),
        (r"disputa|contracargo", "disputes chargebacks"),
        (r"reembols|devoluci", "refunds"),
        (r"estacional|temporada", "seasonal business"),
        (r"concentraci[oó]n", "customer concentration"),
        (r"antigüedad|tiempo\s+en\s+el\s+negocio", "time in business"),
        (r"requisito|califico|calificar|elegible|me\s+aprueb", "requirements who qualifies"),
        (r"cu[aá]nto\s+tarda|tiempo\s+de\s+aprobaci", "how long approval takes"),
        (r"puntuaci[oó]n\s+de\s+preparaci|puntuaci[oó]n\s+de\s+vaultra", "readiness score"),
        (r"tasa\s+de\s+aprobaci", "loan approval rates"),
        (r"préstamo|prestamo", "loan"),
    )
)


def products_in(text: str) -> tuple[str, ...]:
    """The funding products ``text`` names, in the order the word lists define them."""
    remaining, found = text, list[str]()
    for words in PRODUCT_WORDS:
        if words.pattern.search(remaining):
            found.extend(p for p in words.products if p not in found)
            remaining = words.pattern.sub(" ", remaining)
    return tuple(found)


def product_query(text: str) -> str:
    """The knowledge base's words for the products ``text`` names ("" when none)."""
    remaining, names = text, list[str]()
    for words in PRODUCT_WORDS:
        if words.pattern.search(remaining):
            names.append(words.query)
            remaining = words.pattern.sub(" ", remaining)
    return ", ".join(names)


def english_query(text: str) -> str:
    """A Spanish question's subject in the English of the knowledge base."""
    topics = [english for pattern, english in SPANISH_TOPICS if pattern.search(text)]
    parts = [product_query(text), *topics]
    return " ".join(p for p in parts if p) or "small business financing"


PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "90d",
        _words(
            r"90 days|ninety days|\b3 months|three months|quarter|90 d[ií]as|3 meses|"
            r"tres meses|trimestre"
        ),
    ),
    ("6m", _words(r"\b6 months|six months|half.?year|6 meses|seis meses|semestre")),
    (
        "12m",
        _words(
            r"12 months|twelve months|\byears?\b|annual|yearly|12 meses|doce meses|"
            r"\baños?\b|anual"
        ),
    ),
)


def period(text: str) -> str:
    """The metric window a question names; the last 90 days when it names none."""
    return next((key for key, pattern in PERIODS if pattern.search(text)), "90d")


FOCUS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("disputes", _words(r"disput|chargeback|contracargo")),
    ("refunds", _words(r"refund|returns?\b|reembols|devoluci")),
    ("customers", _words(r"customer|client|cliente")),
    ("growth", _words(r"grow|trend|crec|tendencia")),
    ("payouts", _words(r"payout|pagos?\s+fallid|transferencias?")),
    (
        "ticket",
        _words(
            r"average\s+(?:order|ticket|sale|payment)|ticket\s+promedio|"
            r"valor\s+promedio"
        ),
    ),
    (
        "volume",
        _words(
            r"revenue|sales|volume|sold|sell|made|make|earn|process|gross|ingreso|"
            r"venta|vend|factur|volumen"
        ),
    ),
)


SCORE_WORDS = _words(r"score|readiness|ready|fundab|puntuaci|puntaje|preparaci|listo")
# A question that names the paper it asks about is searched as asked; "what paperwork do I
# need?" names none, and is searched as the documents lenders ask for.
DOCUMENT_WORDS = _words(
    r"document|statement|tax return|return|p&l|profit and loss|balance sheet|business plan|"
    r"form|licen[cs]e|record|schedule"
)


def metric_focus(text: str) -> tuple[str, ...]:
    """Which figures a metrics question is about, so the answer leads with them."""
    return tuple(key for key, pattern in FOCUS if pattern.search(text))


@dataclass(frozen=True)
class Metric:
    key: str  # a simulate_readiness change
    pattern: re.Pattern[str]
    kind: str  # "pct" (a percentage), "money" (dollars, sent as cents), "count" or "ratio"


WHAT_IF_METRICS: tuple[Metric, ...] = (
    Metric(
        "top3_customer_share_pct",
        _words(
            r"top (?:three|3) (?:customers?|clients?)|tres (?:mayores|principales) "
            r"clientes"
        ),
        "pct",
    ),
    Metric(
        "top_customer_share_pct",
        _words(
            r"(?:largest|biggest|top|main|best|anchor) (?:customer|client)|cliente "
            r"(?:más grande|principal|mayor)|(?:mayor|principal) cliente"
        ),
        "pct",
    ),
    Metric("dispute_activity_pct", _words(r"disput|chargeback|contracargo"), "pct"),
    Metric("refund_rate_pct", _words(r"refund|returns?\b|reembols|devoluci"), "pct"),
    Metric("failed_payouts", _words(r"failed payouts?|payout failures?|pagos? fallidos?"), "count"),
    Metric("distinct_customers", _words(r"customers|clients|clientes"), "count"),
    Metric("months_of_history", _words(r"history|historial|months? of processing"), "count"),
    Metric("growth_pct", _words(r"grow|grew|crec"), "pct"),
    Metric("volatility_cv", _words(r"volatil|variation|\bcv\b|variaci"), "ratio"),
    Metric("annual_volume", _words(r"revenue|volume|sales|ingresos|ventas|facturaci"), "money"),
)

# A figure: "$300,000", "0.5%", "0,5 %", "300k", "12"; never the 7 of "7(a)".
FIGURE = re.compile(
    r"(?<![\w.,])(\$?)\s?(\d{1,3}(?:[,.]\d{3})+|\d+(?:[.,]\d+)?)\s*(%|por ?ciento|percent|k\b|m\b)?"
    r"(?!\s?\()",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    value: float
    start: int
    unit: str  # "%", "$", "k", "m" or ""


def _figures(text: str) -> list[Figure]:
    found = []
    for match in FIGURE.finditer(text):
        raw = match.group(2)
        if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", raw):
            value = float(re.sub(r"[,.]", "", raw))  # 300,000 and 300.000: thousands
        else:
            value = float(raw.replace(",", "."))  # 0.5 and 0,5: a decimal
        suffix = (match.group(3) or "").lower()
        unit = "%" if suffix.startswith(("%", "p")) else suffix or match.group(1)
        value *= {"k": 1_000, "m": 1_000_000}.get(unit, 1)
        found.append(Figure(value, match.start(), unit))
    return found


def _fits(metric: Metric, figure: Figure) -> bool:
    if metric.kind == "money":
        return figure.unit in ("$", "k", "m") or figure.value >= 1_000
    if metric.kind == "pct":
        return figure.unit == "%" or (figure.unit == "" and figure.value <= 100)
    return figure.unit in ("", "k")


def what_if_changes(text: str) -> dict[str, float | int]:
    """``{"dispute_activity_pct": 0.3}`` from "what if my disputes fell to 0.3%": each metric
    named takes the nearest unused figure that fits it (a percentage, money, a count)."""
    figures = _figures(text)
    used: set[int] = set()
    changes: dict[str, float | int] = {}
    taken = text
    for metric in WHAT_IF_METRICS:
        match = metric.pattern.search(taken)
        if match is None:
            continue
        taken = taken[: match.start()] + " " * (match.end() - match.start()) + taken[match.end() :]
        candidates = [
            (abs(f.start - match.start()) + (0 if f.start >= match.start() else 15), i)
            for i, f in enumerate(figures)
            if i not in used and _fits(metric, f)
        ]
        if not candidates:
            continue
        _, index = min(candidates)
        used.add(index)
        value = figures[index].value
        if metric.kind == "money":
            changes[metric.key] = round(value * 100)  # dollars to cents
        elif metric.key in ("failed_payouts", "distinct_customers"):
            changes[metric.key] = round(value)
        else:
            changes[metric.key] = value
    return changes


BUSINESS_ID = _words(
    r"\b(?:business|company|negocio|empresa)(?:_id| id| #| number| número| numero)?\s*#?\s*"
    r"(\d{1,9})\b"
)


def business_id(text: str) -> int | None:
    """An explicit "business 4": passed on as asked, and the server decides access."""
    match = BUSINESS_ID.search(text)
    return int(match.group(1)) if match else None


RECOMMENDATION_ID = _words(r"(?:recommendation|recomendaci[oó]n|#)\s*#?\s*(\d{1,9})")
STATUSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dismissed", _words(r"dismiss|descart|no (?:la )?quiero|ignor")),
    ("accepted", _words(r"accept|acept")),
    ("done", _words(r"done|complete|finish|hech[oa]|termin|complet|listo")),
)


def status_change(text: str) -> tuple[int, str] | None:
    """``(11, "done")`` from "mark recommendation 11 as done"."""
    number = RECOMMENDATION_ID.search(text)
    status = next((s for s, pattern in STATUSES if pattern.search(text)), None)
    return (int(number.group(1)), status) if number and status else None


# Capitalised words that are not a business's name: products, networks, bureaus, acronyms.
NOT_NAMES = frozenset(
    """i i'm i've i'd sba stripe capital visa mastercard amex american express discover paypal
    square shopify clearco ondeck kabbage bluevine fundbox lendio credibly paydex d&b dun
    bradstreet experian equifax intelliscore sbfe duns fico vaultra vamp vdmp cmm ecm dscr mca
    loc apr ein irs us usa llc inc corp ltd assistant also anyway hi hello thanks ok okay please
    say suppose imagine what how which who when why where can could would should will do does
    is are am my our the a an if and or but then so and ignore system override admin developer
    christmas black friday january february march april may june july august september october
    november december monday tuesday wednesday thursday friday saturday sunday qué cómo cuál
    cuánto cuántos dónde por para mi mis el la los las un una y si hola gracias""".split()  # noqa: SIM905 (a word list reads best as words)
)
SENTENCE_START = re.compile(r"(?:^|[.?!¿¡:;\"“(]\s*)$")


def name_candidates(text: str) -> tuple[str, ...]:
    """Runs of capitalised words that may name a business ("Harbor & Pine", "Northwind
    Analytics"), without the products, networks and acronyms a financing question names.
    A single capitalised word that only opens a sentence is not taken for a name."""
    found: list[str] = []
    for match in re.finditer(r"[A-Z][\w\u2019'.-]*(?:\s+(?:&\s+)?[A-Z][\w\u2019'.-]*)*", text):
        run = re.sub(r"(?:['\u2019]s?|\.)$", "", match.group(0)).strip()
        possessive = run != match.group(0).rstrip(".")
        words = [w for w in re.split(r"\s+", run) if w != "&"]
        bare = [re.sub(r"['\u2019]s?$", "", w) for w in words]
        named = [w for w in bare if w.lower() not in NOT_NAMES and not w.isupper()]
        if not named:
            continue
        opens = SENTENCE_START.search(text[: match.start()]) is not None
        if opens and len(words) == 1 and not possessive:
            continue
        found.append(" ".join(named))
    return tuple(dict.fromkeys(found))


def names_business(candidate: str, business_name: str) -> bool:
    """Whether ``candidate`` (as the user wrote it) names ``business_name``: every
    significant word of it is a word of the name."""
    wanted = [w for w in re.findall(r"[a-z0-9]+", candidate.lower()) if len(w) > 2]
    have = set(re.findall(r"[a-z0-9]+", business_name.lower()))
    return bool(wanted) and all(w in have for w in wanted)
