#!/usr/bin/env python3
"""Engine-independent reference count of the opendata rules (RULES.md, "Open-data pack").

Usage:
    python3 tests/external/count_opendata.py FILE.csv [--municipalities PATH]
    python3 tests/external/count_opendata.py --self-test

Prints JSON {"file": FILE, "records": N, "rules": {rule_id: n, ...}} where n is the number of
RECORDS (data rows) with at least one finding of that rule. A record counts at most once per rule.
Every one of the 16 opendata rule ids is always present (0 when nothing fires). Standard library
only; the Rust engine's per-rule record counts on the same file must equal these numbers.

Exact decisions (the Rust engine is made to agree with these)
=============================================================

Reading the file
----------------
D1  Encoding: bytes starting with the UTF-8 BOM (EF BB BF) are decoded as UTF-8 with the BOM
    removed; otherwise strict UTF-8 is tried, and if that fails, cp932 (Windows Shift_JIS). If
    cp932 fails too the file is refused (exit status 2).
D2  CSV: Python's csv module, default "excel" dialect (comma, '"' quoting, "" escapes a quote),
    on the decoded text with newline="" so quoted fields may hold CR/LF. Line ends CRLF or LF.
D3  The first CSV row is the header. Header names are stripped (see D5). A column whose header is
    empty after stripping is ignored completely (Gifu's 4 trailing unnamed columns). If a name
    occurs twice, the first (left-most) column with that name is used.
D4  Every later CSV row is one record, except a physical line that the csv module returns as an
    empty list (a completely empty line, e.g. a stray blank line); such lines are skipped and not
    counted. A row of only commas IS a record. A row shorter than the header has its missing cells
    treated as empty; cells beyond the header's width are ignored.
D5  Whitespace: a value is stripped of leading/trailing characters with the Unicode White_Space
    property (exactly Rust's char::is_whitespace / str::trim: U+0009-000D, U+0020, U+0085, U+00A0,
    U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000). Every comparison below uses the
    stripped value. "Empty" = empty after stripping; "present" = not empty. A column missing from
    the header reads as empty in every row.
D6  Discharge flag: the column `患者_退院済フラグ`; if the file has no such column, `退院済フラグ`
    (Tokyo). If a file has both, only `患者_退院済フラグ` is the discharge flag (the other is then an
    ordinary column, seen only by unknown-placeholder).

Shared definitions
------------------
D7  Valid date: the stripped value matches ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ (ASCII digits only,
    hyphen-minus only) and is a real proleptic-Gregorian calendar date with year 0001-9999
    (2021-02-29 and 0000-01-01 are invalid; no time part, no slashes, no single-digit month).
D8  The 47 prefecture names, JIS X 0401 code = position 01..47: 北海道 青森県 岩手県 宮城県 秋田県
    山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 石川県 福井県
    山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県
    島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県
    宮崎県 鹿児島県 沖縄県 (exact strings; "東京" or "大阪" alone are not names).

Rules (per record)
------------------
opendata/required           都道府県名 empty, or 公表_年月日 empty.
opendata/date-format        公表_年月日 present and not valid (D7), or 発症_年月日 present and not
                            valid.
opendata/weekday            曜日 present, 公表_年月日 valid, and 曜日 != the single character
                            月火水木金土日 of that date's weekday ("金曜日" or "Fri" fire). No 曜日
                            column in the file -> never fires. 公表_年月日 invalid/empty -> silent.
opendata/onset-after-publication
                            both 発症_年月日 and 公表_年月日 valid, and onset > publication
                            (strictly; same day is fine).
opendata/municipality-code  全国地方公共団体コード present and at least one of:
                            (a) not exactly 6 ASCII digits (then b-d are not evaluated);
                            (b) check digit wrong: d6 != (11 - (6d1+5d2+4d3+3d4+2d5) mod 11) mod 10;
                            (c) 都道府県名 is one of the 47 names (D8) and the code's first two
                                digits are not that prefecture's JIS code (when 都道府県名 is empty
                                or not one of the 47, (c) is not evaluated);
                            (d) the code is not in the official list.
                            Official list, default: every cell of column A of BOTH sheets of
                            000925835.xlsx (総務省, as of 2024-01-01) that is 6 ASCII digits, text
                            or number cells (number cells are zero-padded to 6): 1,965 codes,
                            including the 47 prefecture codes (e.g. 130001, 210005) and the
                            designated-city wards. With --municipalities PATH.csv (columns
                            code,prefecture,name,valid_from,valid_until) the list is every `code`
                            of that CSV instead, ignoring valid_from/valid_until: a code that
                            existed earlier and was abolished still counts as in the list (no
                            date is compared with 公表_年月日). A PATH ending in .xlsx is read like
                            the default workbook.
opendata/prefecture-name    都道府県名 present and not one of the 47 names (D8).
opendata/age-band           患者_年代 present and not one of 10歳未満 10代 20代 30代 40代 50代 60代
                            70代 80代 90歳以上. (So 1歳未満, 90代, 100歳以上, 不明, (調査中), dashes,
                            30歳代 all fire.)
opendata/sex                患者_性別 present and not one of 男性 女性 その他.
opendata/flags              患者_渡航歴の有無フラグ present and not exactly "0" or "1", or the
                            discharge flag (D6) present and not exactly "0" or "1". ("01", "１",
                            "1.0", "TRUE" fire.)
opendata/status             患者_状態 present and not one of 無症状 軽症 中等症 重症 死亡.
opendata/status-discharge   discharge flag (D6) == "1" and 患者_状態 is 重症 or 死亡.
opendata/unknown-placeholder
                            some cell of a named column (any header that is non-empty, D3,
                            including No, 備考 and columns this script does not otherwise know)
                            whose stripped value is either
                              - one or more repetitions of ONE dash character from this set:
                                U+002D '-' HYPHEN-MINUS, U+2010 '‐' HYPHEN, U+2015 '―' HORIZONTAL
                                BAR, U+30FC 'ー' KATAKANA-HIRAGANA PROLONGED SOUND MARK, U+2212
                                '−' MINUS SIGN, U+FF0D '－' FULLWIDTH HYPHEN-MINUS
                                ("-", "--", "ーー" fire; a mix such as "-‐" does not; U+2014 '—',
                                U+2013 '–', U+2011, U+FF70 'ｰ' are NOT in the set), or
                              - exactly 調査中, or exactly 不明.
                            Nothing else: "(調査中)" (Gifu's form, with ASCII parentheses), "不明者",
                            "調査中です", "NA" do not fire.
opendata/symptom-separator  患者_症状 present and its stripped value contains at least one of:
                            U+3001 '、', U+002C ',', U+FF0C '，', U+FF1B '；', U+002F '/',
                            U+FF0F '／', U+000A LF, U+000D CR. Anywhere in the value; the
                            half-width ';' is the only accepted separator. U+30FB '・' is NOT in
                            the set: it is part of single symptom names (嘔気・嘔吐), so it never
                            fires, and a list joined with '・' (倦怠感・頭痛) is not caught.
opendata/number-format      No present and not matching ^[0-9]+$ (ASCII digits only; "10,001",
                            "１", "+1", "1.0" fire).
opendata/duplicate-number   (whole file) No present and the same stripped No string occurs on
                            at least one other record; every record of such a group counts. The
                            raw strings are compared: "1,000" and "1000" are different, "007" and
                            "7" are different.
opendata/publication-order  (whole file) Only records whose No, after removing every ",", matches
                            ^[0-9]+$ (parsed as an integer; "1,000" -> 1000) and whose
                            公表_年月日 is valid (D7) take part. Such a record counts when its
                            公表_年月日 is strictly earlier than the latest 公表_年月日 among
                            participating records with a strictly smaller No. Records with an
                            equal No are not compared with each other. The file's row order is
                            irrelevant.
"""

import csv
import datetime
import io
import json
import os
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

RULE_IDS = [
    "opendata/required",
    "opendata/date-format",
    "opendata/weekday",
    "opendata/onset-after-publication",
    "opendata/municipality-code",
    "opendata/prefecture-name",
    "opendata/age-band",
    "opendata/sex",
    "opendata/flags",
    "opendata/status",
    "opendata/status-discharge",
    "opendata/unknown-placeholder",
    "opendata/symptom-separator",
    "opendata/number-format",
    "opendata/duplicate-number",
    "opendata/publication-order",
]

# D5: Unicode White_Space (what Rust's str::trim removes).
WHITESPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
]
PREFECTURE_CODE = {name: "%02d" % (i + 1) for i, name in enumerate(PREFECTURES)}
assert len(PREFECTURES) == 47 and len(PREFECTURE_CODE) == 47

AGE_BANDS = {"10歳未満", "10代", "20代", "30代", "40代", "50代", "60代", "70代", "80代", "90歳以上"}
SEXES = {"男性", "女性", "その他"}
FLAGS = {"0", "1"}
STATUSES = {"無症状", "軽症", "中等症", "重症", "死亡"}
STATUS_NOT_DISCHARGED = {"重症", "死亡"}
WEEKDAY_CHARS = "月火水木金土日"  # index = date.weekday(), 0 = Monday

DASHES = "\u002d\u2010\u2015\u30fc\u2212\uff0d"
PLACEHOLDER_WORDS = {"調査中", "不明"}
SYMPTOM_SEPARATORS = "\u3001\u002c\uff0c\uff1b\u002f\uff0f\u000a\u000d"  # no U+30FB '・'

COL_NO = "No"
COL_CODE = "全国地方公共団体コード"
COL_PREF = "都道府県名"
COL_PUBLISHED = "公表_年月日"
COL_WEEKDAY = "曜日"
COL_ONSET = "発症_年月日"
COL_AGE = "患者_年代"
COL_SEX = "患者_性別"
COL_STATUS = "患者_状態"
COL_SYMPTOMS = "患者_症状"
COL_TRAVEL = "患者_渡航歴の有無フラグ"
COL_DISCHARGED = "患者_退院済フラグ"
COL_DISCHARGED_ALIAS = "退院済フラグ"

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DIGITS_RE = re.compile(r"[0-9]+")
CODE_RE = re.compile(r"[0-9]{6}")

DEFAULT_EXTERNAL = os.environ.get("KAKUNIN_EXTERNAL_DATA", "/work/shared/data/external")
DEFAULT_XLSX = os.path.join(DEFAULT_EXTERNAL, "municipality-codes", "000925835.xlsx")


def strip(value):
    return value.strip(WHITESPACE)


# ---------------------------------------------------------------------------------------------
# Reading


def decode(data):
    """D1: returns (text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp932"), "cp932"


def parse(text):
    """D2-D4: returns (header names in file order, non-empty only; list of {name: stripped value})."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
    except StopIteration:
        return [], []
    columns = []  # (index, name), first occurrence of each non-empty name
    seen = set()
    for i, h in enumerate(raw_header):
        name = strip(h)
        if name and name not in seen:
            seen.add(name)
            columns.append((i, name))
    records = []
    for row in reader:
        if not row:
            continue
        records.append({name: strip(row[i]) if i < len(row) else "" for i, name in columns})
    return [name for _, name in columns], records


def parse_date(value):
    """D7: a datetime.date or None."""
    if not DATE_RE.fullmatch(value):
        return None
    try:
        return datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return None


def check_digit_ok(code):
    digits = [int(c) for c in code]
    total = sum(w * d for w, d in zip((6, 5, 4, 3, 2), digits[:5]))
    return digits[5] == (11 - total % 11) % 10


# ---------------------------------------------------------------------------------------------
# The official code list

SS_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _shared_strings(z):
    try:
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    out = []
    for si in root.iter(SS_NS + "si"):
        parts = []
        for child in si:  # <t> or rich-text runs <r><t/></r>; skip phonetic <rPh>
            if child.tag == SS_NS + "t":
                parts.append(child.text or "")
            elif child.tag == SS_NS + "r":
                for t in child.iter(SS_NS + "t"):
                    parts.append(t.text or "")
        out.append("".join(parts))
    return out


def _sheet_paths(z):
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(PKG_REL_NS + "Relationship")}
    paths = []
    for sheet in wb.iter(SS_NS + "sheet"):
        t = target[sheet.get(REL_NS + "id")]
        t = t.lstrip("/")
        paths.append(t if t.startswith("xl/") else "xl/" + t)
    return paths


def load_codes_xlsx(path):
    """Column A of every sheet; 6-digit cells only (text, or numbers zero-padded)."""
    codes = set()
    with zipfile.ZipFile(path) as z:
        strings = _shared_strings(z)
        for sheet in _sheet_paths(z):
            root = ET.fromstring(z.read(sheet))
            for c in root.iter(SS_NS + "c"):
                ref = c.get("r") or ""
                if re.sub(r"[0-9]+$", "", ref) != "A":
                    continue
                kind = c.get("t")
                if kind == "s":
                    v = c.find(SS_NS + "v")
                    value = strings[int(v.text)] if v is not None else ""
                elif kind == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter(SS_NS + "t"))
                else:
                    v = c.find(SS_NS + "v")
                    value = v.text if v is not None and v.text else ""
                    if kind in (None, "n") and re.fullmatch(r"[0-9]+(\.0+)?", value):
                        value = "%06d" % int(float(value))
                value = strip(value)
                if CODE_RE.fullmatch(value):
                    codes.add(value)
    return codes


def load_codes_csv(path):
    """Every `code` of a code,prefecture,name,valid_from,valid_until CSV (validity ignored)."""
    with open(path, "rb") as f:
        text, _ = decode(f.read())
    header, records = parse(text)
    col = "code" if "code" in header else (header[0] if header else None)
    return {r[col] for r in records if col and r[col]}


def load_codes(path):
    if path is None:
        path = DEFAULT_XLSX
    if path.lower().endswith(".xlsx"):
        return load_codes_xlsx(path)
    return load_codes_csv(path)


# ---------------------------------------------------------------------------------------------
# The rules


def is_placeholder(value):
    if value in PLACEHOLDER_WORDS:
        return True
    return bool(value) and value[0] in DASHES and value == value[0] * len(value)


def municipality_code_fails(code, pref_name, codes):
    if not CODE_RE.fullmatch(code):
        return True
    if not check_digit_ok(code):
        return True
    if pref_name in PREFECTURE_CODE and code[:2] != PREFECTURE_CODE[pref_name]:
        return True
    return code not in codes


def count(header, records, codes):
    """Returns {rule_id: number of records with at least one finding}."""
    hits = {rule: set() for rule in RULE_IDS}
    has_weekday = COL_WEEKDAY in header
    discharged_col = COL_DISCHARGED if COL_DISCHARGED in header else COL_DISCHARGED_ALIAS

    def get(rec, col):
        return rec.get(col, "")

    for i, rec in enumerate(records):
        pref = get(rec, COL_PREF)
        pub_s = get(rec, COL_PUBLISHED)
        onset_s = get(rec, COL_ONSET)
        pub = parse_date(pub_s)
        onset = parse_date(onset_s)
        discharged = get(rec, discharged_col)
        status = get(rec, COL_STATUS)

        if not pref or not pub_s:
            hits["opendata/required"].add(i)
        if (pub_s and pub is None) or (onset_s and onset is None):
            hits["opendata/date-format"].add(i)
        wd = get(rec, COL_WEEKDAY)
        if has_weekday and wd and pub is not None and wd != WEEKDAY_CHARS[pub.weekday()]:
            hits["opendata/weekday"].add(i)
        if pub is not None and onset is not None and onset > pub:
            hits["opendata/onset-after-publication"].add(i)
        code = get(rec, COL_CODE)
        if code and municipality_code_fails(code, pref, codes):
            hits["opendata/municipality-code"].add(i)
        if pref and pref not in PREFECTURE_CODE:
            hits["opendata/prefecture-name"].add(i)
        age = get(rec, COL_AGE)
        if age and age not in AGE_BANDS:
            hits["opendata/age-band"].add(i)
        sex = get(rec, COL_SEX)
        if sex and sex not in SEXES:
            hits["opendata/sex"].add(i)
        travel = get(rec, COL_TRAVEL)
        if (travel and travel not in FLAGS) or (discharged and discharged not in FLAGS):
            hits["opendata/flags"].add(i)
        if status and status not in STATUSES:
            hits["opendata/status"].add(i)
        if discharged == "1" and status in STATUS_NOT_DISCHARGED:
            hits["opendata/status-discharge"].add(i)
        if any(is_placeholder(v) for v in rec.values()):
            hits["opendata/unknown-placeholder"].add(i)
        symptoms = get(rec, COL_SYMPTOMS)
        if symptoms and any(c in SYMPTOM_SEPARATORS for c in symptoms):
            hits["opendata/symptom-separator"].add(i)
        no = get(rec, COL_NO)
        if no and not DIGITS_RE.fullmatch(no):
            hits["opendata/number-format"].add(i)

    # duplicate-number: raw stripped No strings.
    by_no = {}
    for i, rec in enumerate(records):
        no = get(rec, COL_NO)
        if no:
            by_no.setdefault(no, []).append(i)
    for members in by_no.values():
        if len(members) > 1:
            hits["opendata/duplicate-number"].update(members)

    # publication-order: sort by integer No, compare with the latest date of strictly smaller Nos.
    groups = {}
    for i, rec in enumerate(records):
        no = get(rec, COL_NO).replace(",", "")
        pub = parse_date(get(rec, COL_PUBLISHED))
        if DIGITS_RE.fullmatch(no) and pub is not None:
            groups.setdefault(int(no), []).append((i, pub))
    latest = None
    for no in sorted(groups):
        for i, pub in groups[no]:
            if latest is not None and pub < latest:
                hits["opendata/publication-order"].add(i)
        group_max = max(pub for _, pub in groups[no])
        latest = group_max if latest is None else max(latest, group_max)

    return {rule: len(hits[rule]) for rule in RULE_IDS}


def run_file(path, municipalities=None):
    with open(path, "rb") as f:
        data = f.read()
    text, _ = decode(data)
    header, records = parse(text)
    codes = load_codes(municipalities)
    return {"file": path, "records": len(records), "rules": count(header, records, codes)}


# ---------------------------------------------------------------------------------------------
# Self-test


SELF_TEST_CSV = """\
No,全国地方公共団体コード,都道府県名,市区町村名,公表_年月日,曜日,発症_年月日,患者_居住地,患者_年代,患者_性別,患者_属性,患者_状態,患者_症状,患者_渡航歴の有無フラグ,備考,退院済フラグ,
1,130001,東京都,,2020-01-24,金,2020-01-20,都内,40代,男性,,軽症,発熱;咳,0,,1,x
2,130001,東京都,,2020-01-25,金,2020-01-26,都内,90代,男,,死亡,"発熱、咳",2,,1,
3,131016,東京都,,2020/01/26,日,2020-02-30,調査中,10歳未満,その他,,重篤,"発熱
咳",,,0,
4,130002,,,,月,,-,90歳以上,女性,,重症,発熱,,,,
4,210005,東京都,,2020-01-20,月,,‐‐,1歳未満,不明,,,,,,x,
" 1,000 ",13001,東京,,2020-01-23,木曜日,,都内,(調査中),－,,中等症,,1,-‐,,
7,221317,静岡県,,2020-02-01,土,, ,, ,, ,倦怠感・頭痛,,ー,,
6,131016,東京都,,2020-01-31,金,,−,,,,,,,,,

"""

SELF_TEST_EXPECTED = {
    "records": 8,
    "rules": {
        # row 4 (No 4, first): 都道府県名 and 公表 empty.
        "opendata/required": 1,
        # row 3: 2020/01/26 and 2020-02-30.
        "opendata/date-format": 1,
        # row 2 (2020-01-25 is 土, says 金), row 4b (2020-01-20 is 月: ok), row 1,000 (木曜日).
        "opendata/weekday": 2,
        # row 2: onset 01-26 > publication 01-25.
        "opendata/onset-after-publication": 1,
        # 130002 (check digit), 210005 with 東京都 (prefix), 13001 (5 digits), 221317 (abolished,
        # not in the self-test list). 130001 / 131016 are fine; row 4 has no prefecture -> no
        # prefix check but 130002 still fails its check digit.
        "opendata/municipality-code": 4,
        # 東京 (not a full name).
        "opendata/prefecture-name": 1,
        # 90代, 1歳未満, (調査中).
        "opendata/age-band": 3,
        # 男, 不明, －.
        "opendata/sex": 3,
        # row 2 travel 2; row 4b discharge x.
        "opendata/flags": 2,
        # 重篤.
        "opendata/status": 1,
        # row 2 (1 + 死亡); row 1 is 1 + 軽症; row 4a 重症 without flag.
        "opendata/status-discharge": 1,
        # row 3 (調査中), row 4a (-), row 4b (‐‐, 不明), row 1,000 (－ in 性別; "-‐" mixed does
        # not), row 7 (ー in 備考), row 6 (−). Row 1 and 2 have none.
        "opendata/unknown-placeholder": 6,
        # row 2 (、), row 3 (newline). Row 7 (倦怠感・頭痛) does not: '・' is not a separator.
        "opendata/symptom-separator": 2,
        # " 1,000 " (stripped "1,000").
        "opendata/number-format": 1,
        # the two rows with No 4.
        "opendata/duplicate-number": 2,
        # Sorted: 1 (01-24), 4 (invalid date, ignored), 4 (01-20 < 01-24: counts), 6 (01-31),
        # 7 (02-01), 1000 (01-23 < 02-01: counts). Row 2 (No 2, 01-25) and row 3 (invalid) too:
        # No 2 is 01-25 >= 01-24, fine.
        "opendata/publication-order": 2,
    },
}

SELF_TEST_CODES = {"130001", "131016", "210005", "130002"}


def self_test():
    failures = []

    def check(name, got, want):
        if got != want:
            failures.append("%s: got %r, want %r" % (name, got, want))

    # The main table, through every decoding path.
    for label, data in [
        ("utf-8", SELF_TEST_CSV.encode("utf-8")),
        ("utf-8-bom", b"\xef\xbb\xbf" + SELF_TEST_CSV.replace("\n", "\r\n").encode("utf-8")),
        ("cp932", SELF_TEST_CSV.replace("−", "－").encode("cp932")),
    ]:
        text, enc = decode(data)
        check(label + " encoding", enc, {"utf-8-bom": "utf-8-sig"}.get(label, label))
        header, records = parse(text)
        check(label + " header[0]", header[0], "No")
        check(label + " records", len(records), SELF_TEST_EXPECTED["records"])
        got = count(header, records, SELF_TEST_CODES)
        for rule in RULE_IDS:
            check(label + " " + rule, got[rule], SELF_TEST_EXPECTED["rules"][rule])

    # No 曜日 column: weekday never fires; 患者_退院済フラグ wins over 退院済フラグ.
    text = (
        "No,都道府県名,公表_年月日,患者_状態,患者_退院済フラグ,退院済フラグ,,\n"
        "1,岐阜県,2020-01-01,死亡,0,1,ー,\n"
        "2,岐阜県,2020-01-01,重症,1,0,,\n"
    )
    header, records = parse(text)
    check("alias header", header, ["No", "都道府県名", "公表_年月日", "患者_状態", "患者_退院済フラグ", "退院済フラグ"])
    got = count(header, records, SELF_TEST_CODES)
    check("alias status-discharge", got["opendata/status-discharge"], 1)
    check("alias weekday", got["opendata/weekday"], 0)
    check("empty-header column ignored", got["opendata/unknown-placeholder"], 0)

    # Unit checks.
    check("check digit 130001", check_digit_ok("130001"), True)
    check("check digit 221384", check_digit_ok("221384"), True)
    check("check digit 130002", check_digit_ok("130002"), False)
    check("date leap", parse_date("2020-02-29") is not None, True)
    check("date non-leap", parse_date("2021-02-29"), None)
    check("date year 0", parse_date("0000-01-01"), None)
    check("date full-width", parse_date("２０２０-01-01"), None)
    check("placeholder mix", is_placeholder("-‐"), False)
    check("placeholder em dash", is_placeholder("—"), False)
    check("placeholder repeated", is_placeholder("――"), True)
    check("placeholder paren", is_placeholder("(調査中)"), False)
    check("strip ideographic space", strip("\u3000男性 "), "男性")

    # The official list, when the workbook is reachable.
    if os.path.exists(DEFAULT_XLSX):
        codes = load_codes_xlsx(DEFAULT_XLSX)
        check("xlsx size", len(codes), 1965)
        for c in ("010006", "130001", "210005", "131016", "141011", "221384", "431001"):
            check("xlsx has " + c, c in codes, True)
        check("xlsx lacks abolished 221317", "221317" in codes, False)
        check("xlsx all check digits", all(check_digit_ok(c) for c in codes), True)
        check("xlsx prefectures", {c for c in codes if c[2:5] == "000"},
              {PREFECTURE_CODE[p] + "000" + str((11 - (6 * int(PREFECTURE_CODE[p][0]) + 5 * int(PREFECTURE_CODE[p][1])) % 11) % 10)
               for p in PREFECTURES})
    else:
        print("self-test: %s not found, xlsx checks skipped" % DEFAULT_XLSX, file=sys.stderr)

    if failures:
        for f in failures:
            print("FAIL " + f, file=sys.stderr)
        return 1
    print("self-test: ok")
    return 0


def main(argv):
    args = argv[1:]
    if args == ["--self-test"]:
        return self_test()
    municipalities = None
    files = []
    i = 0
    while i < len(args):
        if args[i] == "--municipalities" and i + 1 < len(args):
            municipalities = args[i + 1]
            i += 2
        elif args[i].startswith("--municipalities="):
            municipalities = args[i].split("=", 1)[1]
            i += 1
        elif args[i].startswith("--"):
            print("unknown option %s" % args[i], file=sys.stderr)
            return 2
        else:
            files.append(args[i])
            i += 1
    if len(files) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        result = run_file(files[0], municipalities)
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, ET.ParseError) as e:
        print("count_opendata: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
