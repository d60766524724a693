//! The small embedded lists that make records look real: municipalities, health centers, names.
//!
//! Every municipality code here is in the 総務省 list of 2024-01-01 and none changed code between
//! 2020 and 2023 (checked against `data/external/municipality-codes/`), so a clean record passes
//! `codes/municipality` and `codes/municipality-unknown` whatever its diagnosis date.

/// A municipality a patient can live in, with what the generator needs to dress an address.
#[derive(Debug)]
pub(crate) struct Municipality {
    /// 6-digit 全国地方公共団体コード, check digit included.
    pub code: &'static str,
    /// 市区町村名.
    pub name: &'static str,
    /// The health center (保健所) that covers it.
    pub health_center: &'static str,
    /// Telephone area code (市外局番), so landlines look local.
    pub area: &'static str,
}

impl Municipality {
    /// The 2-digit prefecture code: the first two digits of the municipality code.
    pub fn prefecture(&self) -> &'static str {
        &self.code[..2]
    }
}

const fn m(
    code: &'static str,
    name: &'static str,
    health_center: &'static str,
    area: &'static str,
) -> Municipality {
    Municipality {
        code,
        name,
        health_center,
        area,
    }
}

/// Prefectural capitals, designated and core cities, and a few Tokyo wards: every prefecture.
pub(crate) static MUNICIPALITIES: &[Municipality] = &[
    m("011002", "札幌市", "札幌市保健所", "011"),
    m("012025", "函館市", "函館市保健所", "0138"),
    m("012041", "旭川市", "旭川市保健所", "0166"),
    m("022012", "青森市", "青森市保健所", "017"),
    m("032018", "盛岡市", "盛岡市保健所", "019"),
    m("041009", "仙台市", "仙台市保健所", "022"),
    m("052019", "秋田市", "秋田市保健所", "018"),
    m("062014", "山形市", "山形市保健所", "023"),
    m("072010", "福島市", "福島市保健所", "024"),
    m("072036", "郡山市", "郡山市保健所", "024"),
    m("072044", "いわき市", "いわき市保健所", "0246"),
    m("082015", "水戸市", "水戸市保健所", "029"),
    m("082201", "つくば市", "つくば保健所", "029"),
    m("092011", "宇都宮市", "宇都宮市保健所", "028"),
    m("102016", "前橋市", "前橋市保健所", "027"),
    m("111007", "さいたま市", "さいたま市保健所", "048"),
    m("112038", "川口市", "川口市保健所", "048"),
    m("112224", "越谷市", "越谷市保健所", "048"),
    m("121002", "千葉市", "千葉市保健所", "043"),
    m("122041", "船橋市", "船橋市保健所", "047"),
    m("131016", "千代田区", "千代田保健所", "03"),
    m("131032", "港区", "みなと保健所", "03"),
    m("131041", "新宿区", "新宿区保健所", "03"),
    m("131121", "世田谷区", "世田谷保健所", "03"),
    m("132012", "八王子市", "八王子市保健所", "042"),
    m("141003", "横浜市", "横浜市保健所", "045"),
    m("141305", "川崎市", "川崎市保健所", "044"),
    m("141500", "相模原市", "相模原市保健所", "042"),
    m("151009", "新潟市", "新潟市保健所", "025"),
    m("162019", "富山市", "富山市保健所", "076"),
    m("172014", "金沢市", "金沢市保健所", "076"),
    m("182010", "福井市", "福井市保健所", "0776"),
    m("192015", "甲府市", "甲府市保健所", "055"),
    m("202011", "長野市", "長野市保健所", "026"),
    m("212016", "岐阜市", "岐阜市保健所", "058"),
    m("221007", "静岡市", "静岡市保健所", "054"),
    m("221309", "浜松市", "浜松市保健所", "053"),
    m("231002", "名古屋市", "名古屋市保健所", "052"),
    m("232114", "豊田市", "豊田市保健所", "0565"),
    m("242012", "津市", "津保健所", "059"),
    m("252018", "大津市", "大津市保健所", "077"),
    m("261009", "京都市", "京都市保健所", "075"),
    m("271004", "大阪市", "大阪市保健所", "06"),
    m("271403", "堺市", "堺市保健所", "072"),
    m("281000", "神戸市", "神戸市保健所", "078"),
    m("282014", "姫路市", "姫路市保健所", "079"),
    m("292010", "奈良市", "奈良市保健所", "0742"),
    m("302015", "和歌山市", "和歌山市保健所", "073"),
    m("312011", "鳥取市", "鳥取市保健所", "0857"),
    m("322016", "松江市", "松江保健所", "0852"),
    m("331007", "岡山市", "岡山市保健所", "086"),
    m("332020", "倉敷市", "倉敷市保健所", "086"),
    m("341002", "広島市", "広島市保健所", "082"),
    m("352039", "山口市", "山口環境保健所", "083"),
    m("362018", "徳島市", "徳島保健所", "088"),
    m("372013", "高松市", "高松市保健所", "087"),
    m("382019", "松山市", "松山市保健所", "089"),
    m("392014", "高知市", "高知市保健所", "088"),
    m("401005", "北九州市", "北九州市保健所", "093"),
    m("401307", "福岡市", "福岡市保健所", "092"),
    m("412015", "佐賀市", "佐賀中部保健所", "0952"),
    m("422011", "長崎市", "長崎市保健所", "095"),
    m("431001", "熊本市", "熊本市保健所", "096"),
    m("442011", "大分市", "大分市保健所", "097"),
    m("452017", "宮崎市", "宮崎市保健所", "0985"),
    m("462012", "鹿児島市", "鹿児島市保健所", "099"),
    m("472018", "那覇市", "那覇市保健所", "098"),
];

/// Prefecture names by JIS X 0401 code − 1.
pub(crate) static PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The name of prefecture `code` ("13" → 東京都).
pub(crate) fn prefecture_name(code: &str) -> &'static str {
    let n: usize = code.parse().unwrap_or(13);
    PREFECTURES[n.clamp(1, 47) - 1]
}

/// (kanji, full-width katakana). Readings are unique so that a name_kana names one surname.
pub(crate) static SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("西村", "ニシムラ"),
    ("藤井", "フジイ"),
    ("金子", "カネコ"),
    ("岡本", "オカモト"),
    ("藤原", "フジワラ"),
    ("中野", "ナカノ"),
    ("三浦", "ミウラ"),
    ("比嘉", "ヒガ"),
];

/// Given names come in lists of this length, so a name index means the same in each list.
pub(crate) const GIVEN_LEN: usize = 32;

/// Men's given names common among those born before 1970.
pub(crate) static MALE_OLDER: [(&str, &str); GIVEN_LEN] = [
    ("清", "キヨシ"),
    ("茂", "シゲル"),
    ("実", "ミノル"),
    ("勇", "イサム"),
    ("博", "ヒロシ"),
    ("進", "ススム"),
    ("明", "アキラ"),
    ("修", "オサム"),
    ("隆", "タカシ"),
    ("弘", "ヒロム"),
    ("和夫", "カズオ"),
    ("正", "タダシ"),
    ("豊", "ユタカ"),
    ("武", "タケシ"),
    ("一郎", "イチロウ"),
    ("次郎", "ジロウ"),
    ("三郎", "サブロウ"),
    ("健一", "ケンイチ"),
    ("幸男", "ユキオ"),
    ("正雄", "マサオ"),
    ("義雄", "ヨシオ"),
    ("秀夫", "ヒデオ"),
    ("光男", "ミツオ"),
    ("英二", "エイジ"),
    ("勝", "マサル"),
    ("功", "イサオ"),
    ("徹", "トオル"),
    ("昇", "ノボル"),
    ("誠一", "セイイチ"),
    ("敏夫", "トシオ"),
    ("哲也", "テツヤ"),
    ("信夫", "ノブオ"),
];

/// Men's given names common among those born from 1970.
pub(crate) static MALE_YOUNGER: [(&str, &str); GIVEN_LEN] = [
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("健太", "ケンタ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("誠", "マコト"),
    ("蓮", "レン"),
    ("陽翔", "ハルト"),
    ("悠真", "ユウマ"),
    ("湊", "ミナト"),
    ("大翔", "ヒロト"),
    ("翔", "ショウ"),
    ("海斗", "カイト"),
    ("颯太", "ソウタ"),
    ("優斗", "ユウト"),
    ("達也", "タツヤ"),
    ("和也", "カズヤ"),
    ("雄一", "ユウイチ"),
    ("正人", "マサト"),
    ("剛", "ツヨシ"),
    ("亮", "リョウ"),
    ("陸", "リク"),
    ("大樹", "ダイキ"),
    ("駿", "シュン"),
    ("樹", "イツキ"),
    ("陽太", "ヨウタ"),
    ("慎也", "シンヤ"),
    ("浩二", "コウジ"),
    ("智也", "トモヤ"),
    ("康介", "コウスケ"),
    ("翼", "ツバサ"),
    ("航", "ワタル"),
];

/// Women's given names common among those born before 1970.
pub(crate) static FEMALE_OLDER: [(&str, &str); GIVEN_LEN] = [
    ("和子", "カズコ"),
    ("幸子", "サチコ"),
    ("節子", "セツコ"),
    ("洋子", "ヨウコ"),
    ("恵子", "ケイコ"),
    ("京子", "キョウコ"),
    ("美智子", "ミチコ"),
    ("弘子", "ヒロコ"),
    ("久美子", "クミコ"),
    ("良子", "ヨシコ"),
    ("悦子", "エツコ"),
    ("明美", "アケミ"),
    ("由美子", "ユミコ"),
    ("順子", "ジュンコ"),
    ("信子", "ノブコ"),
    ("澄子", "スミコ"),
    ("千代子", "チヨコ"),
    ("文子", "フミコ"),
    ("静子", "シズコ"),
    ("百合子", "ユリコ"),
    ("八重子", "ヤエコ"),
    ("君子", "キミコ"),
    ("栄子", "エイコ"),
    ("光子", "ミツコ"),
    ("清子", "キヨコ"),
    ("春子", "ハルコ"),
    ("正子", "マサコ"),
    ("美代子", "ミヨコ"),
    ("典子", "ノリコ"),
    ("登美子", "トミコ"),
    ("敏子", "トシコ"),
    ("孝子", "タカコ"),
];

/// Women's given names common among those born from 1970.
pub(crate) static FEMALE_YOUNGER: [(&str, &str); GIVEN_LEN] = [
    ("陽菜", "ヒナ"),
    ("結衣", "ユイ"),
    ("美咲", "ミサキ"),
    ("さくら", "サクラ"),
    ("葵", "アオイ"),
    ("愛", "アイ"),
    ("彩", "アヤ"),
    ("真由美", "マユミ"),
    ("由佳", "ユカ"),
    ("恵", "メグミ"),
    ("麻衣", "マイ"),
    ("明日香", "アスカ"),
    ("優子", "ユウコ"),
    ("智子", "トモコ"),
    ("直美", "ナオミ"),
    ("香織", "カオリ"),
    ("美穂", "ミホ"),
    ("奈々", "ナナ"),
    ("千尋", "チヒロ"),
    ("沙織", "サオリ"),
    ("結菜", "ユイナ"),
    ("凛", "リン"),
    ("芽依", "メイ"),
    ("杏", "アン"),
    ("莉子", "リコ"),
    ("美月", "ミヅキ"),
    ("花", "ハナ"),
    ("楓", "カエデ"),
    ("紗希", "サキ"),
    ("遥", "ハルカ"),
    ("彩花", "アヤカ"),
    ("理恵", "リエ"),
];

/// Town names common all over Japan, for street addresses.
pub(crate) static TOWNS: &[&str] = &[
    "本町",
    "中央",
    "栄町",
    "緑町",
    "旭町",
    "幸町",
    "駅前",
    "東町",
    "西町",
    "南町",
    "北町",
    "若葉",
    "桜町",
    "松原",
    "新町",
    "元町",
    "宮前",
    "大手町",
    "昭和町",
    "平和台",
];

/// Clinics and hospitals that notify (the municipality name is put in front of some).
pub(crate) static CLINICS: &[&str] = &[
    "内科クリニック",
    "ファミリークリニック",
    "駅前内科",
    "こどもクリニック",
    "呼吸器内科クリニック",
    "発熱外来クリニック",
    "耳鼻咽喉科医院",
    "中央病院",
    "市民病院",
    "医療センター",
    "赤十字病院",
    "総合病院",
];

/// Hospitals that admit patients (the municipality name is put in front).
pub(crate) static HOSPITALS: &[&str] = &[
    "市民病院",
    "医療センター",
    "赤十字病院",
    "総合病院",
    "大学病院",
    "労災病院",
    "中央病院",
    "県立病院",
];

/// Who tested the specimen.
pub(crate) static LABS: &[&str] = &[
    "院内検査",
    "民間検査機関",
    "地方衛生研究所",
    "保健所検査室",
    "PCR検査センター",
];

/// Occupations by age, as health centers write them.
pub(crate) fn occupation(age: i32, pick: usize) -> &'static str {
    const WORKING: &[&str] = &[
        "会社員",
        "会社員",
        "会社員",
        "自営業",
        "パート・アルバイト",
        "公務員",
        "医療従事者",
        "介護職員",
        "教員",
        "保育士",
        "飲食店従業員",
        "販売員",
        "運転手",
        "主婦・主夫",
        "無職",
    ];
    const RETIRED: &[&str] = &[
        "無職",
        "無職",
        "無職",
        "自営業",
        "パート・アルバイト",
        "主婦・主夫",
    ];
    match age {
        0..=5 => "未就学児",
        6..=12 => "小学生",
        13..=15 => "中学生",
        16..=18 => "高校生",
        19..=21 if pick % 3 != 0 => "大学生",
        19..=69 => WORKING[pick % WORKING.len()],
        _ => RETIRED[pick % RETIRED.len()],
    }
}

/// How a domestic case was probably infected (route detail).
pub(crate) static ROUTE_DETAILS: &[&str] = &[
    "家族内感染",
    "職場内感染",
    "友人との会食",
    "施設内感染",
    "学校・保育所",
    "医療機関内",
    "不明",
];

/// Countries people came back from, with a detail for the infection area.
pub(crate) static COUNTRIES: &[(&str, &str)] = &[
    ("アメリカ合衆国", "ニューヨーク州"),
    ("フィリピン", "マニラ"),
    ("大韓民国", "ソウル"),
    ("タイ", "バンコク"),
    ("英国", "ロンドン"),
    ("ベトナム", "ホーチミン"),
    ("フランス", "パリ"),
    ("インドネシア", "ジャカルタ"),
];

/// Full-width katakana and their half-width forms, position for position.
const FULL_KANA: &str = "ァアィイゥウェエォオカキクケコサシスセソタチッツテトナニヌネノハヒフヘホマミムメモャヤュユョヨラリルレロワヲンー　";
const HALF_KANA: &str = "ｧｱｨｲｩｳｪｴｫｵｶｷｸｹｺｻｼｽｾｿﾀﾁｯﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜｦﾝｰ ";

fn half_of(c: char) -> Option<char> {
    FULL_KANA
        .chars()
        .position(|f| f == c)
        .and_then(|i| HALF_KANA.chars().nth(i))
}

/// The same reading in half-width katakana (ｻﾄｳ ﾀﾛｳ): what old systems and some keyboards
/// produce, and what `formats/name-kana` rejects.
pub(crate) fn to_half_width_kana(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(h) = half_of(c) {
            out.push(h);
        } else if c == 'ヴ' {
            out.push_str("ｳﾞ");
        } else if let Some(h) = (c as u32)
            .checked_sub(1)
            .and_then(char::from_u32)
            .filter(|b| "カキクケコサシスセソタチツテトハヒフヘホ".contains(*b))
            .and_then(half_of)
        {
            out.push(h);
            out.push('ﾞ');
        } else if let Some(h) = (c as u32)
            .checked_sub(2)
            .and_then(char::from_u32)
            .filter(|b| "ハヒフヘホ".contains(*b))
            .and_then(half_of)
        {
            out.push(h);
            out.push('ﾟ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn check_digit(code: &str) -> u32 {
        let sum: u32 = code
            .bytes()
            .take(5)
            .zip([6, 5, 4, 3, 2])
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        (11 - sum % 11) % 10
    }

    #[test]
    fn municipality_codes_have_valid_check_digits() {
        let mut codes = HashSet::new();
        let mut prefectures = HashSet::new();
        for m in MUNICIPALITIES {
            assert_eq!(m.code.len(), 6, "{}", m.code);
            assert!(m.code.bytes().all(|b| b.is_ascii_digit()), "{}", m.code);
            let last = u32::from(m.code.as_bytes()[5] - b'0');
            assert_eq!(last, check_digit(m.code), "{} {}", m.code, m.name);
            assert!(codes.insert(m.code), "{} twice", m.code);
            let p: usize = m.prefecture().parse().expect("digits");
            assert!((1..=47).contains(&p));
            prefectures.insert(p);
            assert!(m.health_center.ends_with("保健所"), "{}", m.health_center);
            assert!(
                m.area.starts_with('0') && (2..=4).contains(&m.area.len()),
                "{}",
                m.area
            );
        }
        assert_eq!(prefectures.len(), 47, "every prefecture has a municipality");
        // the canonical examples of the brief
        for (code, name) in [
            ("131016", "千代田区"),
            ("011002", "札幌市"),
            ("271004", "大阪市"),
            ("141003", "横浜市"),
            ("231002", "名古屋市"),
            ("401005", "北九州市"),
        ] {
            assert!(
                MUNICIPALITIES
                    .iter()
                    .any(|m| m.code == code && m.name == name),
                "{code}"
            );
        }
    }

    /// The pack's own code table, when this checkout has it: every code the generator uses
    /// must be known there with no end date (so `codes/municipality-unknown` stays quiet).
    #[test]
    fn municipality_codes_are_in_the_pack_table() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/common/municipalities.csv"
        );
        let Ok(csv) = std::fs::read_to_string(path) else {
            eprintln!("SKIPPED: {path} not found");
            return;
        };
        for m in MUNICIPALITIES {
            let row = csv.lines().find(|l| l.starts_with(m.code));
            let row = row.unwrap_or_else(|| panic!("{} {} not in {path}", m.code, m.name));
            let cols: Vec<&str> = row.split(',').collect();
            assert_eq!(cols.get(2), Some(&m.name), "{row}");
            assert!(cols.get(4).is_none_or(|until| until.is_empty()), "{row}");
        }
    }

    fn full_width_katakana(s: &str) -> bool {
        s.chars()
            .all(|c| ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー')
    }

    #[test]
    fn name_readings_are_unique_full_width_katakana() {
        let lists: [&[(&str, &str)]; 5] = [
            SURNAMES,
            &MALE_OLDER,
            &MALE_YOUNGER,
            &FEMALE_OLDER,
            &FEMALE_YOUNGER,
        ];
        for list in lists {
            let mut seen = HashSet::new();
            for (kanji, kana) in list {
                assert!(!kanji.is_empty());
                assert!(full_width_katakana(kana), "{kana}");
                assert!(seen.insert(*kana), "{kana} twice");
            }
        }
    }

    #[test]
    fn half_width_kana() {
        assert_eq!(to_half_width_kana("サトウ　タロウ"), "ｻﾄｳ ﾀﾛｳ");
        assert_eq!(to_half_width_kana("ゴトウ　ジュンコ"), "ｺﾞﾄｳ ｼﾞｭﾝｺ");
        assert_eq!(to_half_width_kana("パン　ヴ"), "ﾊﾟﾝ ｳﾞ");
        assert_eq!(FULL_KANA.chars().count(), HALF_KANA.chars().count());
    }
}
