//! The CEL environment admission expressions compile and run in: the
//! standard library, the `strings`, `lists`, `math` and `encoders`
//! extensions of the `cel` crate, and the Kubernetes libraries of
//! [`k8s_lib`](super::k8s_lib). Also the static checks a policy gets
//! before it runs: syntax and unsupported functions, located.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, OnceLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::{Context, Env, IdedExpr as Expression};

use super::k8s_lib;

/// The deepest brackets may nest. The `cel` crate's generated parser
/// recurses deeply per bracket (its own limit of 96 is checked too late to
/// save the stack), so brackets are counted before it runs; evaluation runs
/// on a thread with a large stack ([`STACK_BYTES`]).
const MAX_BRACKETS: usize = 32;
/// The deepest the parsed expression may be (chains of operators).
const MAX_DEPTH: usize = 512;
/// The stack of the thread admission policies are evaluated on.
pub(crate) const STACK_BYTES: usize = 256 << 20;
/// The parser's own recursion limit.
const MAX_NESTING: u16 = 48;
/// The longest expression read, in bytes.
pub(crate) const MAX_EXPRESSION_BYTES: usize = 16 * 1024;

/// Kubernetes libraries we do not have: calling one is a located finding.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "authorizer",
        "the authorizer library (needs the API server's authorizer)",
    ),
    ("semver", "the semver library"),
    ("isSemver", "the semver library"),
    ("jsonpatch.escapeKey", "the JSON Patch library"),
    ("isSorted", "the Kubernetes lists library's isSorted"),
    ("sum", "the Kubernetes lists library's sum"),
    ("min", "the Kubernetes lists library's min"),
    ("max", "the Kubernetes lists library's max"),
];

/// Variables an admission expression may read.
pub(crate) const VARIABLES: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "params",
    "namespaceObject",
    "variables",
];

/// The environment with the standard library and the extensions.
pub(crate) fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    Arc::clone(ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // The extensions' names are distinct: registration cannot fail.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        let _ = env.add_extension(cel::extensions::math);
        let _ = env.add_extension(cel::extensions::encoders);
        Arc::new(env)
    }))
}

/// A root context with the Kubernetes libraries, on [`env`].
pub(crate) fn root_context() -> Context<'static, 'static> {
    let mut context = Context::with_env(env());
    // The library's names are checked against the environment by a test.
    let _ = k8s_lib::register(&mut context);
    context
}

/// Whether `name` is a function the environment or the Kubernetes
/// libraries declare.
fn declared(name: &str, known: &mut HashSet<String>) -> bool {
    if known.contains(name) || k8s_lib::FUNCTIONS.contains(&name) {
        return true;
    }
    // `Context::add_function` refuses a name the environment declares:
    // the environment keeps its names private otherwise.
    let mut probe = Context::with_env(env());
    let is_declared = probe.add_function(name, || 0_i64).is_err();
    if is_declared {
        known.insert(name.to_owned());
    }
    is_declared
}

/// Why an expression cannot be run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CompileProblem {
    /// The message.
    pub message: String,
}

/// Compiles `text`: a syntax error, an unsupported or unknown function or
/// an unknown variable is a problem.
pub(crate) fn compile(
    text: &str,
    variables: &[&str],
    known: &mut HashSet<String>,
) -> Result<Expression, CompileProblem> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(CompileProblem {
            message: format!(
                "the expression is {} bytes, over the limit of {MAX_EXPRESSION_BYTES}",
                text.len()
            ),
        });
    }
    if bracket_depth(text) > MAX_BRACKETS {
        return Err(CompileProblem {
            message: format!("the expression nests brackets more than {MAX_BRACKETS} deep"),
        });
    }
    let parser = env().parser().max_recursion_depth(MAX_NESTING);
    let expression = parser.parse(text).map_err(|e| CompileProblem {
        message: format!(
            "the expression does not compile: {}",
            first_line(&e.to_string())
        ),
    })?;
    if depth(&expression) > MAX_DEPTH {
        return Err(CompileProblem {
            message: format!("the expression nests more than {MAX_DEPTH} operations deep"),
        });
    }
    let mut calls = BTreeSet::new();
    let mut idents = BTreeSet::new();
    let mut bound = Vec::new();
    walk(&expression, &mut calls, &mut idents, &mut bound);
    if idents.contains("authorizer") {
        return Err(CompileProblem {
            message:
                "`authorizer` is the authorizer library, which offline evaluation does not support"
                    .into(),
        });
    }
    for name in &calls {
        if name.starts_with("format.") {
            return Err(CompileProblem {
                message: format!(
                    "`{name}` is the format library, which offline evaluation does not support"
                ),
            });
        }
        if let Some((_, library)) = UNSUPPORTED.iter().find(|(n, _)| n == name) {
            return Err(CompileProblem {
                message: format!(
                    "`{name}` is {library}, which offline evaluation does not support"
                ),
            });
        }
    }
    if let Some(name) = calls.iter().find(|name| !declared(name, known)) {
        return Err(CompileProblem {
            message: format!("undeclared reference to `{name}`: no such function"),
        });
    }
    for name in &idents {
        if !variables.contains(&name.as_str()) && !is_type_name(name) {
            return Err(CompileProblem {
                message: format!("undeclared reference to `{name}`"),
            });
        }
    }
    Ok(expression)
}

/// The deepest bracket nesting of `text`, outside string literals.
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for b in text.bytes() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'\'' | b'"' => quote = Some(b),
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The depth of the parsed expression, found without recursion.
fn depth(e: &IdedExpr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(e, 1_usize)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        if deepest > MAX_DEPTH {
            break;
        }
        let d = d + 1;
        match &e.expr {
            Expr::Call(call) => {
                stack.extend(call.target.as_deref().map(|t| (t, d)));
                stack.extend(call.args.iter().map(|a| (a, d)));
            }
            Expr::Comprehension(c) => {
                stack.extend(
                    [
                        &c.iter_range,
                        &c.accu_init,
                        &c.loop_cond,
                        &c.loop_step,
                        &c.result,
                    ]
                    .map(|x| (x, d)),
                );
            }
            Expr::List(list) => stack.extend(list.elements.iter().map(|x| (x, d))),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(m) = &entry.expr {
                        stack.push((&m.key, d));
                        stack.push((&m.value, d));
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        stack.push((&f.value, d));
                    }
                }
            }
            Expr::Select(s) => stack.push((&s.operand, d)),
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    deepest
}

/// Names CEL resolves without a variable: types and namespaces.
fn is_type_name(name: &str) -> bool {
    matches!(
        name,
        "int"
            | "uint"
            | "double"
            | "bool"
            | "string"
            | "bytes"
            | "list"
            | "map"
            | "null_type"
            | "type"
            | "dyn"
            | "optional"
            | "math"
            | "strings"
            | "lists"
            | "base64"
    )
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
}

/// Collects function names and free identifiers, skipping the variables
/// comprehensions bind.
fn walk(
    e: &IdedExpr,
    calls: &mut BTreeSet<String>,
    idents: &mut BTreeSet<String>,
    bound: &mut Vec<String>,
) {
    match &e.expr {
        Expr::Call(call) => {
            let name = &call.func_name;
            let qualified = qualified_name(call, bound);
            let operator = name.starts_with(['_', '@', '!', '-']);
            if let Some(q) = &qualified {
                calls.insert(q.clone());
            } else if !operator {
                calls.insert(name.clone());
            }
            if let Some(t) = call.target.as_deref().filter(|_| qualified.is_none()) {
                walk(t, calls, idents, bound);
            }
            for a in &call.args {
                walk(a, calls, idents, bound);
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, calls, idents, bound);
            walk(&c.accu_init, calls, idents, bound);
            let depth = bound.len();
            bound.push(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                bound.push(v.clone());
            }
            bound.push(c.accu_var.clone());
            walk(&c.loop_cond, calls, idents, bound);
            walk(&c.loop_step, calls, idents, bound);
            walk(&c.result, calls, idents, bound);
            bound.truncate(depth);
        }
        Expr::Ident(name) => {
            if !bound.iter().any(|b| b == name) {
                idents.insert(name.clone());
            }
        }
        Expr::List(list) => {
            for el in &list.elements {
                walk(el, calls, idents, bound);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(m) = &entry.expr {
                    walk(&m.key, calls, idents, bound);
                    walk(&m.value, calls, idents, bound);
                }
            }
        }
        Expr::Select(select) => walk(&select.operand, calls, idents, bound),
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    walk(&f.value, calls, idents, bound);
                }
            }
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// Namespaces of functions (`lists.range`, `math.abs`, `optional.of`).
const NAMESPACES: &[&str] = &[
    "lists",
    "math",
    "strings",
    "optional",
    "base64",
    "sets",
    "format",
    "jsonpatch",
];

/// `ns.f(…)` parses as a call of `f` on the identifier `ns`: the function's
/// whole name, when `ns` is a namespace and not a variable.
pub(crate) fn qualified_name(
    call: &cel::common::ast::CallExpr,
    bound: &[String],
) -> Option<String> {
    let Expr::Ident(ns) = &call.target.as_deref()?.expr else {
        return None;
    };
    (NAMESPACES.contains(&ns.as_str()) && !bound.iter().any(|b| b == ns))
        .then(|| format!("{ns}.{}", call.func_name))
}

/// The names of `variables.<name>` an expression reads.
pub(crate) fn variables_read(e: &IdedExpr, out: &mut BTreeSet<String>) {
    each_node(e, |e| {
        if let Expr::Select(s) = &e.expr
            && let Expr::Ident(root) = &s.operand.expr
            && root == "variables"
        {
            out.insert(s.field.clone());
        }
    });
}

/// Whether the identifier `name` occurs in an expression (as a variable
/// or, conservatively, as a comprehension's own variable).
pub(crate) fn mentions(e: &IdedExpr, name: &str) -> bool {
    let mut found = false;
    each_node(e, |e| {
        found |= matches!(&e.expr, Expr::Ident(n) if n == name);
    });
    found
}

/// Calls `visit` on every node of an expression, without recursion (the
/// expression's depth is bounded by the parser, not by our stack).
fn each_node<'e>(e: &'e IdedExpr, mut visit: impl FnMut(&'e IdedExpr)) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        visit(e);
        match &e.expr {
            Expr::Select(s) => stack.push(&s.operand),
            Expr::Call(call) => {
                stack.extend(call.target.as_deref());
                stack.extend(call.args.iter());
            }
            Expr::Comprehension(c) => {
                stack.extend([
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ]);
            }
            Expr::List(list) => stack.extend(list.elements.iter()),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(m) = &entry.expr {
                        stack.push(&m.key);
                        stack.push(&m.value);
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        stack.push(&f.value);
                    }
                }
            }
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kubernetes_library_does_not_clash_with_the_environment() {
        let mut context = Context::with_env(env());
        assert_eq!(k8s_lib::register(&mut context), Ok(()));
    }

    #[test]
    fn what_an_expression_reads_is_found_anywhere_in_it() {
        let read = |text: &str| {
            let e = compile(text, VARIABLES, &mut HashSet::new()).expect("compiles");
            let mut vars = BTreeSet::new();
            variables_read(&e, &mut vars);
            (
                vars.into_iter().collect::<Vec<_>>(),
                mentions(&e, "request"),
                mentions(&e, "namespaceObject"),
            )
        };
        assert_eq!(read("object.spec.replicas < 5"), (vec![], false, false));
        assert_eq!(
            read("object.spec.containers.all(c, c.name != request.name || variables.a)"),
            (vec!["a".to_owned()], true, false)
        );
        assert_eq!(
            read("{'k': [namespaceObject.metadata.name]}.size() > variables.n.size()"),
            (vec!["n".to_owned()], false, true)
        );
    }

    #[test]
    fn syntax_unsupported_and_unknown_names_are_problems() {
        let mut known = HashSet::new();
        let ok = compile(
            "object.spec.replicas <= 5 && has(object.metadata.labels)",
            VARIABLES,
            &mut known,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let ok = compile(
            "object.metadata.name.lowerAscii().startsWith('a') && quantity('1Gi').isGreaterThan(quantity('1Mi'))",
            VARIABLES,
            &mut known,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let ok = compile(
            "object.spec.containers.all(c, c.image.contains(':'))",
            VARIABLES,
            &mut known,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let ok = compile(
            "math.abs(-1) == 1 && lists.range(3).size() == 3 && optional.of(1).hasValue() && 'a'.upperAscii() == 'A'",
            VARIABLES,
            &mut known,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let ok = compile(
            "[1, 2].map(lists, lists + 1).size() == 2",
            VARIABLES,
            &mut known,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let ok = compile(
            "isURL('https://x') && ip('10.0.0.1').family() == 4 && cidr('10.0.0.0/8').containsIP('10.1.1.1') && 'ab'.find('b') == 'b' && base64.encode(b'a') == 'YQ=='",
            VARIABLES,
            &mut known,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let bad = |text: &str| {
            compile(text, VARIABLES, &mut HashSet::new())
                .err()
                .map(|p| p.message)
        };
        assert!(bad("object.spec.").is_some_and(|m| m.contains("does not compile")));
        assert!(
            bad("authorizer.group('apps').check('get').allowed()")
                .is_some_and(|m| m.contains("authorizer"))
        );
        assert!(
            bad("format.dns1123Label().validate('x').hasValue()")
                .is_some_and(|m| m.contains("format library"))
        );
        assert!(bad("semver('1.0.0').major() == 1").is_some_and(|m| m.contains("semver")));
        assert!(bad("frobnicate(object)").is_some_and(|m| m.contains("`frobnicate`")));
        assert!(bad("objekt.spec == 1").is_some_and(|m| m.contains("`objekt`")));
        assert!(bad(&"(".repeat(200)).is_some_and(|m| m.contains("brackets")));
        assert!(bad(&"[".repeat(33)).is_some_and(|m| m.contains("brackets")));
        assert!(bad("'((((((((((((((((((((((((((((((((((((((((' == object.a").is_none());
        // Long operator chains parse only on the evaluation thread's stack.
        let deep = std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn(|| {
                let mut known = HashSet::new();
                let chain = format!("{}1", "1 + ".repeat(2000));
                compile(&chain, VARIABLES, &mut known)
                    .err()
                    .map(|p| p.message)
            })
            .ok()
            .and_then(|h| h.join().ok())
            .flatten();
        assert!(deep.is_some_and(|m| m.contains("deep")));
        assert!(bad(&"1 + ".repeat(10_000)).is_some());
    }
}
