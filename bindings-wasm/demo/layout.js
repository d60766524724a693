// What the form shows, tab by tab: each field by its JSON Pointer in the case record
// (../../../shared/domain/RECORD.md). Labels come from the pack's record schema (rules.fields()),
// choices from its code lists (rules.codes()), so the form and the rules cannot disagree on them.
//
// type: text (default) | date | int | number | code (a select of `list`) | codes (checkboxes of
// `list`) | multi (a multiple select of `list`) | bool (はい / いいえ) | datetime (RFC 3339 text)
// An array section gives `array` and `rows` (a fixed number of rows) and its fields by `key`.
// `at`: pointers of objects whose findings are shown at the head of the section.

export const TABS = [
  {
    id: "notification",
    ja: "発生届",
    en: "Notification",
    sections: [
      {
        ja: "報告",
        en: "Report",
        fields: [
          { path: "/notification/reported_on", type: "date" },
          { path: "/notification/accepted_on", type: "date" },
        ],
      },
      {
        at: ["/notification/physician"],
        ja: "届出医師",
        en: "Notifying physician",
        fields: [
          { path: "/notification/physician/name" },
          { path: "/notification/physician/facility" },
          { path: "/notification/physician/address", wide: true },
          { path: "/notification/physician/phone", type: "tel" },
        ],
      },
      {
        ja: "1 類型",
        en: "1 Case class",
        fields: [
          { path: "/notification/case_class", type: "code", list: "case_class" },
          { path: "/notification/deemed_positive", type: "bool" },
        ],
      },
      {
        at: ["/notification/patient"],
        ja: "2–8 当該者",
        en: "2–8 Patient",
        fields: [
          { path: "/notification/patient/name" },
          { path: "/notification/patient/name_kana" },
          { path: "/notification/patient/sex", type: "code", list: "sex" },
          { path: "/notification/patient/birth_date", type: "date" },
          { path: "/notification/patient/age", type: "int" },
          { path: "/notification/patient/age_months", type: "int" },
          { path: "/notification/patient/occupation" },
          { path: "/notification/patient/address", wide: true },
          { path: "/notification/patient/phone", type: "tel" },
          { path: "/notification/patient/municipality_code" },
          { path: "/notification/patient/location", wide: true },
          { path: "/notification/patient/location_phone", type: "tel" },
        ],
      },
      {
        at: ["/notification/guardian"],
        ja: "9–10 保護者（未成年の場合）",
        en: "9–10 Guardian (minors)",
        fields: [
          { path: "/notification/guardian/name" },
          { path: "/notification/guardian/address", wide: true },
          { path: "/notification/guardian/phone", type: "tel" },
        ],
      },
      {
        ja: "11 症状",
        en: "11 Symptoms",
        fields: [
          { path: "/notification/symptoms", type: "codes", list: "symptoms", wide: true },
          { path: "/notification/spo2", type: "number" },
        ],
      },
      {
        ja: "12 診断方法",
        en: "12 Diagnostic method",
        array: "/notification/tests",
        rows: 2,
        fields: [
          { key: "method", type: "code", list: "test_method" },
          { key: "specimen", type: "code", list: "specimen" },
          { key: "sampled_on", type: "date" },
          { key: "result", type: "code", list: "test_result" },
        ],
      },
      {
        ja: "13–17 日付",
        en: "13–17 Dates",
        fields: [
          { path: "/notification/first_visit_on", type: "date" },
          { path: "/notification/sampled_on", type: "date" },
          { path: "/notification/diagnosed_on", type: "date" },
          { path: "/notification/infected_on", type: "date" },
          { path: "/notification/onset_on", type: "date" },
          { path: "/notification/died_on", type: "date" },
        ],
      },
      {
        at: ["/notification/infection", "/notification/infection/route", "/notification/infection/area"],
        ja: "18 感染原因・感染経路・感染地域",
        en: "18 Infection cause, route and area",
        fields: [
          { path: "/notification/infection/route/likelihood", type: "code", list: "infection_likelihood" },
          { path: "/notification/infection/route/type", type: "code", list: "route_type" },
          { path: "/notification/infection/route/detail", wide: true },
          { path: "/notification/infection/area/likelihood", type: "code", list: "infection_likelihood" },
          { path: "/notification/infection/area/departed_on", type: "date" },
          { path: "/notification/infection/area/entered_on", type: "date" },
        ],
      },
      {
        ja: "18 感染地域（国内）",
        en: "18 Infection area (Japan)",
        array: "/notification/infection/area/domestic",
        rows: 2,
        fields: [
          { key: "prefecture", type: "code", list: "prefecture" },
          { key: "municipality" },
        ],
      },
      {
        ja: "18 感染地域（国外）",
        en: "18 Infection area (abroad)",
        array: "/notification/infection/area/overseas",
        rows: 1,
        fields: [{ key: "country" }, { key: "detail" }],
      },
      {
        ja: "18③ ワクチン接種歴",
        en: "18③ Vaccinations",
        array: "/notification/vaccinations",
        rows: 4,
        fields: [
          { key: "dose", type: "int" },
          { key: "status", type: "code", list: "vaccination_status" },
          { key: "age", type: "int" },
          { key: "maker" },
          { key: "on", type: "date" },
        ],
      },
      {
        at: ["/notification/clinical"],
        ja: "19 その他（届出時の状況）",
        en: "19 Other items (at notification)",
        fields: [
          { path: "/notification/clinical/admitted", type: "bool" },
          { path: "/notification/clinical/admitted_on", type: "date" },
          { path: "/notification/clinical/has_risk_factors", type: "bool" },
          { path: "/notification/clinical/risk_factors", type: "codes", list: "risk_factors", wide: true },
          { path: "/notification/clinical/immunosuppressed", type: "bool" },
          { path: "/notification/clinical/pregnant", type: "bool" },
          { path: "/notification/clinical/severity", type: "code", list: "severity" },
          { path: "/notification/clinical/needs_admission", type: "bool" },
          { path: "/notification/clinical/needs_covid_drug", type: "bool" },
          { path: "/notification/clinical/needs_oxygen", type: "bool" },
          { path: "/notification/clinical/telemedicine_special", type: "bool" },
        ],
      },
    ],
  },
  {
    id: "basic",
    ja: "基礎情報",
    en: "Basic information",
    sections: [
      {
        ja: "管理",
        en: "Administration",
        fields: [
          { path: "/hersys_id" },
          { path: "/prefecture", type: "code", list: "prefecture" },
          { path: "/health_center" },
        ],
      },
      {
        at: ["/basic"],
        ja: "基礎情報",
        en: "Basic information",
        fields: [
          { path: "/basic/name" },
          { path: "/basic/name_kana" },
          { path: "/basic/sex", type: "code", list: "sex" },
          { path: "/basic/birth_date", type: "date" },
          { path: "/basic/address", wide: true },
          { path: "/basic/phone", type: "tel" },
        ],
      },
    ],
  },
  {
    id: "tests",
    ja: "検査",
    en: "Tests",
    sections: [
      {
        ja: "検査",
        en: "Tests",
        array: "/tests",
        rows: 3,
        fields: [
          { key: "method", type: "code", list: "test_method" },
          { key: "specimen", type: "code", list: "specimen" },
          { key: "sampled_on", type: "date" },
          { key: "result", type: "code", list: "test_result" },
          { key: "resulted_on", type: "date" },
          { key: "lab" },
        ],
      },
    ],
  },
  {
    id: "observations",
    ja: "健康観察",
    en: "Health observation",
    sections: [
      {
        ja: "健康観察",
        en: "Health observations",
        array: "/observations",
        rows: 3,
        fields: [
          { key: "on", type: "date" },
          { key: "temperature", type: "number" },
          { key: "spo2", type: "number" },
          { key: "symptoms", type: "multi", list: "symptoms" },
          { key: "source", type: "code", list: "observation_source" },
        ],
      },
    ],
  },
  {
    id: "medical",
    ja: "医療",
    en: "Medical",
    sections: [
      {
        ja: "入院",
        en: "Hospital stays",
        array: "/medical",
        rows: 2,
        fields: [
          { key: "hospital" },
          { key: "admitted_on", type: "date" },
          { key: "discharged_on", type: "date" },
          { key: "severity", type: "code", list: "severity" },
          { key: "ventilator", type: "bool" },
          { key: "ecmo", type: "bool" },
        ],
      },
    ],
  },
  {
    id: "record",
    ja: "記録",
    en: "Record",
    sections: [
      {
        at: ["/record"],
        ja: "療養状況",
        en: "Care",
        fields: [
          { path: "/record/care_status", type: "code", list: "care_status" },
          { path: "/record/care_start_on", type: "date" },
          { path: "/record/care_end_on", type: "date" },
          { path: "/record/died_on", type: "date" },
        ],
      },
      {
        ja: "居所",
        en: "Whereabouts",
        array: "/whereabouts",
        rows: 2,
        fields: [
          { key: "kind", type: "code", list: "whereabouts_kind" },
          { key: "place" },
          { key: "from", type: "date" },
          { key: "to", type: "date" },
        ],
      },
      {
        ja: "行動歴",
        en: "Activities",
        array: "/activities",
        rows: 2,
        fields: [
          { key: "from", type: "date" },
          { key: "to", type: "date" },
          { key: "place" },
          { key: "overseas", type: "bool" },
          { key: "country" },
        ],
      },
      {
        at: ["/workflow"],
        ja: "処理状況",
        en: "Workflow",
        fields: [
          { path: "/workflow/registered_at", type: "datetime" },
          { path: "/workflow/confirmed_at", type: "datetime" },
          { path: "/workflow/prefecture_checked_at", type: "datetime" },
          { path: "/workflow/national_checked_at", type: "datetime" },
        ],
      },
    ],
  },
];
