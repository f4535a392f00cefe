"""What a user hands the forecaster, made into one clean series: pasted numbers, a JSON list,
``{"values", "dates"}``, or CSV text (a date column and value columns). Gaps are filled and
said so; anything unusable is an ``InputError`` that says what would work.
"""
from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import warnings

import numpy as np

from zoo import InputError
from zoo.task import check_text

MAX_VALUES = 1_000_000
MAX_CSV_BYTES = 64 * 1024 * 1024
MIN_VALUES = 8
_SPLIT = re.compile(r"[\s,;]+")
GAP_WORDS = {"", "nan", "na", "n/a", "null", "none", "-", "?"}
_DAY_MONTH = r"^\s*(\d{1,2})([./-])(\d{1,2})\2\d{2,4}\b"  # 01/02/2024: day or month first?
_DATE_NAMES = re.compile(r"date|time|month|year|period|day|week|quarter|^ds$|^t$", re.I)
# Season length per pandas frequency (its leading letters): the calendar's own cycle.
SEASONS = {"h": 24, "D": 7, "B": 5, "W": 52, "M": 12, "ME": 12, "MS": 12, "Q": 4, "QE": 4, "QS": 4,
           "Y": 1, "YE": 1, "YS": 1, "A": 1, "AS": 1}
FREQUENCIES = {"hourly": 24, "daily": 7, "weekly": 52, "monthly": 12, "quarterly": 4, "yearly": 1}


@dataclasses.dataclass
class Series:
    values: list[float]  # gaps filled, finite
    dates: list[str] | None = None  # ISO dates, one per value, when the input had them
    freq: str | None = None  # pandas frequency of the dates
    season_length: int | None = None  # given with the series ({"values", "season_length"})
    frequency: str | None = None  # chosen by the caller ({..., "frequency": "yearly"}), one of FREQUENCIES
    name: str | None = None  # what the caller calls it ({"name": ...}), shown on plots
    notices: list[str] = dataclasses.field(default_factory=list)


def _number(v, where: str) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if isinstance(v, str):
            return _text_number(v, where)
        raise InputError(f"{where} is {type(v).__name__} {v!r}, not a number")
    return float(v)


def _text_number(token: str, where: str) -> float:
    t = token.strip()
    if t.lower() in GAP_WORDS:
        return math.nan
    try:
        value = float(t)
    except ValueError:
        raise InputError(f"{where} is {t[:30]!r}, not a number (gaps may be written as NaN or left empty)") from None
    return value


def parse_text(text: str) -> list[float]:
    """Pasted numbers, separated by spaces, commas, semicolons or new lines; or a JSON list."""
    text = text.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"the text looks like a JSON list but does not parse: {exc.msg} at character {exc.pos}") from None
        if not isinstance(items, list):
            raise InputError("a JSON series must be a list of numbers")
        return [_number(v, f"value {i + 1}") for i, v in enumerate(items[:MAX_VALUES + 1])]
    if re.fullmatch(r"[^\s,;]+\.(csv|tsv|txt)", text, re.I):
        raise InputError(f"{text[:80]!r} looks like a file name, not numbers: pass the file's text as "
                         "{'csv': open(path).read()} (the command line reads a path itself)")
    tokens = _tokens(text)
    return [_text_number(t, f"value {i + 1}") for i, t in enumerate(tokens[:MAX_VALUES + 1])]


_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")


def comma_notices(text: str) -> list[str]:
    """Pasted "1,5 2,5 3,5": every space-separated value holds one comma between digits, as
    decimal commas do. Commas separate values here, so they are read that way, and said so."""
    chunks = text.split()
    if len(chunks) > 1 and all(_DECIMAL_COMMA.fullmatch(c) for c in chunks):
        return ["every value was written like '1,5': the commas were read as separators between values; "
                "for decimal commas write points (1.5), or upload a CSV separated by ';'"]
    return []


def _tokens(text: str) -> list[str]:
    """The values of pasted text. Between commas or semicolons an empty field is a gap ("1, 2, , 4"),
    as the parse error says; a separator ending a line is not. In a column of one value per line a
    blank line is a gap (an empty cell); between lines of several values it is not."""
    if not re.search(r"[,;]", text):
        lines = text.splitlines()
        if len(lines) > 1 and all(len(line.split()) <= 1 for line in lines):  # a pasted column: a blank cell is a gap
            return [line.strip() or "nan" for line in lines]
        return [t for t in _SPLIT.split(text) if t]
    out = []
    for line in text.splitlines():
        fields = re.split(r"[,;]", line)
        if not fields[-1].strip():
            fields = fields[:-1]
        for field in fields:
            out.extend(field.split() or ["nan"])
    return out


def check_type(x) -> None:
    """Cheap checks before any parsing (the app runs them before queueing)."""
    if isinstance(x, str):
        check_text(x, "the series text")
        if not x.strip():
            raise InputError("the series is empty: paste numbers, give a list, or upload a CSV")
        if len(x) > MAX_CSV_BYTES:
            raise InputError(f"the text is {len(x):,} characters; at most {MAX_CSV_BYTES:,} are read")
    elif isinstance(x, (list, tuple)):
        if len(x) > MAX_VALUES:
            raise InputError(f"the series has {len(x):,} values; at most {MAX_VALUES:,} are accepted")
    elif isinstance(x, dict):
        if "csv" in x:
            if not isinstance(x["csv"], (str, bytes)):
                raise InputError(f"'csv' must be CSV text, got {type(x['csv']).__name__}")
            if isinstance(x["csv"], str):
                check_text(x["csv"], "the CSV")
            if x.get("column") is not None and not isinstance(x["column"], str):
                raise InputError(f"'column' must be a column name (a string), got {type(x['column']).__name__}")
            if len(x["csv"]) > MAX_CSV_BYTES:
                raise InputError(f"the CSV is {len(x['csv']):,} bytes; at most {MAX_CSV_BYTES:,} are read")
        elif "values" in x:
            check_type(x["values"])
        else:
            raise InputError("a series given as a dict needs 'values' (numbers) or 'csv' (CSV text)")
    else:
        raise InputError(f"a series must be a list of numbers, pasted numbers, or a dict with 'values' or 'csv'; "
                         f"got {type(x).__name__}")


def from_input(x) -> Series:
    check_type(x)
    about = {k: x[k] for k in ("name", "frequency") if x.get(k) is not None} if isinstance(x, dict) else {}
    if about:  # what the caller says of the series, beside the series itself
        out = from_input({k: v for k, v in x.items() if k not in about})
        if "name" in about:
            out.name = str(about["name"])[:100]
        if "frequency" in about:
            out.frequency = chosen_frequency(about["frequency"])
        return out
    if isinstance(x, str):
        return clean(parse_text(x), comma_notices(x))
    if isinstance(x, (list, tuple)):
        if all(type(v) is float or type(v) is int for v in x):  # plain numbers (not bools): nothing to check
            return clean(list(x))
        return clean([_number(v, f"value {i + 1}") for i, v in enumerate(x)])
    if "csv" in x:
        return read_csv(x["csv"], x.get("column"))
    season = x.get("season_length")
    if season is not None and (isinstance(season, bool) or not isinstance(season, int) or season < 1):
        raise InputError(f"'season_length' must be a whole number >= 1, got {season!r}")
    out = _from_values(x)
    out.season_length = season
    return out


def _from_values(x: dict) -> Series:
    values = x["values"]
    parsed = parse_text(values) if isinstance(values, str) else [_number(v, f"value {i + 1}") for i, v in enumerate(values)]
    notices = comma_notices(values) if isinstance(values, str) else []
    dates = x.get("dates")
    if dates is None:
        return clean(parsed, notices)
    if not isinstance(dates, (list, tuple)) or len(dates) != len(parsed):
        raise InputError(f"'dates' must be a list as long as 'values' ({len(parsed)}), got "
                         f"{len(dates) if isinstance(dates, (list, tuple)) else type(dates).__name__}")
    import pandas as pd

    index, notice = _to_dates(pd.Series(list(dates)), "'dates'")
    return _dated(pd.Series(parsed, index=index), notices + ([notice] if notice else []))


def clean(values: list[float], notices: list[str] | None = None) -> Series:
    notices = list(notices or [])
    y = np.asarray(values, dtype=np.float64)
    if y.size > MAX_VALUES:
        raise InputError(f"the series has more than {MAX_VALUES:,} values")
    bad = ~np.isfinite(y)
    if np.isinf(y).any():
        notices.append(f"{int(np.isinf(y).sum())} infinite value(s) were treated as gaps")
    finite = np.flatnonzero(~bad)
    if finite.size < MIN_VALUES:
        raise InputError(f"the series has {finite.size} usable value(s); at least {MIN_VALUES} are needed to forecast")
    first, last = finite[0], finite[-1]
    if first or last < y.size - 1:
        notices.append(f"dropped {first} empty value(s) at the start and {y.size - 1 - last} at the end")
    y = y[first:last + 1]
    gaps = ~np.isfinite(y)
    if gaps.any():
        idx = np.arange(y.size)
        y[gaps] = np.interp(idx[gaps], idx[~gaps], y[~gaps])
        notices.append(f"filled {int(gaps.sum())} gap(s) by linear interpolation")
    if np.abs(y).max() > 1e15:
        raise InputError("the values are too large to forecast (over 1e15); rescale the series")
    return Series(y.tolist(), notices=notices)


SPIKE_MADS = 20  # a spike: this many median absolute deviations from the median, its neighbours not


def spikes(contexts: list[np.ndarray]) -> list[list[int]]:
    """Per series, the positions of lone values far outside the rest of it (a typo, a unit slip):
    more than ``SPIKE_MADS`` median absolute deviations from its median, while each neighbour is
    within that and nearer the median than to the value. A series whose values mostly repeat (MAD
    0: intermittent counts) has none. On the M3's 3,003 training parts this finds 3 values (for
    example 86,730 amid values near 5,000) and none in the app's samples. Series of one length are
    checked together: the 1,428 M3 monthly histories (46 lengths) take about 5 ms."""
    out: list[list[int]] = [[] for _ in contexts]
    groups: dict[int, list[int]] = {}
    for i, y in enumerate(contexts):
        if len(y) >= 3:
            groups.setdefault(len(y), []).append(i)
    for rows in groups.values():
        Y = np.stack([np.asarray(contexts[i], dtype=np.float64) for i in rows])
        med = np.median(Y, axis=1, keepdims=True)
        far = np.abs(Y - med)
        limit = SPIKE_MADS * np.median(far, axis=1, keepdims=True)
        out_of_scale = (far > limit) & (limit > 0)
        for r, t in zip(*np.nonzero(out_of_scale)):
            y, i = Y[r], rows[r]
            neighbours = [n for n in (t - 1, t + 1) if 0 <= n < len(y)]
            if all(not out_of_scale[r, n] and abs(y[t] - y[n]) > far[r, t] / 2 for n in neighbours):
                out[i].append(int(t))
    return out


# -- CSV -----------------------------------------------------------------------------------------

def _parse_dates(col, whole: bool = True, dayfirst: bool = False):
    """Dates of a column, NaT where unreadable: one inferred format first (vectorized, fast on a
    million rows), then each cell on its own when that fails for many (small columns only)."""
    import pandas as pd

    text = col.astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(text, errors="coerce", dayfirst=dayfirst)
            if parsed.isna().mean() > 0.1 and (len(text) <= 100_000 or not whole):
                parsed = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)
        except ValueError:  # mixed UTC offsets (an hourly export across a daylight saving change)
            parsed = None
        # Mixed offsets raise, or (depending on pandas and on the warning filters of the moment,
        # which other threads change) come back as objects: either way read them as UTC.
        if parsed is None or not pd.api.types.is_datetime64_any_dtype(parsed):
            parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)  # UTC wall time: evenly spaced across the change
    return parsed


def read_dates(col) -> tuple:
    """``(dates, notice)``: a column's dates, and a notice where ``01/02/2024``-style dates could be
    read day first or month first. A first number over 12 means day first and a second over 12
    month first; where both are 12 or less, the reading with evenly spaced dates wins, then day
    first for dots (``01.02.2024``, the European way) and month first otherwise (pandas' way)."""
    parts = col.astype(str).head(5000).str.extract(_DAY_MONTH)
    if parts.empty or parts[0].isna().any():
        return _parse_dates(col), None
    first, second = parts[0].astype(int), parts[2].astype(int)
    if first.max() > 12 or second.max() > 12:
        return _parse_dates(col, dayfirst=bool(first.max() > 12)), None
    readings = {dayfirst: _parse_dates(col, dayfirst=dayfirst) for dayfirst in (True, False)}
    if readings[True].equals(readings[False]):
        return readings[False], None  # 01/01/2024, 02/02/2024...: the same either way
    even = {k: v.notna().all() and calendar_freq(_unique_index(v)) is not None for k, v in readings.items()}
    dayfirst = even[True] if even[True] != even[False] else parts[1].iloc[0] == "."
    differ = (readings[True] != readings[False]) & readings[True].notna() & readings[False].notna()
    at = int(differ.to_numpy().argmax())  # the first date the readings differ on (NaT differs from itself)
    example, when, other = str(col.iloc[at]).strip(), readings[dayfirst].iloc[at], readings[not dayfirst].iloc[at]
    return readings[dayfirst], (f"dates such as {example!r} can be read day first or month first: they were read "
                                f"{'day' if dayfirst else 'month'} first ({when:%d %B %Y}, not {other:%d %B %Y}); "
                                "write dates as YYYY-MM-DD to be sure")


def _unique_index(dates):
    import pandas as pd

    return pd.DatetimeIndex(dates).drop_duplicates().sort_values()


def _to_dates(col, what: str) -> tuple:
    import pandas as pd

    parsed, notice = read_dates(pd.Series(list(col)))
    if parsed.isna().any():
        raise InputError(f"{what} could not be read as dates")
    return pd.DatetimeIndex(parsed), notice


def _time_column(df) -> tuple[str | None, str | None]:
    """The column that orders the rows: ``(name, "dates")``, or ``(name, "index")`` for a numeric
    column named like time (``t``, ``step``, ``period``) that is not dates; else ``(None, None)``."""
    import pandas as pd

    named = [c for c in df.columns if _DATE_NAMES.search(str(c))]
    for c in dict.fromkeys(named + list(df.columns)):
        head = df[c].head(500)
        numeric = pd.api.types.is_numeric_dtype(head)
        if numeric and c not in named:
            continue  # a numeric column is a value column unless its name says time
        if _parse_dates(head, whole=False).notna().mean() >= 0.9:
            return c, "dates"
        if numeric:
            return c, "index"
    return None, None


def _frame(text):
    import pandas as pd

    if isinstance(text, bytes):
        if b"\0" in text[:4096]:
            raise InputError("the file is binary, not CSV text")
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str) or not text.strip():
        raise InputError("the CSV is empty")
    if "\0" in text[:4096]:
        raise InputError("the file is binary, not CSV text")
    first = text.lstrip().split("\n", 1)[0]
    single = not any(s in first for s in ",;\t")  # one column: an empty line inside is an empty cell
    sep = max([",", ";", "\t"], key=first.count) if not single else ","
    if single:
        text = text.strip() + "\n"
    try:
        with warnings.catch_warnings(record=True) as skipped:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # ';' separates the fields where ',' is the decimal mark (1234,5); a '.' decimal in such a
            # file is left as text by pandas and still read as a number below. A row with more fields
            # than the header is skipped and counted (pandas warns once per such line).
            df = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True, nrows=MAX_VALUES + 1,
                             decimal="," if sep == ";" else ".", on_bad_lines="warn", skip_blank_lines=not single)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"the CSV could not be read ({str(exc).splitlines()[0]}): check that each row has as "
                         "many fields as the header and that every quote is closed") from None
    bad = [str(w.message).strip() for w in skipped if issubclass(w.category, pd.errors.ParserWarning)]
    df.attrs["skipped_rows"] = sum(m.count("Skipping line") for m in bad)
    if df.empty:
        raise InputError("the CSV has a header but no rows")
    if len(df) > MAX_VALUES:
        raise InputError(f"the CSV has more than {MAX_VALUES:,} rows")
    time_col, kind = _time_column(df)
    value_cols = [c for c in df.columns if c != time_col
                  and pd.to_numeric(df[c].head(1000), errors="coerce").notna().mean() >= 0.5]
    return df, (time_col, kind), value_cols


def value_columns(text) -> list[str]:
    """The numeric columns of CSV text (what the tab offers to forecast)."""
    return [str(c) for c in _frame(text)[2]]


def read_csv(text, column: str | None = None) -> Series:
    """CSV text (or bytes): a date column when there is one, and a value column (``column``, or
    the only numeric one). Rows are sorted by date, duplicate dates averaged, missing dates
    inserted as gaps, non-numeric cells read as gaps; each of these is said in a notice."""
    series, chosen = _read_column(text, column)
    series.name = str(chosen)[:100]  # the column forecast, unless the caller names the series
    return series


def _read_column(text, column: str | None) -> tuple[Series, str]:
    import pandas as pd

    df, (time_col, kind), value_cols = _frame(text)
    notices: list[str] = []
    if df.attrs.get("skipped_rows"):
        notices.append(f"{df.attrs['skipped_rows']} row(s) with more fields than the header were skipped")
    if column not in (None, ""):
        if column not in df.columns or column == time_col:
            raise InputError(f"the CSV has no value column {column!r}; its columns: "
                             f"{', '.join(map(str, value_cols or df.columns))}")
        chosen = column
    elif not value_cols:
        raise InputError(f"the CSV has no numeric column; its columns: {', '.join(map(str, df.columns))}")
    else:
        chosen = value_cols[0]
        if len(value_cols) > 1:
            notices.append(f"forecasting column {chosen!r}; the CSV also has "
                           f"{', '.join(repr(str(c)) for c in value_cols[1:])} (choose with 'column', or "
                           "FILE.csv:COLUMN on the command line)")
    raw = df[chosen]
    numbers = pd.to_numeric(raw, errors="coerce")
    written_gaps = raw.astype(str).str.strip().str.lower().isin(GAP_WORDS)
    not_numbers = int((numbers.isna() & raw.notna() & ~written_gaps).sum())
    if not_numbers:
        notices.append(f"{not_numbers} cell(s) of {chosen!r} are not numbers and were read as gaps")
    if time_col is None:
        notices.append("no date column: the rows are taken as equally spaced, in file order")
        return clean(numbers.tolist(), notices), chosen
    if kind == "index":
        order = pd.to_numeric(df[time_col], errors="coerce")
        if not order.is_monotonic_increasing:
            notices.append(f"the rows were sorted by {time_col!r}")
            numbers = numbers[order.sort_values(kind="stable").index]
        return clean(numbers.tolist(), notices), chosen
    dates, notice = read_dates(df[time_col])
    if notice:
        notices.append(notice)
    keep = dates.notna()
    if (~keep).any():
        notices.append(f"{int((~keep).sum())} row(s) with an unreadable date in {time_col!r} were dropped")
    return _dated(pd.Series(numbers[keep].to_numpy(), index=pd.DatetimeIndex(dates[keep])), notices), chosen


def _dated(s, notices: list[str]) -> Series:
    """A dated series onto a regular calendar: sorted, duplicates averaged, missing dates as gaps."""

    if not s.index.is_monotonic_increasing:
        notices.append("the rows were sorted by date")
        s = s.sort_index()
    if s.index.has_duplicates:
        notices.append(f"{int(s.index.duplicated().sum())} duplicate date(s) were averaged")
        s = s.groupby(level=0).mean()
    freq, full = _calendar(s.index)
    if freq is None:
        s, freq, full = _as_periods(s, notices)
    if freq is not None:
        if len(full) > len(s):
            notices.append(f"{len(full) - len(s)} missing date(s) were inserted as gaps")
        s = s.reindex(full)
    out = clean(s.tolist(), notices)
    # clean() may drop empty values at either end: keep the dates that remain
    values = s.to_numpy(dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    index = s.index[finite[0]:finite[-1] + 1]
    out.dates = _iso(index)
    out.freq = freq
    return out


_PERIODS = ((28, 31, "M", "month"), (89, 92, "Q", "quarter"), (365, 366, "Y", "year"))


def _as_periods(s, notices: list[str]):
    """Dates a month, a quarter or a year apart that are not on its first or last day (the 15th
    of each month): each read as its month (quarter, year), dated by its first day, and said so.
    Returns ``(series, freq, full)`` as ``_calendar`` does; freq None where they are not such dates."""
    import pandas as pd

    if len(s) < 3:
        return s, None, None
    days = float(np.median(np.diff(s.index.asi8))) / 86_400e9
    for lo, hi, unit, word in _PERIODS:
        if lo <= days <= hi:
            periods = s.index.to_period(unit)
            if not periods.is_unique:
                return s, None, None
            index = pd.DatetimeIndex(periods.to_timestamp())
            freq, full = _calendar(index)
            if freq is not None:
                notices.append(f"dates a {word} apart such as {s.index[0]:%Y-%m-%d} were read as {word}s, each "
                               f"dated by its first day ({index[0]:%Y-%m-%d})")
                return pd.Series(s.to_numpy(), index=index), freq, full
            return s, None, None
    return s, None, None


def calendar_freq(index) -> str | None:
    """The frequency of sorted, unique dates that lie on a regular calendar with at most as many
    dates missing as there are present; else None (the dates are then only an order)."""
    return _calendar(index)[0]


def _calendar(index):
    """``(freq, full)``: ``calendar_freq`` and the calendar's every date from the first to the
    last (what the series is reindexed on); ``(None, None)`` where the dates are no calendar."""
    import pandas as pd

    freq = infer_freq(index)
    if freq is None:
        return None, None
    full = pd.date_range(index[0], index[-1], freq=freq)
    return (freq, full) if len(full) <= 2 * len(index) and index.isin(full).all() else (None, None)


def infer_freq(index) -> str | None:
    import pandas as pd

    if len(index) < 3:
        return None
    with warnings.catch_warnings():  # pandas 3 warns that this will return an offset object
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(index) if index.is_unique else None
    freq = getattr(freq, "freqstr", freq)
    if freq is None:  # gaps: take the most common spacing, if it is a calendar unit
        step = pd.Series(index[1:] - index[:-1]).mode()
        if step.empty:
            return None
        days = step.iloc[0] / pd.Timedelta(days=1)
        for lo, hi, f in ((0.99 / 24, 1.01 / 24, "h"), (0.99, 1.01, "D"), (6.9, 7.1, "W"), (28, 31, "MS"),
                          (89, 92, "QS"), (365, 366, "YS")):
            if lo <= days <= hi:
                if f in ("MS", "QS", "YS") and not all(d.day == 1 for d in index):
                    f = f.replace("S", "E")
                return f
        return None
    return freq


def chosen_frequency(value) -> str:
    """A frequency named by the caller, in any case (``annual``: yearly)."""
    name = value.strip().lower() if isinstance(value, str) else value
    name = {"annual": "yearly"}.get(name, name)
    if name not in FREQUENCIES:
        raise InputError(f"'frequency' must be one of {', '.join(FREQUENCIES)} (any case), got {value!r}")
    return name


def freq_name(freq: str | None) -> str | None:
    """A pandas frequency in words (``MS`` -> monthly), or None where it is none of ``FREQUENCIES``
    (multiples such as ``2MS`` included)."""
    m = re.fullmatch(r"(\d*)([A-Za-z]+)(-\w+)?", freq or "")
    if m is None or m.group(1) not in ("", "1"):
        return None
    base = m.group(2)
    for name, pattern in (("hourly", r"[hH]"), ("daily", r"[DB]"), ("weekly", r"W"), ("monthly", r"B?M[SE]?"),
                          ("quarterly", r"B?Q[SE]?"), ("yearly", r"B?[AY][SE]?")):
        if re.fullmatch(pattern, base):
            return name
    return None


def season_of(freq: str | None) -> int | None:
    if freq is None:
        return None
    base = re.sub(r"^\d+", "", freq).split("-")[0]
    return SEASONS.get(base) or SEASONS.get(base.rstrip("S")) or SEASONS.get(base[:1])


def season_from_acf(values: list[float]) -> int:
    """For a series without dates: the candidate season (4, 7, 12, 24, 52) at which the
    autocorrelation of the differenced series (a trend hides seasons in the raw one) is largest
    and significant; else 1."""
    from .preprocess import is_seasonal

    d = np.diff(np.asarray(values, float))
    x = d - d.mean()
    denom = float(x @ x)
    best, best_acf = 1, 0.0
    for m in (4, 7, 12, 24, 52):
        if denom > 0 and is_seasonal(d, m):
            acf = float(x[:-m] @ x[m:]) / denom
            if acf > best_acf:
                best, best_acf = m, acf
    return best


def future_dates(dates: list[str], freq: str | None, horizon: int) -> list[str] | None:
    """The forecast's dates; None where there are none to continue, or where they would run past
    what pandas can date (the year 2262): the steps are then numbered."""
    if not dates or freq is None:
        return None
    import pandas as pd

    try:
        return _iso(pd.date_range(pd.Timestamp(dates[-1]), periods=horizon + 1, freq=freq)[1:])
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        return None


def _iso(index) -> list[str]:
    """ISO dates, with the time only where some value has one (vectorized: a million rows)."""
    timed = bool((index != index.normalize()).any())
    return list(index.strftime("%Y-%m-%dT%H:%M:%S" if timed else "%Y-%m-%d"))
