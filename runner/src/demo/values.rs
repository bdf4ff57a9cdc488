//! Plausible values for an order's fields, by field name first and type second: Japanese names
//! with their katakana, addresses with their postal codes, phone numbers, ids in the formats the
//! flows check, dates a few days after the order. One order's fields are generated from its
//! business key, so the customer's data at start and what an operator keys in agree.

use super::rng::Rng;
use jiff::ToSpan;
use jiff::civil::Date;
use junro_engine::dsl::ast::Type;
use serde_json::{Value, json};

const FAMILY: &[(&str, &str)] = &[
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
    ("清水", "シミズ"),
];

const GIVEN: &[(&str, &str)] = &[
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健太", "ケンタ"),
    ("美咲", "ミサキ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("大輔", "ダイスケ"),
    ("結衣", "ユイ"),
    ("拓海", "タクミ"),
    ("さくら", "サクラ"),
    ("誠", "マコト"),
    ("直美", "ナオミ"),
    ("浩二", "コウジ"),
    ("由美", "ユミ"),
    ("蓮", "レン"),
    ("葵", "アオイ"),
];

const PLACES: &[(&str, &str)] = &[
    ("141-0032", "東京都品川区大崎"),
    ("150-0002", "東京都渋谷区渋谷"),
    ("160-0022", "東京都新宿区新宿"),
    ("170-0013", "東京都豊島区東池袋"),
    ("220-0011", "神奈川県横浜市西区高島"),
    ("330-0854", "埼玉県さいたま市大宮区桜木町"),
    ("260-0028", "千葉県千葉市中央区新町"),
    ("460-0008", "愛知県名古屋市中区栄"),
    ("530-0001", "大阪府大阪市北区梅田"),
    ("650-0021", "兵庫県神戸市中央区三宮町"),
    ("604-8005", "京都府京都市中京区恵比須町"),
    ("730-0011", "広島県広島市中区基町"),
    ("812-0011", "福岡県福岡市博多区博多駅前"),
    ("980-0021", "宮城県仙台市青葉区中央"),
    ("060-0001", "北海道札幌市中央区北一条西"),
    ("900-0015", "沖縄県那覇市久茂地"),
];

const NOTES: &[&str] = &[
    "お客様に内容を確認済み",
    "申込内容に問題なし",
    "お客様より電話で申出あり",
    "記載内容を確認し登録",
    "関係部署と調整済み",
    "次回連絡は平日午前を希望",
];

/// Generates the fields of one order (or of one subflow order) deterministically.
pub(crate) struct Sample {
    seed: u64,
    key: String,
    day: Date,
}

impl Sample {
    /// Values for the order `key`, received on `day`.
    pub(crate) fn new(seed: u64, key: &str, day: Date) -> Sample {
        Sample { seed, key: key.to_string(), day }
    }

    /// The day the order came in.
    pub(crate) fn day(&self) -> Date {
        self.day
    }

    fn rng(&self, field: &str) -> Rng {
        Rng::keyed(self.seed, &[&self.key, field])
    }

    fn date(&self, days: i64) -> Value {
        let date = self.day.checked_add(days.days()).unwrap_or(self.day);
        Value::String(date.to_string())
    }

    fn digits(rng: &mut Rng, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + rng.range(0, 9) as u8)).collect()
    }

    /// A value of field `field` of type `ty`.
    pub(crate) fn value(&self, field: &str, ty: &Type) -> Value {
        let mut rng = self.rng(field);
        match ty {
            Type::Text => self.text(field, &mut rng),
            Type::Integer => json!(integer(field, &mut rng)),
            Type::Money => json!(money(field, &mut rng)),
            Type::Decimal => json!(decimal(field, &mut rng)),
            Type::Boolean => json!(rng.chance(truth(field))),
            Type::Date => self.date_value(field, &mut rng),
            Type::DateTime => {
                let day = self.day.checked_add(rng.range(0, 3).days()).unwrap_or(self.day);
                json!(format!("{day}T{:02}:{:02}:00", rng.range(9, 17), rng.range(0, 5) * 10))
            }
            Type::Enum(variants) => self.choice(field, variants, &mut rng),
            Type::List(element) => match element.as_ref() {
                Type::Enum(variants) => json!([rng.pick(variants)]),
                Type::Text if field == "campaigns" => json!(["スマホセット割"]),
                other => json!([self.value(&format!("{field}[]"), other)]),
            },
        }
    }

    fn name(&self, field: &str) -> (usize, usize) {
        let mut rng = self.rng(field);
        (rng.range(0, FAMILY.len() as i64 - 1) as usize, rng.range(0, GIVEN.len() as i64 - 1) as usize)
    }

    fn place(&self, field: &str) -> usize {
        self.rng(field).range(0, PLACES.len() as i64 - 1) as usize
    }

    fn text(&self, field: &str, rng: &mut Rng) -> Value {
        let text = match field {
            "customer_name" | "current_name" | "new_name" | "owner_name" | "user_name" | "guardian_name"
            | "ntt_holder_name" | "listing_name" => {
                let (f, g) = self.name(field);
                format!("{} {}", FAMILY[f].0, GIVEN[g].0)
            }
            "customer_kana" => {
                let (f, g) = self.name("customer_name");
                format!("{}\u{3000}{}", FAMILY[f].1, GIVEN[g].1)
            }
            "postal_code" => PLACES[self.place("address")].0.to_string(),
            "new_postal_code" => PLACES[self.place("new_address")].0.to_string(),
            "address" | "new_address" | "building_address" | "postal_address" | "forwarding_address" => {
                let mut at = self.rng(&format!("{field}#"));
                format!("{}{}-{}-{}", PLACES[self.place(field)].1, at.range(1, 5), at.range(1, 20), at.range(1, 30))
            }
            "phone_number" | "contact_phone" | "owner_phone" | "mnp_phone" => {
                format!("0{}0{}", rng.pick(&["9", "8", "7"]), Self::digits(rng, 8))
            }
            "landline_number" | "current_number" | "new_number" => format!("03{}", Self::digits(rng, 8)),
            "email" | "contact_email" => format!("user{}@example.jp", Self::digits(rng, 5)),
            "customer_id" => format!("C{}", Self::digits(rng, 8)),
            "supply_point_id" => format!("03{}", Self::digits(rng, 20)),
            "conversion_number" => format!("T{}", Self::digits(rng, 9)),
            "approval_number" => format!("F{}", Self::digits(rng, 10)),
            "mnp_number" => Self::digits(rng, 10),
            "bank_code" => Self::digits(rng, 4),
            "bank_account" => format!("普通 {}", Self::digits(rng, 7)),
            "card_token" => format!("tok_{}", Self::digits(rng, 16)),
            "iccid" => format!("898110{}", Self::digits(rng, 13)),
            "line_id" => format!("L{}", Self::digits(rng, 9)),
            "ip_block" => "203.0.113.8/29".to_string(),
            "device_model" => rng.pick(&["iPhone 17", "Pixel 10", "Galaxy S26", "AQUOS sense9"]).to_string(),
            "building_name" => format!("{}ハイツ", rng.pick(&["グリーン", "サニー", "パーク", "リバーサイド"])),
            "room_number" => format!("{}{:02}", rng.range(1, 12), rng.range(1, 10)),
            "company_name" => format!("株式会社{}", rng.pick(&["さくら商事", "青葉物産", "みなと設計", "ひかり工業"])),
            "current_supplier" => rng.pick(&["東京電力エナジーパートナー", "関西電力", "中部電力ミライズ"]).to_string(),
            "carrier_ticket" | "police_report" => format!("R-{}", Self::digits(rng, 6)),
            "confirm_topic" => "お申込内容の確認".to_string(),
            "complaint_detail" | "symptom" | "purpose_detail" => rng
                .pick(&["先月の請求額が高いとのお申出", "夜間に通信が途切れる", "工事日程の連絡がないとのお申出"])
                .to_string(),
            _ if field.ends_with("_id") || field.ends_with("_number") => {
                format!("{}{}", field.chars().next().unwrap_or('X').to_ascii_uppercase(), Self::digits(rng, 8))
            }
            _ => rng.pick(NOTES).to_string(),
        };
        Value::String(text)
    }

    fn date_value(&self, field: &str, rng: &mut Rng) -> Value {
        match field {
            "birth_date" => {
                let date = Date::new(rng.range(1950, 2004) as i16, rng.range(1, 12) as i8, rng.range(1, 28) as i8);
                Value::String(date.map(|d| d.to_string()).unwrap_or_else(|_| "1980-04-01".into()))
            }
            "billing_month" => Value::String(self.day.first_of_month().to_string()),
            "end_of_month" => Value::String(self.day.last_of_month().to_string()),
            "preferred_date" | "construction_date" => self.date(rng.range(8, 25)),
            "resume_date" => self.date(rng.range(20, 45)),
            "mnp_expiry" => self.date(rng.range(9, 14)),
            "conversion_expiry" | "approval_expiry" => self.date(rng.range(20, 60)),
            _ => self.date(rng.range(3, 20)),
        }
    }

    fn choice(&self, field: &str, variants: &[String], rng: &mut Rng) -> Value {
        let exclude = match field {
            // A plan change changes the plan.
            "new_plan" => match self.value("current_plan", &Type::Enum(variants.to_vec())) {
                Value::String(current) => Some(current),
                _ => None,
            },
            _ => None,
        };
        let weights: Vec<f64> = variants
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if exclude.as_deref() == Some(v.as_str()) {
                    0.0
                } else {
                    variant_weight(v) * if i == 0 { 2.0 } else { 1.0 }
                }
            })
            .collect();
        Value::String(variants[rng.weighted(&weights)].clone())
    }
}

fn variant_weight(variant: &str) -> f64 {
    match variant {
        "house" | "apartment" => 4.5,
        "two_year" | "license" | "ok" | "credit_card" => 5.0,
        "free" | "my_number" | "bank_transfer" => 3.0,
        "ten_giga" | "three_year" | "ng" => 1.5,
        "other" | "residence_card" => 0.4,
        _ => 1.0,
    }
}

/// How often a boolean field is true.
fn truth(field: &str) -> f64 {
    match field {
        "is_duplicate" => 0.0,
        "is_corporate" => 0.05,
        "waive_requested" => 0.15,
        "want_directory" => 0.2,
        "has_mobile_set" => 0.3,
        "has_existing_line" => 0.4,
        "ekyc_passed" => 0.85,
        "continue_at_new" => 0.7,
        "is_new_customer" | "has_smart_meter" => 0.8,
        "is_low_voltage" => 0.9,
        _ => 0.5,
    }
}

fn integer(field: &str, rng: &mut Rng) -> i64 {
    match field {
        "age" => {
            if rng.chance(0.03) {
                rng.range(15, 17)
            } else {
                rng.range(20, 80)
            }
        }
        "contract_months" => rng.range(1, 60),
        "tenure_months" => rng.range(1, 120),
        "contract_ampere" | "current_ampere" | "new_ampere" => rng.range(2, 6) * 10,
        "unpaid_months" => rng.range(2, 4),
        "credit_score" => rng.range(550, 850),
        "meter_reading" => rng.range(1_000, 30_000),
        "unit_count" => rng.range(10, 200),
        "installments" => *rng.pick(&[12, 24, 36]),
        "ip_count" => *rng.pick(&[1, 8]),
        "line_count" | "license_count" | "tv_outlets" => rng.range(1, 4),
        _ => rng.range(1, 5),
    }
}

fn money(field: &str, rng: &mut Rng) -> i64 {
    let (low, high) = match field {
        "monthly_fee" => (300, 900),
        "refund_amount" => (50, 4_000),
        "waiver_amount" => (50, 330),
        "device_price" => (2_000, 15_000),
        "fee_amount" => (33, 330),
        "unpaid_amount" => (300, 2_000),
        "penalty_amount" => (0, 2_000),
        _ => (100, 1_000),
    };
    rng.range(low, high) * 10
}

fn decimal(field: &str, rng: &mut Rng) -> f64 {
    let x = match field {
        "solar_capacity" => rng.between(3.0, 10.0),
        "unit_price" => rng.between(20.0, 35.0),
        _ => rng.between(0.1, 0.9),
    };
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::Sample;
    use jiff::civil::date;
    use junro_engine::dsl::ast::Type;

    #[test]
    fn the_same_order_gives_the_same_values_and_kana_match_names() {
        let a = Sample::new(1, "ORD-20261102-0001", date(2026, 11, 2));
        let b = Sample::new(1, "ORD-20261102-0001", date(2026, 11, 2));
        assert_eq!(a.value("customer_name", &Type::Text), b.value("customer_name", &Type::Text));
        let kana = a.value("customer_kana", &Type::Text);
        assert!(
            kana.as_str()
                .is_some_and(|k| k.chars().all(|c| ('ァ'..='ヶ').contains(&c) || c == 'ー' || c == '\u{3000}'))
        );
        let phone = a.value("phone_number", &Type::Text);
        assert!(phone.as_str().is_some_and(|p| p.len() == 11 && p.starts_with('0')));
        let plans = Type::Enum(vec!["one_giga".into(), "ten_giga".into()]);
        for key in 0..50 {
            let s = Sample::new(3, &format!("K{key}"), date(2026, 11, 2));
            assert_ne!(s.value("current_plan", &plans), s.value("new_plan", &plans));
        }
    }
}
