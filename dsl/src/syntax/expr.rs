//! Lowering of expressions with a Pratt parser, using Rhai's operator precedence.

use super::{Lower, Pair, Rule};
use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp, Value};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::infix(Rule::op_eq, Assoc::Left) | Op::infix(Rule::op_ne, Assoc::Left))
            .op(Op::infix(Rule::op_in, Assoc::Left))
            .op(Op::infix(Rule::op_lt, Assoc::Left)
                | Op::infix(Rule::op_le, Assoc::Left)
                | Op::infix(Rule::op_gt, Assoc::Left)
                | Op::infix(Rule::op_ge, Assoc::Left))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left)
                | Op::infix(Rule::op_div, Assoc::Left)
                | Op::infix(Rule::op_rem, Assoc::Left))
            .op(Op::prefix(Rule::op_not) | Op::prefix(Rule::op_neg))
    })
}

/// Lowers an `expr` pair.
pub(super) fn expr(lower: &mut Lower<'_>, pair: Pair<'_>) -> Expr {
    let span = lower.span(&pair);
    let offset = lower.offset;
    // The Pratt parser's closures cannot borrow `lower` mutably three times, so literal errors
    // (numbers too large) are collected here and moved into the diagnostics afterwards.
    let mut errors = Vec::new();
    let result = pratt()
        .map_primary(|p| primary(offset, p, &mut errors))
        .map_prefix(|op, rhs| {
            let span = span_of(offset, &op).to(rhs.span);
            let op = if op.as_rule() == Rule::op_not { UnaryOp::Not } else { UnaryOp::Neg };
            Expr { kind: ExprKind::Unary(op, Box::new(rhs)), span }
        })
        .map_infix(|lhs, op, rhs| {
            let span = lhs.span.to(rhs.span);
            Expr { kind: ExprKind::Binary(binary(op.as_rule()), Box::new(lhs), Box::new(rhs)), span }
        })
        .parse(pair.into_inner());
    lower.diagnostics.append(&mut errors);
    Expr { span, ..result }
}

fn span_of(offset: usize, pair: &Pair<'_>) -> crate::span::Span {
    let s = pair.as_span();
    crate::span::Span::new(s.start() + offset, s.end() + offset)
}

fn primary(offset: usize, pair: Pair<'_>, errors: &mut Vec<crate::diagnostic::Diagnostic>) -> Expr {
    let span = span_of(offset, &pair);
    let kind = match pair.as_rule() {
        Rule::expr => return nested(offset, pair, errors),
        Rule::call_expr => {
            let mut inner = pair.into_inner();
            let name = inner.next().map_or_else(
                || crate::ast::Name { text: String::new(), span },
                |n| crate::ast::Name { text: n.as_str().to_string(), span: span_of(offset, &n) },
            );
            ExprKind::Call(name, inner.map(|a| nested(offset, a, errors)).collect())
        }
        Rule::array => ExprKind::Array(pair.into_inner().map(|a| nested(offset, a, errors)).collect()),
        Rule::ident => ExprKind::Field(pair.as_str().to_string()),
        _ => {
            let mut diagnostics = Vec::new();
            let mut lower = Lower { offset, diagnostics: &mut diagnostics };
            let value = lower.value(&pair);
            errors.append(&mut diagnostics);
            match value {
                Value::Symbol(s) => ExprKind::Field(s),
                v => ExprKind::Literal(v),
            }
        }
    };
    Expr { kind, span }
}

fn nested(offset: usize, pair: Pair<'_>, errors: &mut Vec<crate::diagnostic::Diagnostic>) -> Expr {
    let mut diagnostics = Vec::new();
    let mut lower = Lower { offset, diagnostics: &mut diagnostics };
    let e = expr(&mut lower, pair);
    errors.append(&mut diagnostics);
    e
}

fn binary(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_in => BinaryOp::In,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        _ => BinaryOp::Rem,
    }
}
