// A complete notification (the pack's example record complete-2021, as a form would hold it):
// the demo's 「サンプルを読み込む」 button and the benchmark use it. It has no finding at all on
// 2024-06-01 (tests/api.test.mjs checks that).
const SAMPLE = {
  "id": "demo-0001",
  "hersys_id": "2108001",
  "prefecture": "13",
  "health_center": "新宿区保健所",
  "notification": {
    "reported_on": "2021-08-10",
    "accepted_on": "2021-08-10",
    "physician": {
      "name": "医師 一郎",
      "facility": "西新宿中央クリニック",
      "address": "東京都新宿区西新宿三丁目9番9号",
      "phone": "03-5555-0001"
    },
    "case_class": "patient",
    "deemed_positive": false,
    "patient": {
      "name": "山田 太郎",
      "name_kana": "ヤマダ　タロウ",
      "sex": "male",
      "birth_date": "1985-04-12",
      "age": 36,
      "occupation": "会社員",
      "address": "東京都新宿区西新宿四丁目4番4号",
      "phone": "090-1234-5678",
      "location": "東京都新宿区西新宿四丁目4番4号（自宅）",
      "location_phone": "090-1234-5678",
      "municipality_code": "131041"
    },
    "symptoms": [
      "fever",
      "cough",
      "fatigue"
    ],
    "spo2": 97,
    "tests": [
      {
        "method": "naat",
        "specimen": "nasopharyngeal_swab",
        "sampled_on": "2021-08-08",
        "result": "positive"
      }
    ],
    "first_visit_on": "2021-08-08",
    "diagnosed_on": "2021-08-10",
    "infected_on": "2021-08-03",
    "onset_on": "2021-08-07",
    "infection": {
      "route": {
        "likelihood": "presumed",
        "type": "droplet",
        "detail": "職場の同僚（確定例）との会食"
      },
      "area": {
        "likelihood": "presumed",
        "domestic": [
          {
            "prefecture": "13",
            "municipality": "新宿区"
          }
        ]
      }
    },
    "vaccinations": [
      {
        "dose": 1,
        "status": "yes",
        "age": 36,
        "maker": "ファイザー社",
        "on": "2021-06-25"
      },
      {
        "dose": 2,
        "status": "yes",
        "age": 36,
        "maker": "ファイザー社",
        "on": "2021-07-16"
      }
    ],
    "clinical": {
      "admitted": false,
      "has_risk_factors": true,
      "risk_factors": [
        "hypertension"
      ],
      "immunosuppressed": false,
      "pregnant": false,
      "severity": "mild",
      "needs_admission": false,
      "telemedicine_special": false
    }
  },
  "basic": {
    "name": "山田 太郎",
    "name_kana": "ヤマダ　タロウ",
    "sex": "male",
    "birth_date": "1985-04-12",
    "address": "東京都新宿区西新宿四丁目4番4号",
    "phone": "090-1234-5678"
  },
  "tests": [
    {
      "method": "naat",
      "specimen": "nasopharyngeal_swab",
      "sampled_on": "2021-08-08",
      "result": "positive",
      "resulted_on": "2021-08-09",
      "lab": "民間検査機関"
    }
  ],
  "observations": [
    {
      "on": "2021-08-11",
      "temperature": 38.1,
      "spo2": 96,
      "symptoms": [
        "fever",
        "cough",
        "fatigue"
      ],
      "source": "staff"
    },
    {
      "on": "2021-08-13",
      "temperature": 37.4,
      "spo2": 97,
      "symptoms": [
        "cough"
      ],
      "source": "self"
    },
    {
      "on": "2021-08-16",
      "temperature": 36.6,
      "spo2": 98,
      "symptoms": [
        "none"
      ],
      "source": "self"
    }
  ],
  "medical": [],
  "whereabouts": [
    {
      "kind": "home",
      "place": "自宅",
      "from": "2021-08-11",
      "to": "2021-08-17"
    }
  ],
  "activities": [
    {
      "from": "2021-08-01",
      "to": "2021-08-03",
      "place": "都内の飲食店",
      "overseas": false
    }
  ],
  "record": {
    "care_status": "released",
    "care_start_on": "2021-08-11",
    "care_end_on": "2021-08-17"
  },
  "workflow": {
    "registered_at": "2021-08-10T15:12:00+09:00",
    "confirmed_at": "2021-08-10T17:40:00+09:00",
    "prefecture_checked_at": "2021-08-11T09:30:00+09:00",
    "national_checked_at": "2021-08-12T10:00:00+09:00"
  },
  "acknowledged": []
};

/** A fresh copy of the sample record. */
export function sampleRecord() {
  return structuredClone(SAMPLE);
}
