#!/usr/bin/env python3
"""Build rules/common/municipalities.csv: 全国地方公共団体コード with validity dates.

Inputs (see PROVENANCE.md in the data folder):
  000925835.xlsx    総務省「全国地方公共団体コード」, the list in force on 2024-01-01
                    (sheet 1: prefectures and municipalities; sheet 2: designated cities
                    and their wards).
  estat-haichi.csv  総務省統計局「廃置分合等情報」(e-Stat): the change history, 5-digit codes.

Output: code,prefecture,name,valid_from,valid_until (UTF-8, LF, sorted by code). Every
6-digit code in force at any time from --since (default 2019-12-01) to the list's as-of
date. valid_from / valid_until are inclusive; empty means open. A code abolished by a change
that took effect on date D gets valid_until = D - 1 day; a code created on D gets
valid_from = D (only when D is after --since; older codes get an empty valid_from).
Prefecture-level rows (e.g. 130001) carry the prefecture name in `name` too.

Standard library only (the xlsx is read with zipfile + xml.etree).

Usage:
  python3 rules/common/build_municipalities.py [DATA_DIR] [-o OUT] [--since YYYY-MM-DD]
DATA_DIR defaults to ../shared/data/external/municipality-codes relative to the repo root.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "external" / "municipality-codes"
DEFAULT_OUT = HERE / "municipalities.csv"

XLSX_NAME = "000925835.xlsx"
HISTORY_NAME = "estat-haichi.csv"

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def check_digit(five: str) -> str:
    """The 検査数字 of a 5-digit code: weights 6,5,4,3,2; (11 - sum mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2)))
    return str((11 - total % 11) % 10)


def six_digit(five: str) -> str:
    return five + check_digit(five)


def valid_six(code: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", code)) and check_digit(code[:5]) == code[5]


# ---------------------------------------------------------------------------- xlsx


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    try:
        data = zf.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    out = []
    for si in ET.fromstring(data).iter(NS_MAIN + "si"):
        # Text runs only: skip <rPh> (phonetic guide) elements and their <t>.
        parts = []
        for child in si:
            if child.tag == NS_MAIN + "t":
                parts.append(child.text or "")
            elif child.tag == NS_MAIN + "r":
                for t in child.iter(NS_MAIN + "t"):
                    parts.append(t.text or "")
        out.append("".join(parts))
    return out


def _col_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


def read_xlsx(path: Path) -> list[tuple[str, list[list[str]]]]:
    """Return [(sheet name, rows)], each row a list of cell strings."""
    with zipfile.ZipFile(path) as zf:
        strings = _shared_strings(zf)
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(NS_PKG_REL + "Relationship")}
        sheets = []
        for sheet in wb.iter(NS_MAIN + "sheet"):
            target = targets[sheet.get(NS_REL + "id")]
            target = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            root = ET.fromstring(zf.read(posixpath.normpath(target)))
            rows = []
            for row in root.iter(NS_MAIN + "row"):
                cells: dict[int, str] = {}
                for c in row.iter(NS_MAIN + "c"):
                    kind = c.get("t")
                    v = c.find(NS_MAIN + "v")
                    if kind == "s":
                        text = strings[int(v.text)] if v is not None else ""
                    elif kind == "inlineStr":
                        text = "".join(t.text or "" for t in c.iter(NS_MAIN + "t"))
                    elif kind in ("str", "b", "e"):
                        text = v.text if v is not None and v.text else ""
                    else:  # number
                        text = v.text if v is not None and v.text else ""
                        if re.fullmatch(r"-?\d+(\.0+)?(E\+?\d+)?", text, re.I):
                            text = str(int(float(text)))
                    cells[_col_index(c.get("r"))] = text
                if cells:
                    rows.append([cells.get(i, "") for i in range(max(cells) + 1)])
            sheets.append((sheet.get("name"), rows))
        return sheets


def sheet_as_of(name: str) -> dt.date | None:
    """'R6.1.1現在の団体' -> 2024-01-01 (令和 year + 2018)."""
    m = re.match(r"R(\d+)\.(\d+)\.(\d+)", name)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return dt.date(2018 + y, mo, d)


def clean(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def load_current(path: Path):
    """Codes in the 総務省 list: {code: (prefecture, name)}, and the list's as-of date."""
    current: dict[str, tuple[str, str]] = {}
    as_of = None
    for name, rows in read_xlsx(path):
        d = sheet_as_of(name)
        if d is not None:
            if as_of is not None and d != as_of:
                sys.exit(f"sheets disagree on the as-of date: {as_of} vs {d}")
            as_of = d
        for row in rows[1:]:  # row 1 is the header
            row = row + [""] * (3 - len(row))
            code = clean(row[0])
            if not code:
                continue
            if code.isdigit() and len(code) < 6:
                code = code.zfill(6)
            if not valid_six(code):
                sys.exit(f"{path.name} [{name}]: bad code {code!r}")
            pref, muni = clean(row[1]), clean(row[2])
            entry = (pref, muni or pref)  # prefecture rows: name = prefecture name
            if code in current and current[code] != entry:
                sys.exit(f"{path.name}: {code} listed twice with different names: {current[code]} / {entry}")
            current[code] = entry
    if as_of is None:
        sys.exit(f"{path.name}: cannot read the as-of date from the sheet names")
    return current, as_of


# ------------------------------------------------------------------------- history

CODE_IN_TEXT = re.compile(r"[(（](\d{5})[)）]")
NAME_CODE_IN_TEXT = re.compile(r"([^\s、，,（(）)／]+?)[(（](\d{5})[)）]")
# Text right after "(CODE)" that makes CODE the new unit of the change.
CREATES_AFTER = re.compile(
    r"\s*(を新設|に再編|に市制施行|に町制施行|に村制施行|への政令指定都市|に区域変更|に郡の区域変更|となる)"
)
NOT_A_MUNICIPALITY = ("郡", "支庁", "振興局")


def load_history(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if len(header) != 8:
            sys.exit(f"{path.name}: expected 8 columns, got {len(header)}")
        events = []
        for line in reader:
            if not line:
                continue
            code, pref, group, _, muni, _, date, reason = line
            events.append({
                "code": code.strip(),
                "prefecture": pref.strip(),
                "group": group.strip(),
                "name": muni.strip(),
                "date": dt.date.fromisoformat(date.strip()),
                "reason": reason,
            })
    return events


def created_codes(reason: str) -> set[str]:
    """Codes that the change described by `reason` brings into being.

    A code is new when its first occurrence in the text is followed by a creating phrase
    (を新設, に再編, に市制施行, ...) or sits in a clause ending in の新設. A code that occurs
    earlier in the text as a source (篠山市(28221)が丹波篠山市(28221)に名称変更) is not new.
    """
    seen: set[str] = set()
    out: set[str] = set()
    for clause in re.split(r"[\n\u3000]+", reason):
        new_list = clause.strip().endswith("の新設")
        for m in CODE_IN_TEXT.finditer(clause):
            code = m.group(1)
            if code not in seen and (new_list or CREATES_AFTER.match(clause, m.end())):
                out.add(code)
            seen.add(code)
    return out


def history_name(events: list[dict], five: str) -> tuple[str, str] | None:
    """(prefecture, name) of a 5-digit code from its own history row, in the xlsx style."""
    own = [e for e in events if e["code"] == five]
    if not own:
        return None
    e = max(own, key=lambda e: e["date"])
    group, muni = e["group"], e["name"]
    if not muni:
        name = group
    elif group.endswith("市"):  # ward of a designated city: 浜松市中区
        name = group + muni
    else:  # town in a 郡, or a city: the xlsx leaves the 郡 out
        name = muni
    return e["prefecture"], name


def build(data_dir: Path, since: dt.date):
    current, as_of = load_current(data_dir / XLSX_NAME)
    events = load_history(data_dir / HISTORY_NAME)
    prefectures = {code[:2]: entry[0] for code, entry in current.items() if code[2:5] == "000"}
    if len(prefectures) != 47:
        sys.exit(f"expected 47 prefecture rows, found {len(prefectures)}")

    late = [e for e in events if e["date"] > as_of]
    if late:
        sys.exit(
            f"{HISTORY_NAME} has changes after the code list's as-of date {as_of} "
            f"(first: {late[0]['date']}); use a newer {XLSX_NAME}"
        )

    # Mentions of each 5-digit code: dates, and whether the change created it.
    mentions: dict[str, list[tuple[dt.date, bool]]] = {}
    text_names: dict[str, str] = {}
    for e in events:
        created = created_codes(e["reason"])
        codes = set(CODE_IN_TEXT.findall(e["reason"])) | {e["code"]}
        for m in NAME_CODE_IN_TEXT.finditer(e["reason"]):
            text_names.setdefault(m.group(2), m.group(1))
        for c in codes:
            mentions.setdefault(c, []).append((e["date"], c in created))

    rows = {code: {"prefecture": p, "name": n, "valid_from": "", "valid_until": ""}
            for code, (p, n) in current.items()}
    created_log, abolished_log = [], []

    for five, ms in sorted(mentions.items()):
        code = six_digit(five)
        dates = sorted(d for d, _ in ms)
        creations = sorted(d for d, c in ms if c)
        text_name = text_names.get(five, "")
        if text_name.endswith(NOT_A_MUNICIPALITY):
            continue  # 郡 / 支庁 / 振興局: statistical units, not 地方公共団体
        if code in current:
            # Created after `since`: the creating change is the code's first mention.
            if creations and creations[-1] > since and creations[-1] == dates[0]:
                rows[code]["valid_from"] = creations[-1].isoformat()
                created_log.append((code, rows[code]["name"], creations[-1]))
            continue
        end = dates[-1]  # the last change that names the code is the one that ended it
        if end <= since:
            continue  # gone before `since` (valid_until would be before it)
        found = history_name(events, five)
        pref, name = found if found else (prefectures.get(five[:2], ""), text_name)
        if not pref or not name:
            sys.exit(f"no name for abolished code {code}")
        start = creations[-1] if creations and creations[-1] > since and creations[-1] < end else None
        rows[code] = {
            "prefecture": pref,
            "name": name,
            "valid_from": start.isoformat() if start else "",
            "valid_until": (end - dt.timedelta(days=1)).isoformat(),
        }
        abolished_log.append((code, name, end))

    return rows, as_of, created_log, abolished_log


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA,
                    help=f"folder with {XLSX_NAME} and {HISTORY_NAME} (default: %(default)s)")
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT,
                    help="CSV to write (default: %(default)s)")
    ap.add_argument("--since", type=dt.date.fromisoformat, default=dt.date(2019, 12, 1),
                    help="keep codes in force at any time from this date (default: %(default)s)")
    args = ap.parse_args(argv)

    for name in (XLSX_NAME, HISTORY_NAME):
        if not (args.data_dir / name).is_file():
            print(f"missing {args.data_dir / name}", file=sys.stderr)
            return 2

    rows, as_of, created, abolished = build(args.data_dir, args.since)
    for code, row in rows.items():
        assert valid_six(code), code
        assert row["valid_from"] <= (row["valid_until"] or "9999"), code

    with args.output.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "prefecture", "name", "valid_from", "valid_until"])
        for code in sorted(rows):
            r = rows[code]
            w.writerow([code, r["prefecture"], r["name"], r["valid_from"], r["valid_until"]])

    in_force = sum(1 for r in rows.values() if not r["valid_until"])
    print(f"list as of {as_of}; since {args.since}", file=sys.stderr)
    for code, name, d in created:
        print(f"  created   {code} {name} on {d}", file=sys.stderr)
    for code, name, d in abolished:
        print(f"  abolished {code} {name} on {d}", file=sys.stderr)
    print(f"wrote {args.output}: {len(rows)} codes ({in_force} in force on {as_of})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
