//! Intake by channel, and customer documents.

use super::*;

/// How the operation is taken in.
pub(crate) struct Intake {
    /// Label of the phone/store intake task, e.g. 新規申込受付.
    pub(crate) label: &'static str,
    /// The paper form, e.g. 申込書.
    pub(crate) form: &'static str,
    pub(crate) sla: &'static str,
    pub(crate) show: Vec<&'static str>,
    pub(crate) edit: Vec<&'static str>,
    pub(crate) require: Vec<&'static str>,
    /// Whether web orders get a front check of what the customer entered.
    pub(crate) web_check: bool,
    /// Stem of the notice templates, e.g. `new_order`.
    pub(crate) template: &'static str,
}

impl Intake {
    pub(crate) fn new(label: &'static str, template: &'static str) -> Intake {
        Intake {
            label,
            form: "申込書",
            sla: "30m",
            show: Vec::new(),
            edit: Vec::new(),
            require: Vec::new(),
            web_check: false,
            template,
        }
    }
    pub(crate) fn form(mut self, form: &'static str) -> Intake {
        self.form = form;
        self
    }
    pub(crate) fn sla(mut self, sla: &'static str) -> Intake {
        self.sla = sla;
        self
    }
    pub(crate) fn show(mut self, f: &[&'static str]) -> Intake {
        self.show.extend_from_slice(f);
        self
    }
    pub(crate) fn edit(mut self, f: &[&'static str]) -> Intake {
        self.edit.extend_from_slice(f);
        self
    }
    pub(crate) fn require(mut self, f: &[&'static str]) -> Intake {
        self.require.extend_from_slice(f);
        self
    }
    pub(crate) fn web_check(mut self) -> Intake {
        self.web_check = true;
        self
    }
}

/// The intake stage for the row's channel.
pub(crate) fn intake(c: &mut Ctx<'_>, spec: Intake) {
    let priority = c.priority();
    match c.channel() {
        Channel::Phone | Channel::Store => {
            let store = c.channel() == Channel::Store;
            let label = if store { format!("店頭{}", spec.label) } else { spec.label.to_string() };
            c.b.stage();
            let next = c.b.next();
            let task = Task::new("front", "operator", if store { "20m" } else { spec.sla })
                .vendor("same")
                .show(&spec.show)
                .edit(&spec.edit)
                .require(&spec.require)
                .priority(priority)
                .then(next);
            c.b.add("intake", &label, task);
            c.intake = Some("intake");
            c.say(if store {
                "A shop clerk keys the order at the counter."
            } else {
                "The operator keys the request during the call."
            });
        }
        Channel::Web => {
            c.b.stage();
            let mut receipt = Auto::new("send_notice")
                .input("template", quoted(&format!("{}_received", spec.template)))
                .pass(&["customer_name"]);
            if spec.edit.contains(&"email") {
                receipt = receipt.pass(&["email"]);
            }
            if spec.web_check {
                receipt = receipt.retry(3, Some("1m")).then("web_check");
                c.b.add("web_receipt", "受付メール送信", receipt);
                let next = c.b.next();
                let abandoned = c.b.end("abandoned", "訂正なし(取下げ)", "withdrawn");
                let mut shown: Vec<&'static str> = spec.show.clone();
                shown.extend(spec.edit.iter().filter(|f| !shown.contains(f)).copied().collect::<Vec<_>>());
                let task = Task::new("front", "operator", "4h")
                    .vendor("any")
                    .show(&shown)
                    .priority(priority)
                    .outcome("ok", "内容確認OK", next)
                    .outcome("incomplete", "不備あり", "web_fix");
                c.b.add("web_check", "Web申込内容確認", task);
                c.intake = Some("web_check");
                let fix = Auto::new("send_notice")
                    .input("template", quoted(&format!("{}_fix_request", spec.template)))
                    .pass(&["customer_name"])
                    .then("wait_fix");
                c.b.add("web_fix", "訂正依頼メール送信", fix);
                c.b.wait(
                    "wait_fix",
                    "お客様訂正待ち",
                    vec![Arm::Signal("documents_received", "web_check".into()), Arm::After("14d", abandoned)],
                );
                c.say("The customer applies on the web; a front operator checks the entries and asks for corrections when needed.");
                c.alt(
                    2,
                    Play::new("入力内容に不備があり、お客様の訂正後に受付")
                        .choose("web_check", "incomplete")
                        .choose("wait_fix", "documents_received"),
                );
                c.alt(
                    1,
                    Play::new("訂正依頼に14日間応答がなく取下げ")
                        .choose("web_check", "incomplete")
                        .choose("wait_fix", "timeout"),
                );
            } else {
                let next = c.b.next();
                c.b.add("web_receipt", "受付メール送信", receipt.retry(3, Some("1m")).then(next));
                c.say("The customer applies on the web (My Page); no operator takes the order.");
            }
        }
        Channel::Paper => {
            c.b.stage();
            let next = c.b.next();
            let no_reply = c.b.end("no_reply", "書類未返送", "withdrawn");
            let label = format!("{}入力", spec.form);
            let mut fields: Vec<&'static str> = spec.show.clone();
            fields.retain(|f| !spec.edit.contains(f));
            let task = Task::new("back", "reviewer", "1d")
                .vendor("any")
                .show(&fields)
                .edit(&spec.edit)
                .require(&spec.require)
                .priority(priority)
                .remind("4h")
                .outcome("entered", "入力完了", next)
                .outcome("deficient", "記入不備", "request_fix");
            c.b.add("entry", &label, task);
            c.intake = Some("entry");
            let fix = Auto::new("send_notice")
                .input("template", quoted("form_deficient"))
                .pass(&["customer_name"])
                .then("wait_fix");
            c.b.add("request_fix", "不備書類返送依頼", fix);
            c.b.wait(
                "wait_fix",
                &format!("訂正{}到着待ち", spec.form),
                vec![Arm::Signal("documents_received", "entry".into()), Arm::After("21d", no_reply)],
            );
            c.say(format!(
                "The customer posts a {}; the back office keys it in and returns forms with mistakes, withdrawing the order after 21 days without an answer.",
                form_english(spec.form)
            ));
            c.alt(
                2,
                Play::new(format!("{}の記入不備を返送し、訂正後に入力", spec.form))
                    .choose("entry", "deficient")
                    .choose("wait_fix", "documents_received"),
            );
            c.alt(
                1,
                Play::new("訂正書類が21日間届かず取下げ").choose("entry", "deficient").choose("wait_fix", "timeout"),
            );
        }
        Channel::System => {}
    }
}

fn form_english(form: &str) -> &'static str {
    match form {
        "解約届" => "cancellation form",
        "変更届" => "change form",
        "依頼書" => "request form",
        _ => "paper form",
    }
}

// -------------------------------------------------------------------- documents

/// Customer documents: the shared identity check, or forms (`docs` names them) that the back
/// office checks.
pub(crate) fn documents(c: &mut Ctx<'_>, docs: &'static str, template: &'static str) {
    match c.documents() {
        Documents::None => {}
        Documents::Identity => {
            c.b.stage();
            let next = c.b.next();
            let call = Call::new(Sub::Identity)
                .pass(&["customer_name", "doc_kind", "ekyc_passed"])
                .output("doc_note", "doc_note")
                .then(next);
            c.b.add("identity", "本人確認", call);
            c.say("Identity is checked by the shared identity_check (eKYC passes at once).");
        }
        Documents::Form => {
            c.b.stage();
            let next = c.b.next();
            let expired = c.b.end("docs_expired", "書類未着", "cancelled");
            let request = Auto::new("send_notice")
                .input("template", quoted(template))
                .pass(&["customer_name"])
                .retry(3, Some("1m"))
                .then("wait_docs");
            c.b.add("request_docs", &format!("{docs}送付依頼"), request);
            c.b.wait(
                "wait_docs",
                &format!("{docs}到着待ち"),
                vec![Arm::Signal("documents_received", "check_docs".into()), Arm::After("30d", expired)],
            );
            let task = Task::new("back", "reviewer", "1d")
                .vendor("any")
                .show(&["customer_name"])
                .require(&["doc_note"])
                .remind("4h")
                .outcome("ok", "確認OK", next)
                .outcome("deficient", "不備あり", "request_docs");
            c.b.add("check_docs", &format!("{docs}確認"), task);
            c.say(format!("The customer sends documents ({docs}); the back office checks them, and the order is cancelled after 30 days without them."));
            c.alt(1, Play::new(format!("{docs}が30日間届かず取消")).choose("wait_docs", "timeout"));
        }
    }
}

// -------------------------------------------------------------------- checks
