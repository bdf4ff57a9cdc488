//! What differs per product: labels, the service code passed to actions, plans, fee, equipment.

/// The product families; recipes differ by family more than by product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Fiber,
    Mobile,
    Tv,
    Phone,
    Electricity,
    /// An option sold on top of a fiber line (router rental, fixed IP, security pack).
    Addon,
}

/// A product of the catalogue.
#[derive(Debug)]
pub(crate) struct Product {
    /// Folder and id prefix, e.g. `fiber_home`.
    pub(crate) id: &'static str,
    /// Japanese name, e.g. 光ホーム.
    pub(crate) label: &'static str,
    pub(crate) family: Family,
    /// The `service` code actions expect.
    pub(crate) service: &'static str,
    /// Plan ids (enum variants); the first is the entry plan.
    pub(crate) plans: &'static [&'static str],
    /// Typical monthly fee (yen, tax included).
    pub(crate) fee: i64,
    /// Equipment the customer keeps at home: (`equipment_kind` value, Japanese name).
    pub(crate) equipment: Option<(&'static str, &'static str)>,
    /// Option kinds that can be added to this product.
    pub(crate) options: &'static [&'static str],
    /// For add-on products: the `option_kind` the product is sold as (see `option_fee`).
    pub(crate) addon_kind: Option<&'static str>,
    /// Sample installation address used in scenarios.
    pub(crate) sample_address: &'static str,
}

const PRODUCTS: &[Product] = &[
    Product {
        id: "fiber_home",
        label: "光ホーム",
        family: Family::Fiber,
        service: "fiber",
        plans: &["one_giga", "two_giga", "ten_giga"],
        fee: 5720,
        equipment: Some(("onu", "ONU")),
        options: &["security", "fixed_ip", "mesh_wifi", "remote_support"],
        addon_kind: None,
        sample_address: "東京都世田谷区桜丘3-2-1",
    },
    Product {
        id: "fiber_apartment",
        label: "光マンション",
        family: Family::Fiber,
        service: "fiber",
        plans: &["one_giga", "two_giga", "ten_giga"],
        fee: 4180,
        equipment: Some(("onu", "ONU")),
        options: &["security", "fixed_ip", "mesh_wifi", "remote_support"],
        addon_kind: None,
        sample_address: "大阪府大阪市北区梅田1-1-1 梅田ハイツ502",
    },
    Product {
        id: "mobile_sim",
        label: "モバイル",
        family: Family::Mobile,
        service: "mobile",
        plans: &["data_3gb", "data_20gb", "unlimited"],
        fee: 2970,
        equipment: Some(("sim", "SIMカード")),
        options: &["call_unlimited", "call_5min", "data_share", "device_insurance"],
        addon_kind: None,
        sample_address: "愛知県名古屋市中区栄2-3-4",
    },
    Product {
        id: "tv",
        label: "光テレビ",
        family: Family::Tv,
        service: "tv",
        plans: &["basic", "premium", "all_channels"],
        fee: 825,
        equipment: Some(("stb", "セットトップボックス")),
        options: &["movie_channel", "sports_channel", "kids_channel", "recording_service"],
        addon_kind: None,
        sample_address: "福岡県福岡市中央区天神4-5-6",
    },
    Product {
        id: "phone",
        label: "光電話",
        family: Family::Phone,
        service: "phone",
        plans: &["light", "standard", "unlimited_calls"],
        fee: 550,
        equipment: Some(("router", "光電話対応ルーター")),
        options: &["number_display", "catch_phone", "call_forwarding", "nuisance_block"],
        addon_kind: None,
        sample_address: "北海道札幌市中央区北1条西2-3",
    },
    Product {
        id: "electricity",
        label: "でんき",
        family: Family::Electricity,
        service: "electricity",
        plans: &["standard", "time_of_use", "all_electric"],
        fee: 8800,
        equipment: Some(("smart_meter_adapter", "HEMSアダプター")),
        options: &["home_support", "green_power"],
        addon_kind: None,
        sample_address: "埼玉県さいたま市浦和区高砂1-2-3",
    },
    Product {
        id: "router_rental",
        label: "ルーターレンタル",
        family: Family::Addon,
        service: "router_rental",
        plans: &["wifi6", "wifi7", "mesh"],
        fee: 880,
        equipment: Some(("router", "Wi-Fiルーター")),
        options: &[],
        addon_kind: Some("mesh_wifi"),
        sample_address: "京都府京都市下京区四条通1-2",
    },
    Product {
        id: "fixed_ip",
        label: "固定IP",
        family: Family::Addon,
        service: "fixed_ip",
        plans: &["ip1", "ip8", "ip16"],
        fee: 1100,
        equipment: None,
        options: &[],
        addon_kind: Some("fixed_ip"),
        sample_address: "東京都千代田区丸の内1-1-1 丸の内ビル12F",
    },
    Product {
        id: "security_pack",
        label: "セキュリティパック",
        family: Family::Addon,
        service: "security",
        plans: &["devices3", "devices5", "devices10"],
        fee: 550,
        equipment: None,
        options: &[],
        addon_kind: Some("security"),
        sample_address: "宮城県仙台市青葉区中央1-1-1",
    },
];

/// The product with this id.
pub(crate) fn find(id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}
