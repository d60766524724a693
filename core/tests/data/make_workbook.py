"""Writes line-list.xlsx and its CSV twin line-list.csv, the fixtures of the workbook tests in
core/tests/input.rs, from generated records (`kakunin sample --count 24 --seed 11 --format csv`).

The workbook is laid out as a line list kept by hand: a title row and a blank row above the
header, dates as Excel dates, ages as numbers, a cell with a line break, a blank row between
records, formatted but empty rows after them, and a second sheet. The CSV twin holds the same
records as text, as Excel's "CSV UTF-8" export of the first sheet would (without the rows above
the header and the blank rows).

    kakunin sample --count 24 --seed 11 --format csv > /tmp/ll.csv
    python core/tests/data/make_workbook.py /tmp/ll.csv      # needs openpyxl
"""

import csv
import datetime
import re
import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
header, records = rows[0], rows[1:]
address = header.index("notification.patient.address")
records[2][address] = records[2][address] + "\n" + "（同居家族あり）"

book = openpyxl.Workbook()
sheet = book.active
sheet.title = "患者一覧"
sheet.append(["○○保健所 新型コロナウイルス感染症 患者一覧"])
sheet.append([])
sheet.append(header)


def cell(column: str, text: str):
    if text == "":
        return None
    is_date_column = column.endswith(("_on", ".on", "birth_date"))
    if is_date_column and DATE.fullmatch(text):
        return datetime.datetime.strptime(text, "%Y-%m-%d")
    if column == "notification.patient.age" and text.isdigit():
        return int(text)
    return text


for i, record in enumerate(records):
    if i == 12:
        sheet.append([])
    sheet.append([cell(h, t) for h, t in zip(header, record)])
for row in range(sheet.max_row + 1, sheet.max_row + 4):
    sheet.cell(row=row, column=1).number_format = "yyyy/mm/dd"
    sheet.cell(row=row, column=1).value = ""
book.create_sheet("メモ").append(["記入上の注意"])
book.save(HERE / "line-list.xlsx")

with open(HERE / "line-list.csv", "w", encoding="utf-8", newline="") as out:
    csv.writer(out, lineterminator="\n").writerows([header, *records])
