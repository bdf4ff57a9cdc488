//! The data dictionary: every field a generated flow may have, with its label, type, attributes,
//! and a sample value for scenarios. A flow declares exactly the fields its steps use, in the
//! order of [`ORDER`], so no field is ever unused or undeclared.
//!
//! Types follow `_shared/README.md` wherever a shared table or subflow reads or writes the field.

use super::model::Lit;
use super::product::{Family, Product};

/// A field's declaration and sample value.
pub(crate) struct FieldDef {
    pub(crate) label: String,
    /// The type as written (`text`, `enum(a, b)`, …).
    pub(crate) ty: String,
    /// Attributes after the type, except `required` and the default (`maxlen 100`).
    pub(crate) attrs: &'static str,
    /// Required when the flow receives it (not when a step of the flow produces it).
    pub(crate) required: bool,
    pub(crate) default: Option<Lit>,
    pub(crate) sample: Lit,
}

/// The order fields are declared in: who the customer is, what they ask for, then what the
/// flow finds out on the way.
pub(crate) const ORDER: &[&str] = &[
    "customer_id",
    "customer_name",
    "phone_number",
    "contact_phone",
    "email",
    "age",
    "is_corporate",
    "postal_code",
    "address",
    "building_type",
    "has_existing_line",
    "line_id",
    "supply_point_id",
    "current_supplier",
    "is_low_voltage",
    "contract_ampere",
    "new_ampere",
    "plan",
    "current_plan",
    "new_plan",
    "option_kind",
    "monthly_fee",
    "device_price",
    "line_count",
    "contract_kind",
    "contract_months",
    "tenure_months",
    "has_mobile_set",
    "is_new_customer",
    "sim_kind",
    "mnp_number",
    "mnp_expiry",
    "conversion_number",
    "conversion_expiry",
    "new_postal_code",
    "new_address",
    "move_date",
    "start_date",
    "new_name",
    "name_change_reason",
    "payment_method",
    "suspend_reason",
    "resume_date",
    "unpaid_months",
    "cancel_reason",
    "end_date",
    "reissue_reason",
    "fault_kind",
    "complaint_kind",
    "complaint_detail",
    "refund_amount",
    "waiver_amount",
    "meter_reading",
    "solar_capacity",
    "listing_name",
    "preferred_date",
    "reschedule_reason",
    "doc_kind",
    "ekyc_passed",
    "waive_requested",
    "area_status",
    "area_code",
    "is_duplicate",
    "credit_score",
    "review_route",
    "campaigns",
    "construction_kind",
    "construction_id",
    "construction_date",
    "remote_test",
    "fault_route",
    "penalty_amount",
    "waive_reason",
    "tracking_number",
    "return_kit_id",
    "iccid",
    "port_id",
    "switching_id",
    "option_id",
    "refund_id",
    "effective_date",
    "activated_at",
    "doc_note",
    "contact_note",
    "retention_note",
    "review_note",
    "support_note",
    "intake_note",
];

fn enum_of(variants: &[&str]) -> String {
    format!("enum({})", variants.join(", "))
}

/// The definition of `name` for a flow of `product`.
pub(crate) fn lookup(name: &str, product: &Product) -> Option<FieldDef> {
    let electricity = product.family == Family::Electricity;
    let mobile = product.family == Family::Mobile;
    let plans = enum_of(product.plans);
    let (label, ty, attrs, required, default, sample): (&str, String, &'static str, bool, Option<Lit>, Lit) = match name
    {
        "customer_id" => ("お客様番号", "text".into(), r#"pattern "^C[0-9]{8}$""#, true, None, Lit::text("C00012345")),
        "customer_name" => ("お客様名", "text".into(), "maxlen 100", true, None, Lit::text("山田太郎")),
        "phone_number" if mobile => {
            ("携帯電話番号", "text".into(), r#"pattern "^0[0-9]{9,10}$""#, true, None, Lit::text("09012345678"))
        }
        "phone_number" => {
            ("連絡先電話番号", "text".into(), r#"pattern "^0[0-9]{9,10}$""#, true, None, Lit::text("0312345678"))
        }
        "contact_phone" => {
            ("連絡先電話番号", "text".into(), r#"pattern "^0[0-9]{9,10}$""#, true, None, Lit::text("0312345678"))
        }
        "email" => (
            "メールアドレス",
            "text".into(),
            r#"maxlen 254 pattern "^[^@ ]+@[^@ ]+$""#,
            true,
            None,
            Lit::text("taro.yamada@example.jp"),
        ),
        "age" => ("年齢", "integer".into(), "min 0 max 130", true, None, Lit::Int(34)),
        "is_corporate" => ("法人契約", "boolean".into(), "", false, Some(Lit::Bool(false)), Lit::Bool(false)),
        "postal_code" => {
            ("郵便番号", "text".into(), r#"pattern "^[0-9]{3}-[0-9]{4}$""#, true, None, Lit::text("154-0017"))
        }
        "address" if electricity => {
            ("使用場所住所", "text".into(), "maxlen 200", true, None, Lit::text(product.sample_address))
        }
        "address" if mobile => ("ご住所", "text".into(), "maxlen 200", true, None, Lit::text(product.sample_address)),
        "address" => ("設置場所住所", "text".into(), "maxlen 200", true, None, Lit::text(product.sample_address)),
        "building_type" => (
            "建物種別",
            enum_of(&["house", "apartment", "office"]),
            "",
            true,
            None,
            Lit::sym(if product.id == "fiber_apartment" { "apartment" } else { "house" }),
        ),
        "has_existing_line" => ("既存光回線", "boolean".into(), "", false, Some(Lit::Bool(false)), Lit::Bool(false)),
        "line_id" if mobile => ("回線番号", "text".into(), "", true, None, Lit::text("M-5500123")),
        "line_id" if electricity => ("需要者契約番号", "text".into(), "", true, None, Lit::text("E-7700456")),
        "line_id" => ("回線ID", "text".into(), "", true, None, Lit::text("L-100200")),
        "supply_point_id" => {
            ("供給地点特定番号", "text".into(), "maxlen 22", true, None, Lit::text("0312345678901234567890"))
        }
        "current_supplier" => {
            ("現在の小売電気事業者", "text".into(), "maxlen 100", true, None, Lit::text("東京電力エナジーパートナー"))
        }
        "is_low_voltage" => ("低圧契約", "boolean".into(), "", false, Some(Lit::Bool(true)), Lit::Bool(true)),
        "contract_ampere" => ("契約アンペア", "integer".into(), "min 10 max 200", true, None, Lit::Int(40)),
        "new_ampere" => ("変更後アンペア", "integer".into(), "min 10 max 200", true, None, Lit::Int(50)),
        "plan" => ("料金プラン", plans, "", false, Some(Lit::sym(product.plans[0])), Lit::sym(product.plans[0])),
        "current_plan" => ("現在のプラン", plans, "", true, None, Lit::sym(product.plans[0])),
        "new_plan" => ("変更後プラン", plans, "", true, None, Lit::sym(product.plans[1])),
        "option_kind" => (
            "オプション種別",
            enum_of(product.options),
            "",
            true,
            None,
            Lit::sym(product.options.first().copied().unwrap_or("none")),
        ),
        "monthly_fee" => {
            ("月額料金", "money".into(), "min 0", false, Some(Lit::Int(product.fee)), Lit::Int(product.fee))
        }
        "device_price" => ("端末代金", "money".into(), "min 0", false, Some(Lit::Int(0)), Lit::Int(0)),
        "line_count" => ("ご契約回線数", "integer".into(), "min 1 max 10", false, Some(Lit::Int(1)), Lit::Int(1)),
        "contract_kind" => (
            "契約期間",
            enum_of(&["free", "two_year", "three_year"]),
            "",
            false,
            Some(Lit::sym("two_year")),
            Lit::sym("two_year"),
        ),
        "contract_months" => ("経過月数", "integer".into(), "min 0 max 600", true, None, Lit::Int(24)),
        "tenure_months" => ("ご利用月数", "integer".into(), "min 0 max 600", true, None, Lit::Int(40)),
        "has_mobile_set" => ("スマホセット割", "boolean".into(), "", false, Some(Lit::Bool(false)), Lit::Bool(false)),
        "is_new_customer" => ("新規のお客様", "boolean".into(), "", false, Some(Lit::Bool(true)), Lit::Bool(true)),
        "sim_kind" => {
            ("SIM種別", enum_of(&["physical", "esim"]), "", false, Some(Lit::sym("physical")), Lit::sym("physical"))
        }
        "mnp_number" => ("MNP予約番号", "text".into(), r#"pattern "^[0-9]{10}$""#, true, None, Lit::text("1234567890")),
        "mnp_expiry" => ("MNP予約番号有効期限", "date".into(), "", true, None, Lit::date("2030-12-31")),
        "conversion_number" => (
            "転用・事業者変更承諾番号",
            "text".into(),
            r#"pattern "^[A-Z][0-9]{9}$""#,
            true,
            None,
            Lit::text("F123456789"),
        ),
        "conversion_expiry" => ("承諾番号有効期限", "date".into(), "", true, None, Lit::date("2030-12-31")),
        "new_postal_code" => {
            ("移転先郵便番号", "text".into(), r#"pattern "^[0-9]{3}-[0-9]{4}$""#, true, None, Lit::text("220-0012"))
        }
        "new_address" => {
            ("移転先住所", "text".into(), "maxlen 200", true, None, Lit::text("神奈川県横浜市西区みなとみらい2-2-1"))
        }
        "move_date" => ("移転日", "date".into(), "", true, None, Lit::date("2026-12-20")),
        "start_date" => ("供給開始希望日", "date".into(), "", true, None, Lit::date("2026-12-01")),
        "new_name" => ("新しい契約名義", "text".into(), "maxlen 100", true, None, Lit::text("山田花子")),
        "name_change_reason" => {
            ("名義変更理由", enum_of(&["marriage", "inheritance", "transfer"]), "", true, None, Lit::sym("marriage"))
        }
        "payment_method" => (
            "支払方法",
            enum_of(&["credit_card", "bank_transfer", "convenience_store"]),
            "",
            true,
            None,
            Lit::sym("credit_card"),
        ),
        "suspend_reason" => (
            "休止理由",
            enum_of(&["long_absence", "hospitalization", "overseas", "other"]),
            "",
            true,
            None,
            Lit::sym("overseas"),
        ),
        "resume_date" => ("再開希望日", "date".into(), "", false, None, Lit::date("2027-04-01")),
        "unpaid_months" => ("未払い月数", "integer".into(), "min 0 max 120", false, Some(Lit::Int(0)), Lit::Int(0)),
        "cancel_reason" => (
            "解約理由",
            enum_of(&["relocation", "price", "quality", "other_provider", "other"]),
            "",
            true,
            None,
            Lit::sym("price"),
        ),
        "end_date" => ("解約希望日", "date".into(), "", true, None, Lit::date("2027-01-31")),
        "reissue_reason" => {
            ("再発行理由", enum_of(&["lost", "damaged", "device_change"]), "", true, None, Lit::sym("damaged"))
        }
        "fault_kind" => {
            ("故障内容", enum_of(&["no_link", "slow", "intermittent", "equipment"]), "", true, None, Lit::sym("slow"))
        }
        "complaint_kind" => (
            "苦情区分",
            enum_of(&["double_billing", "outage", "service", "staff", "other"]),
            "",
            true,
            None,
            Lit::sym("outage"),
        ),
        "complaint_detail" => {
            ("申出内容", "text".into(), "maxlen 2000", true, None, Lit::text("通信障害で3日間利用できなかった"))
        }
        "refund_amount" => ("返金額", "money".into(), "min 0", true, None, Lit::Int(2000)),
        "waiver_amount" => ("減免額", "money".into(), "min 0", true, None, Lit::Int(3300)),
        "meter_reading" => ("申出検針値", "integer".into(), "min 0", true, None, Lit::Int(12480)),
        "solar_capacity" => ("発電設備容量(kW)", "decimal".into(), "min 0 max 50", true, None, Lit::Int(5)),
        "listing_name" => ("掲載名義", "text".into(), "maxlen 100", true, None, Lit::text("山田商店")),
        "preferred_date" => ("工事希望日", "date".into(), "", false, None, Lit::date("2026-12-10")),
        "reschedule_reason" => (
            "変更理由",
            enum_of(&["customer_request", "weather", "partner"]),
            "",
            true,
            None,
            Lit::sym("customer_request"),
        ),
        "doc_kind" => (
            "本人確認書類",
            enum_of(&["license", "my_number", "passport", "health_insurance", "residence_card"]),
            "",
            false,
            Some(Lit::sym("license")),
            Lit::sym("license"),
        ),
        "ekyc_passed" => ("eKYC完了", "boolean".into(), "", false, Some(Lit::Bool(false)), Lit::Bool(true)),
        "waive_requested" => ("違約金免除申出", "boolean".into(), "", false, Some(Lit::Bool(false)), Lit::Bool(false)),
        "area_status" => {
            ("エリア判定", enum_of(&["available", "limited", "unavailable"]), "", false, None, Lit::sym("available"))
        }
        "area_code" => ("収容局コード", "text".into(), "", false, None, Lit::text("13-112")),
        "is_duplicate" => ("重複申込", "boolean".into(), "", false, Some(Lit::Bool(false)), Lit::Bool(false)),
        "credit_score" => ("与信スコア", "integer".into(), "min 0 max 1000", false, None, Lit::Int(780)),
        "review_route" => ("審査ルート", enum_of(&["senior", "standard", "auto"]), "", false, None, Lit::sym("auto")),
        "campaigns" => ("適用キャンペーン", "list of text".into(), "", false, None, Lit::text("CP_WELCOME")),
        "construction_kind" => {
            ("工事種別", enum_of(&["none", "indoor", "standard", "full"]), "", false, None, Lit::sym("standard"))
        }
        "construction_id" => ("工事番号", "text".into(), "", false, None, Lit::text("K-20001")),
        "construction_date" => ("工事日", "date".into(), "", false, None, Lit::date("2026-12-10")),
        "remote_test" => ("遠隔試験結果", enum_of(&["ok", "ng"]), "", false, None, Lit::sym("ok")),
        "fault_route" => (
            "切り分け結果",
            enum_of(&["remote_fix", "dispatch", "carrier", "customer_side", "swap"]),
            "",
            false,
            None,
            Lit::sym("remote_fix"),
        ),
        "penalty_amount" => ("違約金", "money".into(), "min 0", false, Some(Lit::Int(0)), Lit::Int(0)),
        "waive_reason" => ("免除理由", "text".into(), "maxlen 500", false, None, Lit::text("長期利用のため")),
        "tracking_number" => ("伝票番号", "text".into(), "", false, None, Lit::text("4410-2233-0815")),
        "return_kit_id" => ("返却キット番号", "text".into(), "", false, None, Lit::text("R-0815")),
        "iccid" => ("ICCID", "text".into(), "", false, None, Lit::text("8981100012345678901")),
        "port_id" => ("ポータビリティ受付番号", "text".into(), "", false, None, Lit::text("P-30021")),
        "switching_id" => ("スイッチング受付番号", "text".into(), "", false, None, Lit::text("SW-44120")),
        "option_id" => ("オプション契約番号", "text".into(), "", false, None, Lit::text("OP-7781")),
        "refund_id" => ("返金番号", "text".into(), "", false, None, Lit::text("RF-1209")),
        "effective_date" => ("適用日", "date".into(), "", false, None, Lit::date("2026-12-01")),
        "activated_at" => ("利用開始日時", "datetime".into(), "", false, None, Lit::text("2026-12-01T10:00")),
        "doc_note" => ("書類確認メモ", "text".into(), "maxlen 500", false, None, Lit::text("書類一式確認済")),
        "contact_note" => ("連絡記録", "text".into(), "maxlen 1000", false, None, Lit::text("ご本人に完了をご案内")),
        "retention_note" => {
            ("引き止め記録", "text".into(), "maxlen 1000", false, None, Lit::text("割引案内済、解約のご意思変わらず"))
        }
        "review_note" => ("審査メモ", "text".into(), "maxlen 1000", false, None, Lit::text("内容確認済")),
        "support_note" => ("対応記録", "text".into(), "maxlen 2000", false, None, Lit::text("原因を特定し対処済")),
        "intake_note" => ("受付メモ", "text".into(), "maxlen 1000", false, None, Lit::text("特記事項なし")),
        _ => return None,
    };
    Some(FieldDef { label: label.to_string(), ty, attrs, required, default, sample })
}
