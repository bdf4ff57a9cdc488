//! Types of expressions: fields exist, operators get operands they can work on, enum fields are
//! compared only with values they can hold, and conditions are true/false.
//!
//! Where a type cannot be decided (a rule result of unknown shape, an earlier error), the type is
//! `Unknown` and nothing more is reported, so one mistake gives one diagnostic.

use super::flow::FlowCtx;
use crate::ast::{BinaryOp, Expr, ExprKind, Literal, Type, UnaryOp, Value};
use crate::diagnostic::Diagnostic;
use crate::suggest::closest;

/// The type of an expression as far as it can be known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Bool,
    Int,
    Decimal,
    Money,
    Text,
    Date,
    DateTime,
    Enum(Vec<String>),
    List(Box<Ty>),
    Unknown,
}

impl Ty {
    pub(crate) fn of(ty: &Type) -> Ty {
        match ty {
            Type::Text => Ty::Text,
            Type::Integer => Ty::Int,
            Type::Decimal => Ty::Decimal,
            Type::Money => Ty::Money,
            Type::Boolean => Ty::Bool,
            Type::Date => Ty::Date,
            Type::DateTime => Ty::DateTime,
            Type::Enum(v) => Ty::Enum(v.clone()),
            Type::List(t) => Ty::List(Box::new(Ty::of(t))),
        }
    }

    fn numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Decimal | Ty::Money | Ty::Unknown)
    }

    /// Whether values of the two types can be compared for equality.
    pub(crate) fn compatible(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => true,
            (a, b) if a.numeric() && b.numeric() => true,
            (Ty::Text | Ty::Enum(_), Ty::Text | Ty::Enum(_)) => true,
            (Ty::Date | Ty::DateTime, Ty::Date | Ty::DateTime) => true,
            (Ty::List(a), Ty::List(b)) => a.compatible(b),
            (a, b) => a == b,
        }
    }

    /// How the type is named in messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::Bool => "true/false".into(),
            Ty::Int => "an integer".into(),
            Ty::Decimal => "a decimal".into(),
            Ty::Money => "money".into(),
            Ty::Text => "text".into(),
            Ty::Date => "a date".into(),
            Ty::DateTime => "a date and time".into(),
            Ty::Enum(v) => format!("one of {}", v.join(", ")),
            Ty::List(t) => format!("a list of {}", t.describe()),
            Ty::Unknown => "unknown".into(),
        }
    }
}

/// A built-in function: name, parameter count, and its result for given argument types.
const BUILTINS: &[(&str, usize)] =
    &[("len", 1), ("contains", 2), ("is_empty", 1), ("today", 0), ("now", 0), ("days_until", 1), ("days_since", 1)];

impl FlowCtx<'_, '_> {
    /// Checks that `expr` is a condition (true/false).
    pub(crate) fn condition(&mut self, expr: &Expr) {
        let ty = self.infer(expr);
        if !matches!(ty, Ty::Bool | Ty::Unknown) {
            self.out.push(
                Diagnostic::error(
                    "E0403",
                    expr.span,
                    format!("a condition must be true or false, but this is {}", ty.describe()),
                )
                .with_help("compare it with something, for example `x > 0` or `x == \"value\"`"),
            );
        }
    }

    /// The type of `expr`, reporting what is wrong inside it.
    pub(crate) fn infer(&mut self, expr: &Expr) -> Ty {
        match &expr.kind {
            ExprKind::Literal(v) => match v {
                Value::Text(_) | Value::Symbol(_) => Ty::Text,
                Value::Integer(_) => Ty::Int,
                Value::Decimal(_) => Ty::Decimal,
                Value::Boolean(_) => Ty::Bool,
            },
            ExprKind::Field(name) => self.field_type(name, expr.span),
            ExprKind::Array(items) => {
                let types: Vec<Ty> = items.iter().map(|i| self.infer(i)).collect();
                Ty::List(Box::new(types.into_iter().find(|t| *t != Ty::Unknown).unwrap_or(Ty::Unknown)))
            }
            ExprKind::Call(name, args) => self.call(name, args),
            ExprKind::Unary(op, inner) => {
                let ty = self.infer(inner);
                match op {
                    UnaryOp::Not if matches!(ty, Ty::Bool | Ty::Unknown) => Ty::Bool,
                    UnaryOp::Neg if ty.numeric() => ty,
                    UnaryOp::Not => self.mismatch(expr, format!("`!` needs true/false, but this is {}", ty.describe())),
                    UnaryOp::Neg => self.mismatch(expr, format!("`-` needs a number, but this is {}", ty.describe())),
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(expr, *op, l, r),
        }
    }

    fn mismatch(&mut self, expr: &Expr, message: String) -> Ty {
        self.out.push(Diagnostic::error("E0401", expr.span, message));
        Ty::Unknown
    }

    fn field_type(&mut self, name: &str, span: crate::span::Span) -> Ty {
        self.use_field(name);
        match self.fields.get(name) {
            Some(f) => Ty::of(&f.ty),
            None => {
                self.undefined_field(name, span);
                Ty::Unknown
            }
        }
    }

    fn call(&mut self, name: &crate::ast::Name, args: &[Expr]) -> Ty {
        let types: Vec<Ty> = args.iter().map(|a| self.infer(a)).collect();
        if let Some((_, arity)) = BUILTINS.iter().find(|(n, _)| *n == name.text) {
            if *arity != args.len() {
                self.out.push(Diagnostic::error(
                    "E0406",
                    name.span,
                    format!(
                        "`{}` takes {arity} argument{}, but {} {} given",
                        name.text,
                        if *arity == 1 { "" } else { "s" },
                        args.len(),
                        if args.len() == 1 { "is" } else { "are" }
                    ),
                ));
                return Ty::Unknown;
            }
            return match name.text.as_str() {
                "len" => Ty::Int,
                "today" => Ty::Date,
                "now" => Ty::DateTime,
                "days_until" | "days_since" => {
                    if !matches!(types[0], Ty::Date | Ty::DateTime | Ty::Unknown) {
                        let message = format!("`{}` needs a date, but this is {}", name.text, types[0].describe());
                        return self.mismatch(&args[0], message);
                    }
                    Ty::Int
                }
                _ => Ty::Bool,
            };
        }
        if let Some(rule) = self.scope.rules.get(name.text.as_str()) {
            return Ty::of(&rule.item.ty);
        }
        if !self.scope.broken.contains(name.text.as_str()) {
            let candidates = BUILTINS.iter().map(|(n, _)| *n).chain(self.scope.rules.keys().copied());
            let near = closest(&name.text, candidates);
            self.out.push(
                Diagnostic::error("E0207", name.span, format!("no rule or function named `{}`", name.text)).with_help(
                    near.map_or_else(
                        || "declare the rule in a `rules \"file.rhai\" { name -> type }` block".to_string(),
                        |n| format!("did you mean `{n}`?"),
                    ),
                ),
            );
        }
        Ty::Unknown
    }

    fn binary(&mut self, expr: &Expr, op: BinaryOp, l: &Expr, r: &Expr) -> Ty {
        let lt = self.infer(l);
        let rt = self.infer(r);
        let sym = op.symbol();
        match op {
            BinaryOp::Or | BinaryOp::And => {
                for (side, ty) in [(l, &lt), (r, &rt)] {
                    if !matches!(ty, Ty::Bool | Ty::Unknown) {
                        let message = format!("`{sym}` needs true/false on both sides, but this is {}", ty.describe());
                        self.mismatch(side, message);
                    }
                }
                Ty::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                if !lt.compatible(&rt) {
                    let message = format!("cannot compare {} with {}", lt.describe(), rt.describe());
                    return self.mismatch(expr, message).or_bool();
                }
                self.enum_values(l, &lt, r);
                self.enum_values(r, &rt, l);
                Ty::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordered = (lt.numeric() && rt.numeric())
                    || (matches!(lt, Ty::Date | Ty::DateTime | Ty::Unknown)
                        && matches!(rt, Ty::Date | Ty::DateTime | Ty::Unknown))
                    || (matches!(lt, Ty::Text | Ty::Unknown) && matches!(rt, Ty::Text | Ty::Unknown));
                if !ordered {
                    let message = format!("`{sym}` cannot order {} and {}", lt.describe(), rt.describe());
                    return self.mismatch(expr, message).or_bool();
                }
                Ty::Bool
            }
            BinaryOp::In => {
                match &rt {
                    Ty::List(element) => {
                        if !lt.compatible(element) {
                            let message = format!("{} can never be in a list of {}", lt.describe(), element.describe());
                            return self.mismatch(expr, message).or_bool();
                        }
                        if let ExprKind::Array(items) = &r.kind {
                            for item in items {
                                self.enum_values(l, &lt, item);
                            }
                        }
                    }
                    Ty::Text | Ty::Unknown => {}
                    other => {
                        let message =
                            format!("`in` needs a list or a text on its right, but this is {}", other.describe());
                        return self.mismatch(r, message).or_bool();
                    }
                }
                Ty::Bool
            }
            BinaryOp::Add if matches!(lt, Ty::Text) || matches!(rt, Ty::Text) => Ty::Text,
            _ => {
                if !(lt.numeric() && rt.numeric()) {
                    let message = match (lt.numeric(), &l.kind, &r.kind) {
                        (false, ExprKind::Field(f), _) => {
                            format!("`{sym}` needs numbers, but `{f}` is {}", lt.describe())
                        }
                        (false, ..) => format!("`{sym}` needs numbers, but its left side is {}", lt.describe()),
                        (true, _, ExprKind::Field(f)) => {
                            format!("`{sym}` needs numbers, but `{f}` is {}", rt.describe())
                        }
                        (true, ..) => format!("`{sym}` needs numbers, but its right side is {}", rt.describe()),
                    };
                    return self.mismatch(expr, message);
                }
                if matches!(lt, Ty::Money) || matches!(rt, Ty::Money) {
                    Ty::Money
                } else if matches!(lt, Ty::Decimal) || matches!(rt, Ty::Decimal) || op == BinaryOp::Div {
                    Ty::Decimal
                } else if lt == Ty::Unknown || rt == Ty::Unknown {
                    Ty::Unknown
                } else {
                    Ty::Int
                }
            }
        }
    }

    /// When `field_side` is an enum and `value_side` a text literal, the literal must be a variant.
    fn enum_values(&mut self, field_side: &Expr, ty: &Ty, value_side: &Expr) {
        let (Ty::Enum(variants), ExprKind::Literal(Value::Text(value))) = (ty, &value_side.kind) else {
            return;
        };
        if variants.contains(value) {
            return;
        }
        let what = match &field_side.kind {
            ExprKind::Field(f) => format!("`{f}`"),
            _ => "this value".to_string(),
        };
        let near = closest(value, variants.iter().map(String::as_str));
        self.out.push(
            Diagnostic::error(
                "E0402",
                value_side.span,
                format!("{what} can never be \"{value}\": it is one of {}", variants.join(", ")),
            )
            .with_help_opt(near.map(|n| format!("did you mean \"{n}\"?"))),
        );
    }

    /// Checks a literal written for a value of type `ty` (defaults, scenario data, table cells).
    pub(crate) fn literal_fits(&mut self, ty: &Type, literal: &Literal, what: &str) {
        if let Some(problem) = literal_problem(ty, &literal.value) {
            self.out.push(Diagnostic::error("E0404", literal.span, format!("{what} {problem}")));
        }
    }
}

trait OrBool {
    fn or_bool(self) -> Ty;
}

impl OrBool for Ty {
    /// A failed comparison is still a condition; only the comparison itself is reported.
    fn or_bool(self) -> Ty {
        Ty::Bool
    }
}

/// Why `value` cannot be a value of type `ty`, or `None` when it can.
pub(crate) fn literal_problem(ty: &Type, value: &Value) -> Option<String> {
    let ok = match (ty, value) {
        (Type::Text, Value::Text(_)) => true,
        (Type::Integer, Value::Integer(_)) => true,
        (Type::Decimal | Type::Money, Value::Integer(_) | Value::Decimal(_)) => true,
        (Type::Boolean, Value::Boolean(_)) => true,
        (Type::Date, Value::Text(t)) => is_date(t),
        (Type::DateTime, Value::Text(t)) => t.len() >= 16 && is_date(&t[..10]) && t.as_bytes()[10] == b'T',
        (Type::Enum(variants), Value::Text(v) | Value::Symbol(v)) => {
            if variants.contains(v) {
                true
            } else {
                return Some(format!("`{v}` is not one of {}", variants.join(", ")));
            }
        }
        _ => false,
    };
    if ok {
        return None;
    }
    let expected = match ty {
        Type::Text => "text in double quotes".to_string(),
        Type::Integer => "a whole number".to_string(),
        Type::Decimal | Type::Money => "a number".to_string(),
        Type::Boolean => "true or false".to_string(),
        Type::Date => "a date written \"YYYY-MM-DD\"".to_string(),
        Type::DateTime => "a date and time written \"YYYY-MM-DDTHH:MM\"".to_string(),
        Type::Enum(v) => format!("one of {}", v.join(", ")),
        Type::List(_) => "a list (lists cannot be written as a single value)".to_string(),
    };
    let got = match value {
        Value::Text(t) => format!("\"{t}\""),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(d) => d.clone(),
        Value::Boolean(b) => b.to_string(),
        Value::Symbol(s) => format!("`{s}`"),
    };
    Some(format!("must be {expected}, not {got}"))
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(text[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(text[8..10].parse::<u8>(), Ok(1..=31))
}
