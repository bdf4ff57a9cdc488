//! A native evaluator for plain rules, with Rhai's semantics and Rhai as the fallback.
//!
//! Most rules are a few `if`/`return`s over comparisons of their arguments. Calling them in
//! Rhai costs far more than the comparisons: the arguments are collected twice, every `return`
//! is a boxed error, the call clones shared state, and every node counts an operation. So a rule
//! that a condition calls directly is translated once, when the condition is compiled for a
//! deployment, from Rhai's own AST (the `internals` feature: syntax, optimisation and diagnostics stay Rhai's)
//! into a small tree evaluated here.
//!
//! The contract is one-sided: [`NativeRule::run`] either returns the value Rhai would return,
//! or gives up (`None`) and the caller runs the rule in Rhai. It gives up at translation on
//! anything outside the subset (loops, assignments, calls of functions or methods, floats,
//! characters, arrays, `throw`…) and at run time on anything Rhai would treat other than by
//! its built-in operators on integers, booleans, texts and `()` (an error, an overflow, a
//! value of another type), so errors, incidents and their messages always come from Rhai.
//! Translated rules have no loops and no calls, so they end after at most one step per node:
//! Rhai's operation limit could not fire for them, and the translation refuses bodies larger
//! than [`MAX_NODES`] to keep that true.

use junro_dsl::ast::Type;
use rhai::{AST, ASTFlags, ASTNode, Expr, FnAccess, FnCallExpr, Stmt, Token};

/// Variables (parameters and `let`s) a translated rule may have; more stay in Rhai.
pub(crate) const MAX_SLOTS: usize = 16;

/// Nodes a translated rule may have, far below Rhai's operation limit (one operation a node).
const MAX_NODES: usize = 10_000;

/// A value the evaluator computes with. Texts borrow from the rule's literals or the order's
/// data: no rule in the subset builds a new text, so nothing is allocated while it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value<'a> {
    Unit,
    Bool(bool),
    Int(i64),
    Str(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug)]
enum Node {
    Unit,
    Bool(bool),
    Int(i64),
    Str(Box<str>),
    Var(usize),
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(Op, Box<(Node, Node)>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Block(Vec<Step>),
}

#[derive(Debug)]
enum Step {
    Noop,
    Let(usize, Node),
    Expr(Node),
    If(Node, Vec<Step>, Vec<Step>),
    Block(Vec<Step>),
    Return(Node),
}

/// Why evaluation stopped before the end of the body.
enum Stop<'a> {
    /// `return value`.
    Return(Value<'a>),
    /// Something Rhai would do differently (an error, another type): Rhai must run the rule.
    GiveUp,
}

/// A rule function translated for the native evaluator.
#[derive(Debug)]
pub(crate) struct NativeRule {
    params: usize,
    body: Vec<Step>,
}

impl NativeRule {
    /// Translates the rule `name` of `rules` taking `arity` arguments, or `None` when it uses
    /// anything outside the subset.
    pub(crate) fn translate(rules: &AST, name: &str, arity: usize) -> Option<NativeRule> {
        if !crate::script::engine().fast_operators() {
            return None;
        }
        let function = rules.iter_functions().find(|f| f.name == name && f.params.len() == arity)?;
        if function.access != FnAccess::Public || function.this_type.is_some() {
            return None;
        }
        let mut translator = Translator { names: Vec::new(), slots: 0, nodes: 0 };
        for param in &function.params {
            translator.bind(param)?;
        }
        // Rhai does not export the type of a function's body; walking an AST that holds only
        // this function visits the body's statements in order, each alone on the path.
        // (`clone_functions_only_filtered` would not do: it keeps every function when none has
        // been kept yet.)
        let mut alone = rules.clone();
        alone.clear_statements().retain_functions(|_, _, n, a| n == name && a == arity);
        let mut body = Some(Vec::new());
        alone.walk(&mut |path: &[ASTNode]| {
            if let ([ASTNode::Stmt(stmt)], Some(steps)) = (path, body.as_mut()) {
                match translator.stmt(stmt) {
                    Some(step) => steps.push(step),
                    None => body = None,
                }
            }
            body.is_some()
        });
        Some(NativeRule { params: arity, body: body? })
    }

    /// Runs the rule on the fields `args` of `data` (an unset field has the value
    /// [`super::absent`] gives Rhai), or `None` to let Rhai run it.
    pub(crate) fn run(&self, args: &[(String, Type)], data: &super::Data) -> Option<serde_json::Value> {
        if args.len() != self.params {
            return None;
        }
        let mut slots = [Value::Unit; MAX_SLOTS];
        for (slot, (field, ty)) in slots.iter_mut().zip(args) {
            *slot = match data.get(field) {
                None | Some(serde_json::Value::Null) => match ty {
                    Type::Text => Value::Str(""),
                    Type::Boolean => Value::Bool(false),
                    Type::List(_) => return None,
                    _ => Value::Unit,
                },
                Some(serde_json::Value::Bool(b)) => Value::Bool(*b),
                Some(serde_json::Value::String(s)) => Value::Str(s),
                Some(serde_json::Value::Number(n)) => Value::Int(n.as_i64()?),
                Some(_) => return None,
            };
        }
        let value = match block(&self.body, &mut slots) {
            Ok(value) | Err(Stop::Return(value)) => value,
            Err(Stop::GiveUp) => return None,
        };
        Some(match value {
            Value::Unit => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Int(i) => serde_json::Value::from(i),
            Value::Str(s) => serde_json::Value::String(s.to_owned()),
        })
    }
}

/// Names in scope while translating, each bound to a slot; a new slot for every binding.
struct Translator {
    names: Vec<(String, usize)>,
    slots: usize,
    nodes: usize,
}

impl Translator {
    fn bind(&mut self, name: &str) -> Option<usize> {
        let slot = self.slots;
        if slot >= MAX_SLOTS {
            return None;
        }
        self.slots += 1;
        self.names.push((name.to_owned(), slot));
        Some(slot)
    }

    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// A statement block: its `let`s go out of scope at its end, as in Rhai.
    fn block(&mut self, statements: &[Stmt]) -> Option<Vec<Step>> {
        let in_scope = self.names.len();
        let steps = statements.iter().map(|s| self.stmt(s)).collect::<Option<Vec<_>>>();
        self.names.truncate(in_scope);
        steps
    }

    fn stmt(&mut self, stmt: &Stmt) -> Option<Step> {
        self.count()?;
        Some(match stmt {
            Stmt::Noop(..) => Step::Noop,
            Stmt::Expr(expr) => Step::Expr(self.expr(expr)?),
            Stmt::FnCall(call, ..) => Step::Expr(self.call(call)?),
            Stmt::Block(block) => Step::Block(self.block(block.statements())?),
            Stmt::Var(var, flags, ..) if !flags.contains(ASTFlags::EXPORTED) => {
                let (name, value, _) = &**var;
                // The value is read before the name is bound: `let x = x + 1` reads the old `x`.
                let value = self.expr(value)?;
                Step::Let(self.bind(name.name.as_str())?, value)
            }
            Stmt::If(flow, ..) => Step::If(
                self.expr(&flow.expr)?,
                self.block(flow.body.statements())?,
                self.block(flow.branch.statements())?,
            ),
            // `throw` is a `Return` with the BREAK flag: it is an error, left to Rhai.
            Stmt::Return(value, flags, ..) if !flags.contains(ASTFlags::BREAK) => Step::Return(match value {
                Some(value) => self.expr(value)?,
                None => Node::Unit,
            }),
            _ => return None,
        })
    }

    fn expr(&mut self, expr: &Expr) -> Option<Node> {
        self.count()?;
        Some(match expr {
            Expr::Unit(..) => Node::Unit,
            Expr::BoolConstant(b, ..) => Node::Bool(*b),
            Expr::IntegerConstant(i, ..) => Node::Int(*i),
            Expr::StringConstant(s, ..) => Node::Str(s.as_str().into()),
            Expr::DynamicConstant(value, ..) => {
                if value.is_unit() {
                    Node::Unit
                } else if let Ok(b) = value.as_bool() {
                    Node::Bool(b)
                } else if let Ok(i) = value.as_int() {
                    Node::Int(i)
                } else if value.is_string() {
                    Node::Str(value.clone().into_string().ok()?.into())
                } else {
                    return None;
                }
            }
            Expr::Variable(var, ..) => {
                let (_, name, namespace, _) = &**var;
                if !namespace.is_empty() {
                    return None;
                }
                let slot = self.names.iter().rev().find(|(n, _)| n == name.as_str())?.1;
                Node::Var(slot)
            }
            Expr::Stmt(block) => Node::Block(self.block(block.statements())?),
            Expr::And(operands, ..) => Node::And(operands.iter().map(|e| self.expr(e)).collect::<Option<_>>()?),
            Expr::Or(operands, ..) => Node::Or(operands.iter().map(|e| self.expr(e)).collect::<Option<_>>()?),
            Expr::FnCall(call, ..) => self.call(call)?,
            _ => return None,
        })
    }

    /// An operator; calls of functions (rules, builtins, methods) stay in Rhai.
    fn call(&mut self, call: &FnCallExpr) -> Option<Node> {
        if !call.namespace.is_empty() {
            return None;
        }
        let token = call.op_token.as_ref()?;
        match call.args.as_slice() {
            [operand] => {
                let operand = Box::new(self.expr(operand)?);
                match token {
                    Token::Bang => Some(Node::Not(operand)),
                    Token::Minus | Token::UnaryMinus => Some(Node::Neg(operand)),
                    _ => None,
                }
            }
            [lhs, rhs] => {
                let op = match token {
                    Token::EqualsTo => Op::Eq,
                    Token::NotEqualsTo => Op::Ne,
                    Token::LessThan => Op::Lt,
                    Token::LessThanEqualsTo => Op::Le,
                    Token::GreaterThan => Op::Gt,
                    Token::GreaterThanEqualsTo => Op::Ge,
                    Token::Plus => Op::Add,
                    Token::Minus => Op::Sub,
                    Token::Multiply => Op::Mul,
                    Token::Divide => Op::Div,
                    Token::Modulo => Op::Rem,
                    _ => return None,
                };
                Some(Node::Binary(op, Box::new((self.expr(lhs)?, self.expr(rhs)?))))
            }
            _ => None,
        }
    }
}

/// A block's value is its last statement's, `()` when empty (Rhai's `eval_stmt_block`).
fn block<'a>(steps: &'a [Step], slots: &mut [Value<'a>; MAX_SLOTS]) -> Result<Value<'a>, Stop<'a>> {
    let mut value = Value::Unit;
    for step in steps {
        value = self::step(step, slots)?;
    }
    Ok(value)
}

fn step<'a>(step: &'a Step, slots: &mut [Value<'a>; MAX_SLOTS]) -> Result<Value<'a>, Stop<'a>> {
    Ok(match step {
        Step::Noop => Value::Unit,
        Step::Let(slot, value) => {
            slots[*slot] = eval(value, slots)?;
            Value::Unit
        }
        Step::Expr(expr) => eval(expr, slots)?,
        Step::If(guard, then, otherwise) => {
            if truth(eval(guard, slots)?)? {
                block(then, slots)?
            } else {
                block(otherwise, slots)?
            }
        }
        Step::Block(steps) => block(steps, slots)?,
        Step::Return(value) => return Err(Stop::Return(eval(value, slots)?)),
    })
}

/// A guard or an operand of `&&`/`||`: Rhai raises a type error for anything but a boolean.
fn truth(value: Value<'_>) -> Result<bool, Stop<'_>> {
    match value {
        Value::Bool(b) => Ok(b),
        _ => Err(Stop::GiveUp),
    }
}

fn eval<'a>(node: &'a Node, slots: &mut [Value<'a>; MAX_SLOTS]) -> Result<Value<'a>, Stop<'a>> {
    Ok(match node {
        Node::Unit => Value::Unit,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::Int(*i),
        Node::Str(s) => Value::Str(s),
        Node::Var(slot) => slots[*slot],
        Node::Not(operand) => match eval(operand, slots)? {
            Value::Bool(b) => Value::Bool(!b),
            _ => return Err(Stop::GiveUp),
        },
        Node::Neg(operand) => match eval(operand, slots)? {
            Value::Int(i) => Value::Int(i.checked_neg().ok_or(Stop::GiveUp)?),
            _ => return Err(Stop::GiveUp),
        },
        Node::Binary(op, operands) => {
            let lhs = eval(&operands.0, slots)?;
            let rhs = eval(&operands.1, slots)?;
            binary(*op, lhs, rhs).ok_or(Stop::GiveUp)?
        }
        Node::And(operands) => {
            for operand in operands {
                if !truth(eval(operand, slots)?)? {
                    return Ok(Value::Bool(false));
                }
            }
            Value::Bool(true)
        }
        Node::Or(operands) => {
            for operand in operands {
                if truth(eval(operand, slots)?)? {
                    return Ok(Value::Bool(true));
                }
            }
            Value::Bool(false)
        }
        Node::Block(steps) => block(steps, slots)?,
    })
}

/// Rhai's built-in operators (`get_builtin_binary_op_fn`) on the evaluator's values; `None`
/// where Rhai would raise an error or call a function.
fn binary<'a>(op: Op, lhs: Value<'a>, rhs: Value<'a>) -> Option<Value<'a>> {
    use std::cmp::Ordering;
    let ordering = match (lhs, rhs) {
        (Value::Int(x), Value::Int(y)) => {
            let arithmetic = match op {
                // Checked as Rhai checks them: an overflow or a division by zero is Rhai's error.
                Op::Add => x.checked_add(y),
                Op::Sub => x.checked_sub(y),
                Op::Mul => x.checked_mul(y),
                Op::Div => x.checked_div(y),
                Op::Rem => x.checked_rem(y),
                _ => None,
            };
            if let Some(value) = arithmetic {
                return Some(Value::Int(value));
            }
            x.cmp(&y)
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(&y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        // `()` equals `()` and is neither less nor greater than it.
        (Value::Unit, Value::Unit) => {
            return matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
                .then_some(Value::Bool(op == Op::Eq));
        }
        // Values of different types, never both numbers here: only `!=` holds.
        _ => {
            return matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
                .then_some(Value::Bool(op == Op::Ne));
        }
    };
    let holds = match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        // Arithmetic on booleans or texts (`+` joins texts in Rhai, with a size check), or an
        // integer overflow: left to Rhai.
        Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem => return None,
    };
    Some(Value::Bool(holds))
}
