//! A small evaluator for Terraform expressions: literals, `var.`/`local.`, `count.index`,
//! `each.*`, templates, operators, `for` expressions and the functions real EKS configurations
//! use for tags, add-on settings, Helm values and trust policies. What it cannot know (data
//! sources, resource attributes, remote modules, unsupported functions) is `Value::Unknown`.

use crate::value::{HOLE, Obj, Value, decode_str, fmt_number};
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator,
    UnaryOperator,
};
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Strip, Template};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a module instance knows: its directory, address prefix, variables and locals.
#[derive(Debug, Clone, Default)]
pub struct ModuleEnv {
    pub dir: PathBuf,
    /// Address prefix of the module instance: `""` for a root, `"module.net[0]."` below it.
    pub path: String,
    pub vars: BTreeMap<String, Value>,
    pub locals: BTreeMap<String, Value>,
}

/// Where an expression is evaluated: a module instance plus the per-instance names.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub env: &'a ModuleEnv,
    pub count_index: Option<Value>,
    pub each: Option<(Value, Value)>,
    /// `for` expression variables and `dynamic` block iterators, innermost last.
    pub bindings: Vec<(String, Value)>,
}

/// The expression would fail in Terraform (a missing attribute of a known object, an index out
/// of range). `try()` and `can()` catch it; everywhere else it is just unknown.
#[derive(Debug)]
struct Fails;

type Eval = Result<Value, Fails>;

/// Files larger than this are not read by `file()` and `templatefile()`.
const MAX_FILE_BYTES: u64 = 4 << 20;
/// `range()` and `slice()` results longer than this are not built.
const MAX_RANGE: f64 = 1024.0;

impl<'a> Scope<'a> {
    pub fn new(env: &'a ModuleEnv) -> Scope<'a> {
        Scope {
            env,
            count_index: None,
            each: None,
            bindings: Vec::new(),
        }
    }

    pub fn bind(&self, name: &str, value: Value) -> Scope<'a> {
        let mut scope = self.clone();
        scope.bindings.push((name.to_owned(), value));
        scope
    }

    fn binding(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Evaluates an expression; anything that cannot be known is `Value::Unknown`.
    pub fn eval(&self, expr: &Expression) -> Value {
        eval(expr, self).unwrap_or_else(|Fails| Value::unknown())
    }
}

fn eval(expr: &Expression, scope: &Scope) -> Eval {
    Ok(match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => n.value().as_f64().map_or(Value::unknown(), Value::Number),
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(items) => Value::List(
            items
                .iter()
                .map(|e| eval(e, scope))
                .collect::<Result<_, _>>()?,
        ),
        Expression::Object(object) => {
            let mut obj = Obj::default();
            for (key, value) in object.iter() {
                let key = match key {
                    ObjectKey::Ident(ident) => Some(ident.as_str().to_owned()),
                    ObjectKey::Expression(e) => eval(e, scope)?.as_partial_str(),
                };
                match key {
                    Some(key) => {
                        obj.entries.insert(key, eval(value.expr(), scope)?);
                    }
                    None => obj.open = true,
                }
            }
            Value::Obj(obj)
        }
        Expression::StringTemplate(t) => template(t, scope)?,
        Expression::HeredocTemplate(h) => template(&h.template, scope)?,
        Expression::Parenthesis(p) => eval(p.inner(), scope)?,
        Expression::Variable(v) => match scope.binding(v.as_str()) {
            Some(value) => value.clone(),
            None => Value::unknown(),
        },
        Expression::Conditional(c) => match eval(&c.cond_expr, scope)?.as_bool() {
            Some(true) => eval(&c.true_expr, scope)?,
            Some(false) => eval(&c.false_expr, scope)?,
            None => {
                let (a, b) = (eval(&c.true_expr, scope)?, eval(&c.false_expr, scope)?);
                if a == b && a.is_known() {
                    a
                } else {
                    Value::unknown()
                }
            }
        },
        Expression::FuncCall(call) => func(call, scope)?,
        Expression::Traversal(t) => traversal(t, scope)?,
        Expression::UnaryOp(op) => {
            let v = eval(&op.expr, scope)?;
            match op.operator.value() {
                UnaryOperator::Neg => v
                    .as_number()
                    .map_or(Value::unknown(), |n| Value::Number(-n)),
                UnaryOperator::Not => v.as_bool().map_or(Value::unknown(), |b| Value::Bool(!b)),
            }
        }
        Expression::BinaryOp(op) => {
            let (l, r) = (eval(&op.lhs_expr, scope)?, eval(&op.rhs_expr, scope)?);
            binary(*op.operator.value(), &l, &r)
        }
        Expression::ForExpr(f) => for_expr(f, scope)?,
    })
}

fn template(t: &Template, scope: &Scope) -> Eval {
    let elements: Vec<&Element> = t.iter().collect();
    // `"${x}"` is `x` itself, unconverted (and keeps where an unknown came from)
    if let [Element::Interpolation(i)] = elements.as_slice() {
        return eval(&i.expr, scope);
    }
    let mut r = Render::default();
    Ok(match r.template(t, scope)? {
        Some(()) => Value::String(r.out),
        // a directive that cannot be evaluated may add or drop any text
        None => Value::unknown(),
    })
}

/// Renders templates with `%{if}`/`%{for}` directives and `~` strip markers.
#[derive(Default)]
struct Render {
    out: String,
    /// The previous marker strips the whitespace that starts the next literal.
    strip_next: bool,
}

impl Render {
    /// `None` when a directive's condition or collection is not known.
    fn template(&mut self, t: &Template, scope: &Scope) -> Result<Option<()>, Fails> {
        for element in t.iter() {
            match element {
                Element::Literal(s) => {
                    let text = s.value();
                    let text = if self.strip_next {
                        text.trim_start()
                    } else {
                        text
                    };
                    self.out.push_str(text);
                    self.strip_next = false;
                }
                Element::Interpolation(i) => {
                    self.strip(i.strip);
                    match eval(&i.expr, scope)?.as_partial_str() {
                        Some(s) => self.out.push_str(&s),
                        None => self.out.push(HOLE),
                    }
                    self.strip_next = i.strip.strip_end();
                }
                Element::Directive(directive) => {
                    let done = match &**directive {
                        Directive::If(d) => self.if_directive(d, scope)?,
                        Directive::For(d) => self.for_directive(d, scope)?,
                    };
                    if done.is_none() {
                        return Ok(None);
                    }
                }
            }
        }
        Ok(Some(()))
    }

    fn if_directive(&mut self, d: &IfDirective, scope: &Scope) -> Result<Option<()>, Fails> {
        self.strip(d.if_expr.strip);
        let endif = d.endif_expr.strip;
        // (marker before the branch, the branch, marker after it)
        let branch = match eval(&d.if_expr.cond_expr, scope)?.as_bool() {
            Some(true) => {
                let after = d.else_expr.as_ref().map_or(endif, |e| e.strip);
                Some((d.if_expr.strip, &d.if_expr.template, after))
            }
            Some(false) => d.else_expr.as_ref().map(|e| (e.strip, &e.template, endif)),
            None => return Ok(None),
        };
        if let Some((before, body, after)) = branch {
            self.strip_next = before.strip_end();
            if self.template(body, scope)?.is_none() {
                return Ok(None);
            }
            self.strip(after);
        }
        self.strip_next = endif.strip_end();
        Ok(Some(()))
    }

    fn for_directive(&mut self, d: &ForDirective, scope: &Scope) -> Result<Option<()>, Fails> {
        let f = &d.for_expr;
        self.strip(f.strip);
        let Some(pairs) = pairs_of(&eval(&f.collection_expr, scope)?) else {
            return Ok(None);
        };
        for (k, v) in pairs {
            let mut inner = scope.bind(f.value_var.as_str(), v);
            if let Some(key_var) = &f.key_var {
                inner = inner.bind(key_var.as_str(), k);
            }
            self.strip_next = f.strip.strip_end();
            if self.template(&f.template, &inner)?.is_none() {
                return Ok(None);
            }
            self.strip(d.endfor_expr.strip);
        }
        self.strip_next = d.endfor_expr.strip.strip_end();
        Ok(Some(()))
    }

    /// A marker with `~` on its left strips the whitespace before it.
    fn strip(&mut self, strip: Strip) {
        if strip.strip_start() {
            let kept = self.out.trim_end().len();
            self.out.truncate(kept);
        }
    }
}

fn traversal(t: &Traversal, scope: &Scope) -> Eval {
    let ops: Vec<&TraversalOperator> = t.operators.iter().map(|op| op.value()).collect();
    let Expression::Variable(root) = &t.expr else {
        let base = eval(&t.expr, scope)?;
        return apply(base, &ops, scope);
    };
    let name = root.as_str();
    if let Some(value) = scope.binding(name) {
        return apply(value.clone(), &ops, scope);
    }
    let attr = |i: usize| match ops.get(i) {
        Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
        _ => None,
    };
    let env = scope.env;
    let (base, used) = match (name, attr(0)) {
        ("var", Some(v)) => (env.vars.get(v).cloned().unwrap_or_else(Value::unknown), 1),
        ("local", Some(l)) => (env.locals.get(l).cloned().unwrap_or_else(Value::unknown), 1),
        ("count", Some("index")) => (scope.count_index.clone().unwrap_or_else(Value::unknown), 1),
        ("each", Some("key")) => (
            scope
                .each
                .as_ref()
                .map_or(Value::unknown(), |e| e.0.clone()),
            1,
        ),
        ("each", Some("value")) => (
            scope
                .each
                .as_ref()
                .map_or(Value::unknown(), |e| e.1.clone()),
            1,
        ),
        ("path", Some(_)) => (Value::String(env.dir.to_string_lossy().into_owned()), 1),
        ("data", Some(kind)) => match attr(1) {
            Some(n) => (
                Value::Unknown(Some(format!("{}data.{kind}.{n}", env.path))),
                2,
            ),
            None => (Value::unknown(), 0),
        },
        // keep the output name: `module.vpc.public_subnets` says which subnets
        ("module", Some(m)) => match attr(1) {
            Some(out) => (
                Value::Unknown(Some(format!("{}module.{m}.{out}", env.path))),
                2,
            ),
            None => (Value::Unknown(Some(format!("{}module.{m}", env.path))), 1),
        },
        ("self" | "terraform" | "count" | "each", _) => (Value::unknown(), 0),
        (kind, Some(n)) => (Value::Unknown(Some(format!("{}{kind}.{n}", env.path))), 1),
        (_, None) => (Value::unknown(), 0),
    };
    apply(base, &ops[used..], scope)
}

fn apply(mut value: Value, ops: &[&TraversalOperator], scope: &Scope) -> Eval {
    for (i, op) in ops.iter().enumerate() {
        if value.is_unknown() {
            return Ok(value);
        }
        value = match op {
            TraversalOperator::GetAttr(a) => attr(&value, a.as_str())?,
            TraversalOperator::Index(e) => index(&value, &eval(e, scope)?)?,
            TraversalOperator::LegacyIndex(n) => index(&value, &Value::Number(*n.value() as f64))?,
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                let items = match value {
                    Value::List(items) => items,
                    Value::Null => Vec::new(),
                    other => vec![other],
                };
                let rest = &ops[i + 1..];
                let mapped = items.into_iter().map(|item| apply(item, rest, scope));
                return Ok(Value::List(mapped.collect::<Result<_, _>>()?));
            }
        };
    }
    Ok(value)
}

fn attr(value: &Value, key: &str) -> Eval {
    match value {
        Value::Obj(o) => o.get(key).cloned().ok_or(Fails),
        Value::Null | Value::List(_) | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            Err(Fails)
        }
        _ => Ok(Value::unknown()),
    }
}

fn index(value: &Value, key: &Value) -> Eval {
    match value {
        Value::List(items) => match key.as_number() {
            Some(n) if n >= 0.0 => items.get(n as usize).cloned().ok_or(Fails),
            Some(_) => Err(Fails),
            None => Ok(Value::unknown()),
        },
        Value::Obj(_) => match key.as_str() {
            Some(k) => attr(value, &k),
            None => Ok(Value::unknown()),
        },
        Value::Null => Err(Fails),
        _ => Ok(Value::unknown()),
    }
}

fn binary(op: BinaryOperator, l: &Value, r: &Value) -> Value {
    use BinaryOperator as B;
    let num = |f: fn(f64, f64) -> f64| match (l.as_number(), r.as_number()) {
        (Some(a), Some(b)) => Value::Number(f(a, b)),
        _ => Value::unknown(),
    };
    let cmp = |f: fn(f64, f64) -> bool| match (l.as_number(), r.as_number()) {
        (Some(a), Some(b)) => Value::Bool(f(a, b)),
        _ => Value::unknown(),
    };
    match op {
        B::Plus => num(|a, b| a + b),
        B::Minus => num(|a, b| a - b),
        B::Mul => num(|a, b| a * b),
        B::Div => num(|a, b| a / b),
        B::Mod => num(|a, b| a % b),
        B::Less => cmp(|a, b| a < b),
        B::LessEq => cmp(|a, b| a <= b),
        B::Greater => cmp(|a, b| a > b),
        B::GreaterEq => cmp(|a, b| a >= b),
        B::Eq | B::NotEq => {
            // `v != null` is known for an object even when some of its attributes are not
            let null_test = match (l, r) {
                (Value::Null, other) | (other, Value::Null) if !other.is_unknown() => {
                    Some(matches!(other, Value::Null))
                }
                _ => None,
            };
            if let Some(same) = null_test {
                return Value::Bool(same == (op == B::Eq));
            }
            if !l.is_known() || !r.is_known() {
                return Value::unknown();
            }
            let same = match (l.as_str(), r.as_str()) {
                (Some(a), Some(b)) if !matches!(l, Value::Bool(_)) => a == b && kind(l) == kind(r),
                _ => l == r,
            };
            Value::Bool(same == (op == B::Eq))
        }
        B::And | B::Or => match (l.as_bool(), r.as_bool()) {
            (Some(a), Some(b)) => Value::Bool(if op == B::And { a && b } else { a || b }),
            (Some(false), None) | (None, Some(false)) if op == B::And => Value::Bool(false),
            (Some(true), None) | (None, Some(true)) if op == B::Or => Value::Bool(true),
            _ => Value::unknown(),
        },
    }
}

/// Terraform's `==` compares types too: `1 == "1"` is false.
fn kind(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 1,
        Value::String(_) | Value::Doc(_) => 2,
        _ => 0,
    }
}

/// What `for` expressions, template `for` directives and `dynamic` blocks iterate: a list by
/// index, a map by key; `None` when the collection is not known.
pub fn pairs_of(collection: &Value) -> Option<Vec<(Value, Value)>> {
    Some(match collection {
        Value::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Value::Number(i as f64), v.clone()))
            .collect(),
        Value::Obj(o) if o.keys_known() => o
            .entries
            .iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect(),
        Value::Null => Vec::new(),
        _ => return None,
    })
}

fn for_expr(f: &ForExpr, scope: &Scope) -> Eval {
    let Some(pairs) = pairs_of(&eval(&f.intro.collection_expr, scope)?) else {
        return Ok(Value::unknown());
    };
    let mut list = Vec::new();
    let mut obj = Obj::default();
    for (k, v) in pairs {
        let mut inner = scope.bind(f.intro.value_var.as_str(), v);
        if let Some(key_var) = &f.intro.key_var {
            inner = inner.bind(key_var.as_str(), k);
        }
        if let Some(cond) = &f.cond {
            match eval(&cond.expr, &inner)?.as_bool() {
                Some(true) => {}
                Some(false) => continue,
                None => return Ok(Value::unknown()),
            }
        }
        let value = eval(&f.value_expr, &inner)?;
        match &f.key_expr {
            None => list.push(value),
            Some(key_expr) => match eval(key_expr, &inner)?.as_str() {
                Some(key) if f.grouping => {
                    match obj.entries.entry(key).or_insert(Value::List(Vec::new())) {
                        Value::List(group) => group.push(value),
                        _ => return Ok(Value::unknown()),
                    }
                }
                Some(key) => {
                    obj.entries.insert(key, value);
                }
                None => obj.open = true,
            },
        }
    }
    Ok(if f.key_expr.is_some() {
        Value::Obj(obj)
    } else {
        Value::List(list)
    })
}

fn func(call: &FuncCall, scope: &Scope) -> Eval {
    if call.name.is_namespaced() || call.args.expand_final() {
        return Ok(Value::unknown());
    }
    let name = call.name.name.as_str();
    let exprs: Vec<&Expression> = call.args.iter().collect();
    // `try` and `can` must see failures of their arguments, so they evaluate lazily
    match name {
        "try" => {
            for e in &exprs {
                if let Ok(v) = eval(e, scope) {
                    return Ok(v);
                }
            }
            return Err(Fails);
        }
        "can" => {
            return Ok(match exprs.first().map(|e| eval(e, scope)) {
                Some(Ok(v)) if v.is_known() => Value::Bool(true),
                Some(Err(Fails)) => Value::Bool(false),
                _ => Value::unknown(),
            });
        }
        _ => {}
    }
    let args: Vec<Value> = exprs
        .iter()
        .map(|e| eval(e, scope))
        .collect::<Result<_, _>>()?;
    // an unknown result still comes from what its arguments came from (`toset(aws_subnet.a[*].id)`)
    let origin = || Value::Unknown(args.iter().find_map(|a| a.origin().map(str::to_owned)));
    Ok(call_known(name, &args, scope).unwrap_or_else(origin))
}

/// Functions over evaluated arguments; `None` when the result cannot be known.
fn call_known(name: &str, args: &[Value], scope: &Scope) -> Option<Value> {
    let arg = |i: usize| args.get(i);
    let str_arg = |i: usize| arg(i).and_then(Value::as_str);
    Some(match name {
        "merge" => merge(args),
        "map" => {
            let mut obj = Obj::default();
            for pair in args.chunks(2) {
                match pair {
                    [k, v] => match k.as_str() {
                        Some(k) => {
                            obj.entries.insert(k, v.clone());
                        }
                        None => obj.open = true,
                    },
                    _ => return None,
                }
            }
            Value::Obj(obj)
        }
        "tomap" | "tolist" | "sensitive" | "nonsensitive" | "toobject" => arg(0)?.clone(),
        "toset" | "distinct" => {
            let items = arg(0)?.as_list()?;
            let mut out: Vec<Value> = Vec::new();
            for item in items {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            if name == "toset" && out.iter().all(|v| v.as_str().is_some()) {
                out.sort_by_key(|v| v.as_str());
            }
            Value::List(out)
        }
        "tostring" => Value::String(str_arg(0)?),
        "tonumber" => Value::Number(arg(0)?.as_number()?),
        "tobool" => Value::Bool(arg(0)?.as_bool()?),
        "jsonencode" | "yamlencode" => Value::Doc(Box::new(arg(0)?.clone())),
        "jsondecode" | "yamldecode" => decode_str(&str_arg(0)?)?,
        "lookup" => {
            let key = str_arg(1)?;
            match arg(0)?.as_obj()?.get(&key) {
                Some(v) => v.clone(),
                None => arg(2)?.clone(),
            }
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                out.extend(a.as_list()?.iter().cloned());
            }
            Value::List(out)
        }
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) -> Option<()> {
                match v {
                    Value::List(items) => items.iter().try_for_each(|i| flat(i, out)),
                    Value::Unknown(_) => None,
                    other => {
                        out.push(other.clone());
                        Some(())
                    }
                }
            }
            let mut out = Vec::new();
            flat(arg(0)?, &mut out)?;
            Value::List(out)
        }
        "length" => Value::Number(match arg(0)? {
            Value::List(l) => l.len(),
            Value::Obj(o) if o.keys_known() => o.entries.len(),
            Value::String(s) if !s.contains(HOLE) => s.chars().count(),
            _ => return None,
        } as f64),
        "keys" | "values" => {
            let o = arg(0)?.as_obj().filter(|o| o.keys_known())?;
            Value::List(if name == "keys" {
                o.entries.keys().map(|k| Value::String(k.clone())).collect()
            } else {
                o.entries.values().cloned().collect()
            })
        }
        "lower" => Value::String(str_arg(0)?.to_lowercase()),
        "upper" => Value::String(str_arg(0)?.to_uppercase()),
        "trimspace" => Value::String(str_arg(0)?.trim().to_owned()),
        "join" => {
            let items: Option<Vec<String>> = arg(1)?.as_list()?.iter().map(Value::as_str).collect();
            Value::String(items?.join(&str_arg(0)?))
        }
        "split" => {
            let sep = str_arg(0)?;
            Value::List(
                str_arg(1)?
                    .split(sep.as_str())
                    .map(|s| Value::String(s.into()))
                    .collect(),
            )
        }
        "replace" => {
            let from = str_arg(1)?;
            // a `/regex/` pattern is not evaluated
            if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                return None;
            }
            Value::String(str_arg(0)?.replace(&from, &str_arg(2)?))
        }
        "coalesce" => args
            .iter()
            .find(|v| !matches!(v, Value::Null) && v.as_str().as_deref() != Some(""))?
            .clone(),
        "contains" => {
            let list = arg(0)?.as_list()?;
            if !arg(1)?.is_known() || !list.iter().all(Value::is_known) {
                return None;
            }
            Value::Bool(list.contains(arg(1)?))
        }
        "element" => {
            let list = arg(0)?.as_list().filter(|l| !l.is_empty())?;
            list[arg(1)?.as_number()? as usize % list.len()].clone()
        }
        "format" => format(&str_arg(0)?, &args[1..])?,
        "file" => Value::String(read_file(&str_arg(0)?, scope)?),
        "templatefile" => {
            let text = read_file(&str_arg(0)?, scope)?;
            let parsed = hcl_edit::parser::parse_template(&text).ok()?;
            // a template sees only the variables it is given
            let mut inner = Scope::new(scope.env);
            match arg(1)? {
                Value::Obj(vars) if vars.keys_known() => {
                    for (k, v) in &vars.entries {
                        inner = inner.bind(k, v.clone());
                    }
                }
                _ => return None,
            }
            template(&parsed, &inner).ok()?
        }
        "slice" => {
            let (start, end) = (arg(1)?.as_number()?, arg(2)?.as_number()?);
            if start < 0.0 || end < start || end - start > MAX_RANGE {
                return None;
            }
            let (start, end) = (start as usize, end as usize);
            match arg(0)? {
                Value::List(items) => Value::List(items.get(start..end)?.to_vec()),
                // `slice(data.aws_availability_zones.x.names, 0, 3)` has three elements,
                // each unknown: enough to know how many subnets a module creates
                Value::Unknown(origin) => {
                    Value::List(vec![Value::Unknown(origin.clone()); end - start])
                }
                _ => return None,
            }
        }
        "range" => {
            let n: Vec<f64> = args.iter().map(Value::as_number).collect::<Option<_>>()?;
            let (start, limit, step) = match n.as_slice() {
                [limit] => (0.0, *limit, 1.0),
                [start, limit] => (*start, *limit, 1.0),
                [start, limit, step] => (*start, *limit, *step),
                _ => return None,
            };
            if step == 0.0 || ((limit - start) / step) > MAX_RANGE {
                return None;
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < limit) || (step < 0.0 && x > limit) {
                out.push(Value::Number(x));
                x += step;
            }
            Value::List(out)
        }
        "zipmap" => {
            let (keys, values) = (arg(0)?.as_list()?, arg(1)?.as_list()?);
            if keys.len() != values.len() {
                return None;
            }
            let mut obj = Obj::default();
            for (k, v) in keys.iter().zip(values) {
                obj.entries.insert(k.as_str()?, v.clone());
            }
            Value::Obj(obj)
        }
        "compact" => {
            let items: Option<Vec<String>> = arg(0)?.as_list()?.iter().map(Value::as_str).collect();
            Value::List(
                items?
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .map(Value::String)
                    .collect(),
            )
        }
        "one" => match arg(0)? {
            Value::List(items) if items.is_empty() => Value::Null,
            Value::List(items) if items.len() == 1 => items[0].clone(),
            _ => return None,
        },
        "coalescelist" => args
            .iter()
            .find(|a| a.as_list().is_some_and(|l| !l.is_empty()))?
            .clone(),
        "startswith" => Value::Bool(str_arg(0)?.starts_with(&str_arg(1)?)),
        "endswith" => Value::Bool(str_arg(0)?.ends_with(&str_arg(1)?)),
        "trimprefix" => {
            let s = str_arg(0)?;
            Value::String(s.strip_prefix(&str_arg(1)?).unwrap_or(&s).to_owned())
        }
        "trimsuffix" => {
            let s = str_arg(0)?;
            Value::String(s.strip_suffix(&str_arg(1)?).unwrap_or(&s).to_owned())
        }
        _ => return None,
    })
}

/// A file named relative to the module's directory (as `path.module` makes it).
fn read_file(name: &str, scope: &Scope) -> Option<String> {
    let path = PathBuf::from(name);
    if path.is_absolute() {
        read_small_file(&path)
    } else {
        read_small_file(&scope.env.dir.join(path))
    }
}

/// The text of a regular file of a sane size: a configuration naming /dev/zero or a huge
/// artifact must not hang the linter.
pub fn read_small_file(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= MAX_FILE_BYTES)
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
}

/// `merge()`: later arguments win; an unknown or open argument may override any earlier key.
pub fn merge(args: &[Value]) -> Value {
    let mut out = Obj::default();
    for a in args {
        match a {
            Value::Obj(o) => out.merge_from(o),
            Value::Null => {}
            _ => out.make_open(),
        }
    }
    Value::Obj(out)
}

fn format(spec: &str, args: &[Value]) -> Option<Value> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => {
                let v = args.next()?;
                out.push_str(&v.as_partial_str().unwrap_or_else(|| HOLE.to_string()));
            }
            _ => return None,
        }
    }
    Some(Value::String(out))
}

/// Renders a number the way a string conversion would (for messages).
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{:?}", s.replace(HOLE, "${…}")),
        Value::Number(n) => fmt_number(*n),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        other => other
            .to_json()
            .map_or_else(|| "(unknown)".into(), |j| j.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_in(src: &str, env: &ModuleEnv) -> Value {
        let expr: Expression = src.parse().unwrap();
        Scope::new(env).eval(&expr)
    }

    fn env() -> ModuleEnv {
        let mut env = ModuleEnv::default();
        env.vars.insert("name".into(), Value::String("demo".into()));
        env.locals.insert(
            "tags".into(),
            eval_in(
                r#"{ Team = "core", "kubernetes.io/cluster/demo" = "shared" }"#,
                &env,
            ),
        );
        env
    }

    #[test]
    fn merge_with_local_and_numbers() {
        let env = env();
        let v = eval_in(
            r#"merge(local.tags, { "kubernetes.io/role/elb" = 1 })"#,
            &env,
        );
        assert_eq!(
            v.get("kubernetes.io/role/elb")
                .and_then(Value::as_str)
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            v.get("Team").and_then(Value::as_str).as_deref(),
            Some("core")
        );
    }

    #[test]
    fn merge_with_unknown_later_hides_earlier_keys() {
        let env = env();
        let v = eval_in(r#"merge({ a = "1" }, data.x.y.tags)"#, &env);
        assert!(v.get("a").unwrap().is_unknown());
        assert!(v.get("b").unwrap().is_unknown());
        let v = eval_in(r#"merge(data.x.y.tags, { a = "1" })"#, &env);
        assert_eq!(v.get("a").and_then(Value::as_str).as_deref(), Some("1"));
    }

    #[test]
    fn count_index_arithmetic() {
        let env = env();
        let expr: Expression = r#"{ "kubernetes.io/role/elb" = 1 + count.index }"#.parse().unwrap();
        let mut scope = Scope::new(&env);
        scope.count_index = Some(Value::Number(1.0));
        let v = scope.eval(&expr);
        assert_eq!(
            v.get("kubernetes.io/role/elb")
                .and_then(Value::as_str)
                .as_deref(),
            Some("2")
        );
    }

    #[test]
    fn try_falls_back_on_missing_attribute() {
        let env = env();
        let expr: Expression = "try(each.value.name, each.key)".parse().unwrap();
        let mut scope = Scope::new(&env);
        scope.each = Some((
            Value::String("coredns".into()),
            eval_in("{ version = \"x\" }", &env),
        ));
        assert_eq!(scope.eval(&expr).as_str().as_deref(), Some("coredns"));
    }

    #[test]
    fn templates_keep_known_parts_and_origins() {
        let env = env();
        let v = eval_in(r#""${data.aws_eks_cluster.this.identity}:sub""#, &env);
        assert!(v.as_str().is_none());
        assert!(v.as_partial_str().unwrap().ends_with(":sub"));
        let v = eval_in(r#""${aws_iam_role.lbc.arn}""#, &env);
        assert_eq!(v.origin(), Some("aws_iam_role.lbc"));
        assert_eq!(
            eval_in(r#""${var.name}-x""#, &env).as_str().as_deref(),
            Some("demo-x")
        );
    }

    #[test]
    fn deprecated_map_lookup_and_for() {
        let env = env();
        let v = eval_in(r#"map("kubernetes.io/role/elb", "true")"#, &env);
        assert_eq!(
            v.get("kubernetes.io/role/elb")
                .and_then(Value::as_str)
                .as_deref(),
            Some("true")
        );
        let v = eval_in(r#"lookup({ a = 1 }, "b", "d")"#, &env);
        assert_eq!(v.as_str().as_deref(), Some("d"));
        let v = eval_in(
            r#"{ for k, v in { a = 1, b = 2 } : k => v if v > 1 }"#,
            &env,
        );
        assert!(v.get("a").is_none());
        assert!(v.get("b").is_some());
    }

    #[test]
    fn jsonencode_keeps_structure() {
        let env = env();
        let v = eval_in(
            r#"jsonencode({ computeType = "fargate", x = var.missing })"#,
            &env,
        );
        assert_eq!(
            v.decode()
                .get("computeType")
                .and_then(Value::as_str)
                .as_deref(),
            Some("fargate")
        );
        assert!(v.as_str().is_none());
    }

    #[test]
    fn unknown_conditions_stay_unknown() {
        let env = env();
        assert!(eval_in(r#"var.missing ? "1" : "true""#, &env).is_unknown());
        assert_eq!(
            eval_in(r#"var.missing ? "1" : "1""#, &env)
                .as_str()
                .as_deref(),
            Some("1")
        );
    }

    #[test]
    fn template_directives_and_strip_markers() {
        let env = env();
        let v = eval_in(
            r#""%{ for az in ["a", "b"] }[${az}]%{ endfor }%{ if var.name == "demo" ~} on %{~ else }off%{ endif }""#,
            &env,
        );
        assert_eq!(v.as_str().as_deref(), Some("[a][b]on"));
        // a directive over an unknown collection may add any text
        assert!(eval_in(r#""x%{ for s in var.missing }${s}%{ endfor }""#, &env).is_unknown());
    }

    #[test]
    fn slice_of_an_unknown_list_has_a_known_length() {
        let env = env();
        let v = eval_in(
            "[for k, v in slice(data.aws_availability_zones.a.names, 0, 3) : k]",
            &env,
        );
        assert_eq!(v.as_list().map(<[Value]>::len), Some(3));
        let v = eval_in("slice([1, 2, 3], 1, 3)", &env);
        assert_eq!(v.as_list().map(<[Value]>::len), Some(2));
    }

    #[test]
    fn templatefile_sees_only_its_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("values.yaml.tpl"),
            "clusterName: ${cluster}\nvpcId: ${vpc}\n",
        )
        .unwrap();
        let env = ModuleEnv {
            dir: dir.path().to_path_buf(),
            ..ModuleEnv::default()
        };
        let v = eval_in(
            r#"templatefile("values.yaml.tpl", { cluster = "blue", vpc = aws_vpc.main.id })"#,
            &env,
        );
        let doc = v.decode();
        assert_eq!(
            doc.get("clusterName").and_then(Value::as_str).as_deref(),
            Some("blue")
        );
        assert!(doc.get("vpcId").is_some());
    }

    #[test]
    fn null_tests_of_partly_known_objects_are_known() {
        let env = env();
        let v = eval_in(
            "{ for k, v in { a = { ids = data.x.y.ids }, b = null } : k => v if v != null }",
            &env,
        );
        assert!(v.get("a").is_some());
        assert!(v.get("b").is_none());
        assert!(eval_in("data.x.y.z == null", &env).is_unknown());
    }

    #[cfg(unix)]
    #[test]
    fn device_files_and_huge_ranges_are_not_read_or_built() {
        let env = env();
        assert!(eval_in(r#"file("/dev/zero")"#, &env).is_unknown());
        assert!(eval_in("slice(data.x.y.names, 0, 1e12)", &env).is_unknown());
        assert!(eval_in("range(1e12)", &env).is_unknown());
    }
}
