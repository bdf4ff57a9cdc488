//! The demo's people as the service's users: everyone the month simulated (`staff::roster`),
//! under the same ids, with an address at `demo.junro.example`, and an administrator. Those
//! listed by `junro demo --serve` sign in with their id and `-demo`.

use super::staff::roster;
use crate::serve::auth::users::NewUser;

/// The people `--serve` lists, who sign in: id and name. Their ids are those the simulation
/// worked under, so each finds the month's work of their kind.
pub(crate) const LISTED: &[(&str, &str)] = &[
    ("op-a01", "山田 花子 (A社)"),
    ("op-b01", "佐藤 次郎 (B社)"),
    ("op-c01", "鈴木 三郎 (C社)"),
    ("sv-a01", "高橋 美咲 (A社SV)"),
    ("bo-reviewer1", "伊藤 健 (審査)"),
    ("bo-credit1", "渡辺 恵 (与信)"),
    ("bo-manager1", "中村 聡 (業務部長)"),
    ("admin", "管理者"),
];

/// A listed person's password: printed, never for production.
pub(crate) fn password(id: &str) -> String {
    format!("{id}-demo")
}

/// Everyone, in the roster's order, then the administrator. A listed person gets their name
/// and password; the others a name made from their desk, and no password.
pub(crate) fn accounts() -> Vec<NewUser> {
    let mut all: Vec<NewUser> = roster()
        .into_iter()
        .map(|person| {
            let actor = person.actor;
            let has = |role: &str| actor.roles.iter().any(|r| r == role);
            NewUser {
                display_name: Some(name(&actor.id, actor.vendor.as_deref())),
                supervisor: has("supervisor"),
                manager: has("manager"),
                roles: actor.roles.iter().filter(|r| *r != "supervisor" && *r != "manager").cloned().collect(),
                vendor: actor.vendor.clone(),
                admin: false,
                password: listed(&actor.id).map(|_| password(&actor.id)),
                email: Some(format!("{}@demo.junro.example", actor.id)),
                language: None,
                id: actor.id,
            }
        })
        .collect();
    all.push(NewUser {
        id: "admin".into(),
        display_name: Some(name("admin", None)),
        admin: true,
        password: Some(password("admin")),
        email: Some("admin@demo.junro.example".into()),
        ..NewUser::default()
    });
    all
}

/// Adds every demo person who is not a user yet.
pub(crate) async fn add_missing(db: &crate::serve::db::Pool, now: jiff::Timestamp) -> anyhow::Result<()> {
    use anyhow::Context as _;
    for new in accounts() {
        if db.user(&new.id).await?.is_none() {
            db.add_user(&new, now).await.with_context(|| format!("adding demo user {}", new.id))?;
        }
    }
    Ok(())
}

fn listed(id: &str) -> Option<&'static str> {
    LISTED.iter().find(|(listed, _)| *listed == id).map(|(_, name)| *name)
}

/// A listed person's name; else the vendor's letter and the desk, e.g. `C社 オペレーター 03`.
fn name(id: &str, vendor: Option<&str>) -> String {
    if let Some(name) = listed(id) {
        return name.to_string();
    }
    let company = vendor.and_then(|v| v.strip_prefix("vendor_")).map(|v| format!("{}社 ", v.to_uppercase()));
    let desk = match id.split_once('-').map(|(desk, _)| desk) {
        Some("op") => "オペレーター",
        Some("sv") => "SV",
        Some("store") => "店舗",
        _ => "バックオフィス",
    };
    let number: String = id.chars().filter(char::is_ascii_digit).collect();
    let team = id.strip_prefix("bo-").map(|r| match r.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "reviewer" => "審査",
        "credit" => "与信",
        "construction" => "工事調整",
        "billing" => "請求",
        "support" => "サポート",
        "logistics" => "物流",
        _ => "業務管理",
    });
    match team {
        Some(team) => format!("{desk} {team}{number}"),
        None => format!("{}{desk} {number}", company.unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_simulated_is_a_user_with_an_address_and_the_listed_sign_in() {
        let all = accounts();
        assert_eq!(all.len(), roster().len() + 1);
        for (id, name) in LISTED {
            let user = all.iter().find(|u| u.id == *id).unwrap_or_else(|| panic!("{id} is simulated"));
            assert_eq!((user.display_name.as_deref(), user.password.as_deref()), (Some(*name), Some(&*password(id))));
        }
        let c3 = all.iter().find(|u| u.id == "op-c03").expect("op-c03");
        assert_eq!((c3.display_name.as_deref(), c3.password.as_deref()), (Some("C社 オペレーター 03"), None));
        assert_eq!(c3.email.as_deref(), Some("op-c03@demo.junro.example"));
        let sv = all.iter().find(|u| u.id == "sv-a01").expect("sv-a01");
        assert!(sv.supervisor && sv.roles == ["operator"], "the supervisor's flag, not a role");
        assert!(all.iter().any(|u| u.id == "admin" && u.admin));
    }
}
