//! The Kubernetes CEL libraries admission policies use beyond the standard
//! ones: quantities, IP addresses and CIDRs, URLs and the regex `find`
//! functions, as the API server defines them (k8s.io/apiserver's
//! `cel/library`), and the standard `matches`, ours so that a pattern is
//! compiled once, not on every call. Values are CEL opaque types.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use cel::extractors::This;
use cel::objects::{Opaque, Value};
use cel::{Context, ExecutionError};

type Result<T> = std::result::Result<T, ExecutionError>;

/// A resource quantity (`500m`, `1Gi`, `2e3`), held in nano-units.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Quantity(i128);

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "quantity({}n)", self.0)
    }
}

impl Opaque for Quantity {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.Quantity"
    }
}

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses Kubernetes' quantity syntax: a signed decimal number, then a
    /// binary (`Ki` … `Ei`) or decimal (`n`, `u`, `m`, `k`, `M` … `E`)
    /// suffix or a decimal exponent (`e3`, `E-2`).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.len() > 64 {
            return None;
        }
        let (sign, rest) = match text.as_bytes()[0] {
            b'-' => (-1, &text[1..]),
            b'+' => (1, &text[1..]),
            _ => (1, text),
        };
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_end);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        // Value in nano-units of the number, before the suffix.
        let mut nanos: i128 = 0;
        for d in int_part.bytes() {
            nanos = nanos.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
        }
        nanos = nanos.checked_mul(NANO)?;
        let mut scale = NANO / 10;
        for d in frac_part.bytes() {
            nanos = nanos.checked_add(i128::from(d - b'0') * scale)?;
            scale /= 10;
        }
        let scaled = match suffix {
            "" => nanos,
            "n" => nanos / NANO,
            "u" => nanos / 1_000_000,
            "m" => nanos / 1_000,
            "k" => nanos.checked_mul(1_000)?,
            "M" => nanos.checked_mul(1_000_000)?,
            "G" => nanos.checked_mul(1_000_000_000)?,
            "T" => nanos.checked_mul(1_000_000_000_000)?,
            "P" => nanos.checked_mul(1_000_000_000_000_000)?,
            "E" => nanos.checked_mul(1_000_000_000_000_000_000)?,
            "Ki" => nanos.checked_mul(1 << 10)?,
            "Mi" => nanos.checked_mul(1 << 20)?,
            "Gi" => nanos.checked_mul(1 << 30)?,
            "Ti" => nanos.checked_mul(1 << 40)?,
            "Pi" => nanos.checked_mul(1 << 50)?,
            "Ei" => nanos.checked_mul(1 << 60)?,
            exp if exp.starts_with(['e', 'E']) => {
                let e: i32 = exp[1..].parse().ok()?;
                if !(-18..=18).contains(&e) {
                    return None;
                }
                let factor = 10i128.checked_pow(e.unsigned_abs())?;
                if e >= 0 {
                    nanos.checked_mul(factor)?
                } else {
                    nanos / factor
                }
            }
            _ => return None,
        };
        Some(Self(sign * scaled))
    }

    fn as_f64(self) -> f64 {
        self.0 as f64 / NANO as f64
    }
}

/// An IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ip(IpAddr);

impl Opaque for Ip {
    fn runtime_type_name(&self) -> &str {
        "net.IP"
    }
}

/// A CIDR block (`10.0.0.0/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr(IpAddr, u8);

impl Opaque for Cidr {
    fn runtime_type_name(&self) -> &str {
        "net.CIDR"
    }
}

/// A URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url(url::Url);

impl Opaque for Url {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.URL"
    }
}

fn text(s: String) -> Value {
    Value::String(Arc::new(s))
}

fn fail(function: &str, message: impl fmt::Display) -> ExecutionError {
    ExecutionError::function_error(function, message.to_string())
}

fn opaque<T: Opaque + Clone>(value: &Value, function: &str) -> Result<T> {
    match value {
        Value::Opaque(o) => o
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| fail(function, "wrong argument type")),
        _ => Err(fail(function, "wrong argument type")),
    }
}

fn quantity_of(value: &Value, function: &str) -> Result<Quantity> {
    match value {
        Value::String(s) => Quantity::parse(s).ok_or_else(|| fail(function, "invalid quantity")),
        Value::Int(i) => Ok(Quantity(i128::from(*i) * NANO)),
        other => opaque::<Quantity>(other, function),
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    // Kubernetes rejects IPv4-mapped IPv6 and zones.
    let ip: IpAddr = text.parse().ok()?;
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => None,
        _ => Some(ip),
    }
}

fn parse_cidr(text: &str) -> Option<Cidr> {
    let (ip, prefix) = text.split_once('/')?;
    let ip = parse_ip(ip)?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some(Cidr(ip, prefix))
}

fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((bits & mask).into())
        }
    }
}

fn cidr_contains(cidr: Cidr, ip: IpAddr) -> bool {
    ip.is_ipv4() == cidr.0.is_ipv4() && masked(ip, cidr.1) == masked(cidr.0, cidr.1)
}

/// The names the library defines (for the report of what is supported).
pub(crate) const FUNCTIONS: &[&str] = &[
    "quantity",
    "isQuantity",
    "sign",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "add",
    "sub",
    "isGreaterThan",
    "isLessThan",
    "compareTo",
    "ip",
    "isIP",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "prefixLength",
    "masked",
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    "find",
    "findAll",
    "matches",
];

/// Registers the library on `context`.
pub(crate) fn register(
    context: &mut Context<'_, '_>,
) -> std::result::Result<(), cel::DeclarationError> {
    register_quantities(context)?;
    register_network(context)?;
    register_urls(context)?;
    register_regex(context)
}

fn register_quantities(c: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    c.add_function("quantity", |s: Arc<String>| -> Result<Value> {
        let q = Quantity::parse(&s)
            .ok_or_else(|| fail("quantity", format!("invalid quantity `{s}`")))?;
        Ok(Value::Opaque(Arc::new(q)))
    })?;
    c.add_function("isQuantity", |s: Arc<String>| Quantity::parse(&s).is_some())?;
    c.add_function("sign", |This(q): This<Value>| -> Result<i64> {
        Ok(quantity_of(&q, "sign")?.0.signum() as i64)
    })?;
    c.add_function("isInteger", |This(q): This<Value>| -> Result<bool> {
        let q = quantity_of(&q, "isInteger")?;
        Ok(q.0 % NANO == 0 && i64::try_from(q.0 / NANO).is_ok())
    })?;
    c.add_function("asInteger", |This(q): This<Value>| -> Result<i64> {
        let q = quantity_of(&q, "asInteger")?;
        if q.0 % NANO != 0 {
            return Err(fail("asInteger", "the quantity is not an integer"));
        }
        i64::try_from(q.0 / NANO).map_err(|_| fail("asInteger", "the quantity overflows an int"))
    })?;
    c.add_function(
        "asApproximateFloat",
        |This(q): This<Value>| -> Result<f64> {
            Ok(quantity_of(&q, "asApproximateFloat")?.as_f64())
        },
    )?;
    c.add_function(
        "add",
        |This(q): This<Value>, other: Value| -> Result<Value> {
            let sum = quantity_of(&q, "add")?
                .0
                .checked_add(quantity_of(&other, "add")?.0);
            let sum = sum.ok_or_else(|| fail("add", "overflow"))?;
            Ok(Value::Opaque(Arc::new(Quantity(sum))))
        },
    )?;
    c.add_function(
        "sub",
        |This(q): This<Value>, other: Value| -> Result<Value> {
            let d = quantity_of(&q, "sub")?
                .0
                .checked_sub(quantity_of(&other, "sub")?.0);
            let d = d.ok_or_else(|| fail("sub", "overflow"))?;
            Ok(Value::Opaque(Arc::new(Quantity(d))))
        },
    )?;
    c.add_function(
        "isGreaterThan",
        |This(q): This<Value>, other: Value| -> Result<bool> {
            Ok(quantity_of(&q, "isGreaterThan")? > quantity_of(&other, "isGreaterThan")?)
        },
    )?;
    c.add_function(
        "isLessThan",
        |This(q): This<Value>, other: Value| -> Result<bool> {
            Ok(quantity_of(&q, "isLessThan")? < quantity_of(&other, "isLessThan")?)
        },
    )?;
    c.add_function(
        "compareTo",
        |This(q): This<Value>, other: Value| -> Result<i64> {
            Ok(
                match quantity_of(&q, "compareTo")?.cmp(&quantity_of(&other, "compareTo")?) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                },
            )
        },
    )?;
    Ok(())
}

fn ip_of(value: &Value, function: &str) -> Result<IpAddr> {
    match value {
        Value::String(s) => parse_ip(s).ok_or_else(|| fail(function, format!("invalid IP `{s}`"))),
        other => opaque::<Ip>(other, function).map(|i| i.0),
    }
}

fn register_network(c: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    c.add_function("ip", |s: Arc<String>| -> Result<Value> {
        Ok(Value::Opaque(Arc::new(Ip(ip_of(&Value::String(s), "ip")?))))
    })?;
    c.add_function("isIP", |s: Arc<String>| parse_ip(&s).is_some())?;
    c.add_function("family", |This(v): This<Value>| -> Result<i64> {
        Ok(if ip_of(&v, "family")?.is_ipv4() { 4 } else { 6 })
    })?;
    c.add_function("isUnspecified", |This(v): This<Value>| -> Result<bool> {
        Ok(ip_of(&v, "isUnspecified")?.is_unspecified())
    })?;
    c.add_function("isLoopback", |This(v): This<Value>| -> Result<bool> {
        Ok(ip_of(&v, "isLoopback")?.is_loopback())
    })?;
    c.add_function(
        "isLinkLocalMulticast",
        |This(v): This<Value>| -> Result<bool> {
            Ok(match ip_of(&v, "isLinkLocalMulticast")? {
                IpAddr::V4(a) => a.octets()[..3] == [224, 0, 0],
                IpAddr::V6(a) => a.segments()[0] & 0xff0f == 0xff02,
            })
        },
    )?;
    c.add_function(
        "isLinkLocalUnicast",
        |This(v): This<Value>| -> Result<bool> {
            Ok(match ip_of(&v, "isLinkLocalUnicast")? {
                IpAddr::V4(a) => a.is_link_local(),
                IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
            })
        },
    )?;
    c.add_function("isGlobalUnicast", |This(v): This<Value>| -> Result<bool> {
        let ip = ip_of(&v, "isGlobalUnicast")?;
        Ok(match ip {
            IpAddr::V4(a) => {
                !(a.is_unspecified()
                    || a.is_loopback()
                    || a.is_link_local()
                    || a.is_multicast()
                    || a.is_broadcast())
            }
            IpAddr::V6(a) => {
                let s0 = a.segments()[0];
                !(a.is_unspecified()
                    || a.is_loopback()
                    || s0 & 0xff00 == 0xff00
                    || s0 & 0xffc0 == 0xfe80)
            }
        })
    })?;
    c.add_function("cidr", |s: Arc<String>| -> Result<Value> {
        let cidr = parse_cidr(&s).ok_or_else(|| fail("cidr", format!("invalid CIDR `{s}`")))?;
        Ok(Value::Opaque(Arc::new(cidr)))
    })?;
    c.add_function("isCIDR", |s: Arc<String>| parse_cidr(&s).is_some())?;
    c.add_function(
        "containsIP",
        |This(v): This<Value>, ip: Value| -> Result<bool> {
            let cidr = opaque::<Cidr>(&v, "containsIP")?;
            Ok(cidr_contains(cidr, ip_of(&ip, "containsIP")?))
        },
    )?;
    c.add_function(
        "containsCIDR",
        |This(v): This<Value>, other: Value| -> Result<bool> {
            let cidr = opaque::<Cidr>(&v, "containsCIDR")?;
            let other = match &other {
                Value::String(s) => {
                    parse_cidr(s).ok_or_else(|| fail("containsCIDR", "invalid CIDR"))?
                }
                o => opaque::<Cidr>(o, "containsCIDR")?,
            };
            Ok(other.1 >= cidr.1 && cidr_contains(cidr, other.0))
        },
    )?;
    c.add_function("prefixLength", |This(v): This<Value>| -> Result<i64> {
        Ok(i64::from(opaque::<Cidr>(&v, "prefixLength")?.1))
    })?;
    c.add_function("masked", |This(v): This<Value>| -> Result<Value> {
        let cidr = opaque::<Cidr>(&v, "masked")?;
        Ok(Value::Opaque(Arc::new(Cidr(
            masked(cidr.0, cidr.1),
            cidr.1,
        ))))
    })?;
    Ok(())
}

fn parse_url(text: &str) -> Option<url::Url> {
    // Kubernetes accepts absolute URIs and absolute paths.
    url::Url::parse(text).ok()
}

fn register_urls(c: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    c.add_function("url", |s: Arc<String>| -> Result<Value> {
        let u = parse_url(&s).ok_or_else(|| fail("url", format!("invalid URL `{s}`")))?;
        Ok(Value::Opaque(Arc::new(Url(u))))
    })?;
    c.add_function("isURL", |s: Arc<String>| parse_url(&s).is_some())?;
    c.add_function("getScheme", |This(v): This<Value>| -> Result<Value> {
        Ok(text(opaque::<Url>(&v, "getScheme")?.0.scheme().to_owned()))
    })?;
    c.add_function("getHost", |This(v): This<Value>| -> Result<Value> {
        let u = opaque::<Url>(&v, "getHost")?.0;
        let host = match u.host() {
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            Some(h) => h.to_string(),
            None => String::new(),
        };
        Ok(text(match u.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }))
    })?;
    c.add_function("getHostname", |This(v): This<Value>| -> Result<Value> {
        let u = opaque::<Url>(&v, "getHostname")?.0;
        Ok(text(match u.host() {
            Some(url::Host::Ipv6(a)) => a.to_string(),
            Some(h) => h.to_string(),
            None => String::new(),
        }))
    })?;
    c.add_function("getPort", |This(v): This<Value>| -> Result<Value> {
        Ok(text(
            opaque::<Url>(&v, "getPort")?
                .0
                .port()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ))
    })?;
    c.add_function("getEscapedPath", |This(v): This<Value>| -> Result<Value> {
        Ok(text(
            opaque::<Url>(&v, "getEscapedPath")?.0.path().to_owned(),
        ))
    })?;
    c.add_function("getQuery", |This(v): This<Value>| -> Result<Value> {
        let u = opaque::<Url>(&v, "getQuery")?.0;
        let mut map: std::collections::HashMap<String, Vec<Value>> =
            std::collections::HashMap::new();
        for (k, val) in u.query_pairs() {
            map.entry(k.into_owned())
                .or_default()
                .push(Value::String(Arc::new(val.into_owned())));
        }
        let map: std::collections::HashMap<String, Value> = map
            .into_iter()
            .map(|(k, v)| (k, Value::List(Arc::new(v))))
            .collect();
        Ok(Value::from(map))
    })?;
    Ok(())
}

/// Patterns kept compiled per thread; the cache is emptied when full, so
/// its memory is bounded whatever the expressions.
const CACHED_PATTERNS: usize = 256;

fn compile_regex(function: &str, pattern: &str) -> Result<regex::Regex> {
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, regex::Regex>> =
            std::cell::RefCell::default();
    }
    if let Some(re) = COMPILED.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| fail(function, format!("'{pattern}' not a valid regex: {e}")))?;
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHED_PATTERNS {
            c.clear();
        }
        c.insert(pattern.to_owned(), re.clone());
    });
    Ok(re)
}

fn register_regex(c: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    c.add_function(
        "matches",
        |This(s): This<Arc<String>>, pattern: Arc<String>| -> Result<bool> {
            Ok(compile_regex("matches", &pattern)?.is_match(&s))
        },
    )?;
    c.add_function(
        "find",
        |This(s): This<Arc<String>>, pattern: Arc<String>| -> Result<Value> {
            let re = compile_regex("find", &pattern)?;
            Ok(text(
                re.find(&s)
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
            ))
        },
    )?;
    c.add_function(
        "findAll",
        |This(s): This<Arc<String>>, pattern: Arc<String>| -> Result<Value> {
            let re = compile_regex("findAll", &pattern)?;
            Ok(Value::List(Arc::new(
                re.find_iter(&s)
                    .take(10_000)
                    .map(|m| Value::String(Arc::new(m.as_str().to_owned())))
                    .collect(),
            )))
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_as_kubernetes_reads_them() {
        let q = |s: &str| Quantity::parse(s).map(|q| q.0);
        assert_eq!(q("1"), Some(NANO));
        assert_eq!(q("500m"), Some(NANO / 2));
        assert_eq!(q("1Ki"), Some(1024 * NANO));
        assert_eq!(q("1.5Gi"), Some(3 * (1 << 29) * NANO));
        assert_eq!(q("2e3"), Some(2000 * NANO));
        assert_eq!(q("-1k"), Some(-1000 * NANO));
        assert_eq!(q("1Gb"), None);
        assert_eq!(q(""), None);
        assert_eq!(q("9".repeat(40).as_str()), None);
        assert!(Quantity::parse("1Gi") > Quantity::parse("1000Mi"));
    }

    #[test]
    fn cidrs_contain_addresses_of_their_family() {
        let c = parse_cidr("10.0.0.0/8").map(|c| (c.0, c.1));
        assert!(c.is_some());
        let cidr = parse_cidr("10.0.0.0/8").unwrap_or(Cidr(IpAddr::V4([0, 0, 0, 0].into()), 32));
        assert!(cidr_contains(cidr, "10.1.2.3".parse().unwrap_or(cidr.0)));
        assert!(!cidr_contains(cidr, "11.0.0.1".parse().unwrap_or(cidr.0)));
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_ip("::ffff:1.2.3.4").is_none());
    }

    #[test]
    fn matches_is_a_function_and_a_method_and_refuses_bad_patterns() {
        let context = crate::admission::environment::root_context();
        let run = |text: &str| {
            let program = cel::Program::compile(text).map_err(|e| e.to_string())?;
            program.execute(&context).map_err(|e| e.to_string())
        };
        for _ in 0..2 {
            // The second round reads the compiled patterns from the cache.
            assert_eq!(
                run("'web-1'.matches('^[a-z0-9-]+$')"),
                Ok(Value::Bool(true))
            );
            assert_eq!(run("matches('Web', '^[a-z]+$')"), Ok(Value::Bool(false)));
            assert_eq!(run("'abc'.matches('b')"), Ok(Value::Bool(true)));
        }
        let error = run("'x'.matches('(x')").err().unwrap_or_default();
        assert!(error.contains("not a valid regex"), "{error}");
        for i in 0..(CACHED_PATTERNS + 10) {
            assert_eq!(
                run(&format!("'a{i}'.matches('^a{i}$')")),
                Ok(Value::Bool(true))
            );
        }
    }
}
