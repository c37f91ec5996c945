//! A worst-case cost estimate of an expression on given inputs, so that a
//! hostile expression is refused before it runs instead of running for
//! hours or filling memory: the `cel` crate has no runtime cost meter.
//!
//! The estimate walks the expression once: every node costs one unit per
//! time it can run (the product of the sizes of the comprehensions around
//! it), and operations that build strings and lists cost their result's
//! size bound. Sizes start from the largest list and string of the inputs.
//! Kubernetes meters the same budgets at run time; ours is an upper bound,
//! so an expression within it is within Kubernetes' too.

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use serde_json::Value;

/// The most cost units one expression may have (Kubernetes' budget for
/// one admission request is 10⁷).
pub(crate) const MAX_COST: u64 = 10_000_000;
/// The largest string or list an expression may build, in bytes or
/// elements.
pub(crate) const MAX_SIZE: u64 = 16 * 1024 * 1024;
/// Functions whose cost grows with their operands' size.
const LINEAR: &[&str] = &[
    "_==_",
    "_!=_",
    "_+_",
    "@in",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "find",
    "findAll",
    "split",
    "replace",
    "join",
    "format",
    "lowerAscii",
    "upperAscii",
    "trim",
    "reverse",
    "substring",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "quantity",
    "isQuantity",
    "url",
    "isURL",
    "ip",
    "isIP",
    "cidr",
    "isCIDR",
    "string",
    "encode",
    "decode",
    "flatten",
    "sort",
    "distinct",
    "slice",
    "_<_",
    "_<=_",
    "_>_",
    "_>=_",
];
/// `lists.range`'s own cap.
const RANGE_CAP: u64 = 1_000_000;

/// Upper bounds of a value: its list length (or map size) and its string
/// length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Size {
    /// Elements of a list or entries of a map.
    pub list: u64,
    /// Bytes of a string.
    pub string: u64,
}

impl Size {
    fn max(self, other: Self) -> Self {
        Self {
            list: self.list.max(other.list),
            string: self.string.max(other.string),
        }
    }

    fn largest(self) -> u64 {
        self.list.max(self.string)
    }
}

/// The largest list and string anywhere in `value`.
pub(crate) fn size_of(value: &Value) -> Size {
    let mut size = Size::default();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => size.string = size.string.max(s.len() as u64),
            Value::Array(items) => {
                size.list = size.list.max(items.len() as u64);
                stack.extend(items);
            }
            Value::Object(map) => {
                size.list = size.list.max(map.len() as u64);
                for (k, v) in map {
                    size.string = size.string.max(k.len() as u64);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    size
}

/// Why an expression is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OverBudget {
    /// What went over.
    pub message: String,
}

struct Walk<'a> {
    input: Size,
    variables: &'a HashMap<String, Size>,
    cost: u64,
    scopes: Vec<(&'a str, Size)>,
}

/// Estimates `e` on inputs whose largest list and string is `input`, with
/// `variables.<name>` bounded by `variables`; returns the result's size.
pub(crate) fn estimate(
    e: &IdedExpr,
    input: Size,
    variables: &HashMap<String, Size>,
) -> Result<Size, OverBudget> {
    let mut walk = Walk {
        input,
        variables,
        cost: 0,
        scopes: Vec::new(),
    };
    let size = walk.node(e, 1)?;
    Ok(size)
}

impl<'a> Walk<'a> {
    fn charge(&mut self, units: u64) -> Result<(), OverBudget> {
        self.cost = self.cost.saturating_add(units);
        if self.cost > MAX_COST {
            return Err(OverBudget {
                message: format!(
                    "the expression's worst-case cost on this object is over the limit of {MAX_COST}; it was not evaluated"
                ),
            });
        }
        Ok(())
    }

    fn bounded(size: Size) -> Result<Size, OverBudget> {
        if size.largest() > MAX_SIZE {
            return Err(OverBudget {
                message: format!(
                    "the expression can build a value of more than {MAX_SIZE} elements or bytes on this object; it was not evaluated"
                ),
            });
        }
        Ok(size)
    }

    fn node(&mut self, e: &'a IdedExpr, times: u64) -> Result<Size, OverBudget> {
        self.charge(times)?;
        let size = match &e.expr {
            Expr::Literal(LiteralValue::String(s)) => Size {
                list: 0,
                string: s.inner().len() as u64,
            },
            Expr::Literal(LiteralValue::Bytes(b)) => Size {
                list: 0,
                string: b.inner().len() as u64,
            },
            Expr::Literal(_) | Expr::Unspecified => Size::default(),
            Expr::Ident(name) => self
                .scopes
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map_or(self.input, |(_, s)| *s),
            Expr::Select(select) => {
                if let Expr::Ident(root) = &select.operand.expr
                    && root == "variables"
                {
                    self.charge(times)?;
                    self.variables
                        .get(&select.field)
                        .copied()
                        .unwrap_or(self.input)
                } else {
                    let operand = self.node(&select.operand, times)?;
                    operand.max(self.input)
                }
            }
            Expr::List(list) => {
                let mut size = Size {
                    list: list.elements.len() as u64,
                    string: 0,
                };
                for el in &list.elements {
                    let s = self.node(el, times)?;
                    size.string = size.string.max(s.string);
                    size.list = size.list.max(s.list);
                }
                size
            }
            Expr::Map(map) => {
                let mut size = Size {
                    list: map.entries.len() as u64,
                    string: 0,
                };
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(m) = &entry.expr {
                        size = size.max(self.node(&m.key, times)?);
                        size = size.max(self.node(&m.value, times)?);
                    }
                }
                size
            }
            Expr::Struct(s) => {
                let mut size = Size::default();
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        size = size.max(self.node(&f.value, times)?);
                    }
                }
                size
            }
            Expr::Call(call) => self.call(call, times)?,
            Expr::Comprehension(c) => {
                let range = self.node(&c.iter_range, times)?;
                let iterations = range.list.max(1);
                let inner = times.saturating_mul(iterations);
                let element = Size {
                    list: range.list.max(self.input.list),
                    string: range.string.max(self.input.string),
                };
                let init = self.node(&c.accu_init, times)?;
                // The accumulator can gain one element per iteration.
                let accumulator = Size {
                    list: init.list.saturating_add(iterations),
                    string: init.string.max(element.string),
                };
                let depth = self.scopes.len();
                self.scopes.push((c.iter_var.as_str(), element));
                if let Some(v) = &c.iter_var2 {
                    self.scopes.push((v.as_str(), element));
                }
                self.scopes.push((c.accu_var.as_str(), accumulator));
                self.node(&c.loop_cond, inner)?;
                let step = self.node(&c.loop_step, inner)?;
                let result = self.node(&c.result, times)?;
                self.scopes.truncate(depth);
                result.max(step).max(accumulator)
            }
        };
        Self::bounded(size)
    }

    fn call(
        &mut self,
        call: &'a cel::common::ast::CallExpr,
        times: u64,
    ) -> Result<Size, OverBudget> {
        let target = match &call.target {
            Some(t) => Some(self.node(t, times)?),
            None => None,
        };
        let linear = LINEAR.contains(&call.func_name.as_str());
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            args.push(self.node(a, times)?);
        }
        let arg = |i: usize| args.get(i).copied().unwrap_or_default();
        let this = target.unwrap_or_else(|| arg(0));
        let bound: Vec<String> = self.scopes.iter().map(|(n, _)| (*n).to_owned()).collect();
        let name = super::environment::qualified_name(call, &bound)
            .unwrap_or_else(|| call.func_name.clone());
        let size = match name.as_str() {
            "_+_" => Size {
                list: arg(0).list.saturating_add(arg(1).list),
                string: arg(0).string.saturating_add(arg(1).string),
            },
            "lists.range" => {
                let n = match call.args.first().map(|a| &a.expr) {
                    Some(Expr::Literal(LiteralValue::Int(n))) => {
                        u64::try_from(*n.inner()).unwrap_or(0).min(RANGE_CAP)
                    }
                    _ => RANGE_CAP,
                };
                Size { list: n, string: 0 }
            }
            "replace" => {
                // Replacing the empty string inserts between every byte.
                let with = if target.is_some() { arg(1) } else { arg(2) };
                Size {
                    list: 0,
                    string: this
                        .string
                        .saturating_mul(with.string.saturating_add(1))
                        .saturating_add(with.string),
                }
            }
            "join" => Size {
                list: 0,
                string: this
                    .list
                    .saturating_mul(this.string.saturating_add(arg(0).string)),
            },
            "format" => Size {
                list: 0,
                string: this
                    .string
                    .saturating_add(arg(0).list.saturating_mul(arg(0).string.saturating_add(24))),
            },
            "split" | "findAll" => Size {
                list: this.string.saturating_add(1),
                string: this.string,
            },
            "flatten" => Size {
                list: this.list.saturating_mul(self.input.list.max(1)),
                string: this.string,
            },
            "base64.encode" => Size {
                list: 0,
                string: arg(0).string.saturating_mul(4) / 3 + 4,
            },
            "string" => Size {
                list: 0,
                // A list or map printed as a string.
                string: this
                    .string
                    .max(this.list.saturating_mul(this.string.saturating_add(8))),
            },
            _ => args.iter().fold(this, |acc, a| acc.max(*a)),
        };
        // String and list operations read their operands, at a tenth of a
        // unit a byte or element as Kubernetes charges traversals, and
        // write their results.
        let read = if linear {
            args.iter()
                .fold(this.largest(), |acc, a| acc.max(a.largest()))
                / 10
        } else {
            0
        };
        let written = if size.largest() > this.largest() {
            size.largest()
        } else {
            0
        };
        self.charge(times.saturating_mul(1 + read + written))?;
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(text: &str, input: Size) -> Result<Size, OverBudget> {
        let e = cel::Env::stdlib()
            .parser()
            .parse(text)
            .map_err(|e| OverBudget {
                message: e.to_string(),
            })?;
        let mut env = cel::Env::stdlib();
        let _ = env.add_extension(cel::extensions::lists);
        let e = env.parser().parse(text).unwrap_or(e);
        estimate(&e, input, &HashMap::new())
    }

    #[test]
    fn ordinary_expressions_are_within_budget() {
        let input = Size {
            list: 100,
            string: 1000,
        };
        assert!(cost("object.spec.replicas <= 5", input).is_ok());
        assert!(cost("object.spec.template.spec.containers.all(c, c.image.endsWith(':v1') && c.ports.all(p, p.containerPort > 1024))", input).is_ok());
    }

    #[test]
    fn nested_ranges_and_string_blow_ups_are_refused() {
        let input = Size {
            list: 10,
            string: 100,
        };
        assert!(
            cost(
                "lists.range(1000000).all(x, lists.range(1000000).all(y, x != y))",
                input
            )
            .is_err()
        );
        assert!(cost("object.a.replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').size() > 0", input).is_err());
        assert!(cost("object.items.all(a, object.items.all(b, object.items.all(c, object.items.all(d, a == b))))", Size { list: 100, string: 10 }).is_err());
    }
}
