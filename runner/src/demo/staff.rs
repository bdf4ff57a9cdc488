//! The people: front operators of three outsourcing vendors who differ in speed and accuracy, and
//! the in-house back office. In working hours each free person takes the most urgent task they may
//! work (`Engine::take_next`), spends a handling time that depends on the task and their skill,
//! then completes it — or sends it back, or finds it withdrawn meanwhile.

use junro_engine::machine::Actor;

/// An outsourcing vendor of front operators.
pub(crate) struct Vendor {
    /// Vendor id, as recorded on orders.
    pub(crate) id: &'static str,
    /// Letter used in people's ids.
    letter: char,
    /// Handling time factor (1 = average).
    pub(crate) speed: f64,
    /// How often an entry has a mistake.
    pub(crate) error: f64,
    /// Operators.
    operators: usize,
}

/// The three vendors: A fast and accurate, B average, C slow with more mistakes.
pub(crate) const VENDORS: &[Vendor] = &[
    Vendor { id: "vendor_a", letter: 'a', speed: 0.8, error: 0.02, operators: 3 },
    Vendor { id: "vendor_b", letter: 'b', speed: 1.0, error: 0.08, operators: 3 },
    Vendor { id: "vendor_c", letter: 'c', speed: 1.5, error: 0.25, operators: 5 },
];

/// The in-house back-office team: (id prefix, roles, how many).
const BACK_OFFICE: &[(&str, &[&str], usize)] = &[
    ("reviewer", &["reviewer"], 3),
    ("credit", &["credit_officer"], 2),
    ("construction", &["construction_coordinator"], 2),
    ("billing", &["billing_clerk"], 3),
    ("support", &["support_agent"], 3),
    ("logistics", &["logistics"], 1),
    ("manager", &["manager", "supervisor"], 1),
];

/// One person and what they are doing.
pub(crate) struct Person {
    /// Who.
    pub(crate) actor: Actor,
    /// Handling time factor.
    pub(crate) speed: f64,
    /// Mistake rate.
    pub(crate) error: f64,
}

/// Everyone, in a fixed order.
pub(crate) fn roster() -> Vec<Person> {
    let mut people = Vec::new();
    for vendor in VENDORS {
        let person = |id: String, roles: &[&str]| Person {
            actor: Actor::person(&id, roles, Some(vendor.id)),
            speed: vendor.speed,
            error: vendor.error,
        };
        for i in 1..=vendor.operators {
            people.push(person(format!("op-{}{i:02}", vendor.letter), &["operator"]));
        }
        people.push(person(format!("sv-{}01", vendor.letter), &["operator", "supervisor"]));
        people.push(person(format!("store-{}01", vendor.letter), &["store_staff"]));
    }
    for (prefix, roles, count) in BACK_OFFICE {
        for i in 1..=*count {
            people.push(Person {
                actor: Actor::person(&format!("bo-{prefix}{i}"), roles, None),
                speed: 1.0,
                error: 0.02,
            });
        }
    }
    people
}

/// Minutes a task takes on average, by lane kind and form size, before the person's factor.
pub(crate) fn base_minutes(back: bool, lane: &str, fields: usize, outcomes: usize) -> f64 {
    let base = match (back, lane) {
        (false, "store") => 20.0,
        (false, _) if outcomes > 0 => 10.0,
        (false, _) => 10.0 + 1.5 * fields as f64,
        (true, "field") => 30.0,
        (true, _) => 20.0 + 2.0 * fields as f64,
    };
    base.min(45.0)
}
