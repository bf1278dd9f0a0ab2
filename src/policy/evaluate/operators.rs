//! Condition operators on plain values: names, value parsing (numbers, dates, IP ranges) and
//! the comparisons themselves.
//!
//! spec: IAM User Guide, "IAM JSON policy elements: Condition operators" (string, numeric,
//! date, boolean, binary, IP address, ARN, `...IfExists`, `Null`) and "Set operators for
//! multivalued context keys" (`ForAllValues:`, `ForAnyValue:`).

use std::net::IpAddr;

/// The operator family and its positive comparison. Negated operators (`StringNotEquals`,
/// `NotIpAddress`, ...) carry the positive [`Base`] plus `negated = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    /// `ArnEquals` and `ArnLike` "behave identically".
    ArnLike,
    Null,
}

/// `ForAllValues:` / `ForAnyValue:` qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    None,
    ForAllValues,
    ForAnyValue,
}

/// A fully decoded operator name such as `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub base: Base,
    pub negated: bool,
    pub if_exists: bool,
    pub set: SetQualifier,
}

impl Operator {
    /// Decodes an operator name. Operator names are matched case-insensitively (AWS accepts
    /// `stringequals`); `None` for a name IAM does not define (including `NullIfExists`).
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = strip_prefix_ci(name, "ForAllValues:") {
            (SetQualifier::ForAllValues, r)
        } else if let Some(r) = strip_prefix_ci(name, "ForAnyValue:") {
            (SetQualifier::ForAnyValue, r)
        } else {
            (SetQualifier::None, name)
        };
        let (if_exists, rest) = match strip_suffix_ci(rest, "IfExists") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        use Base::*;
        let (base, negated) = match rest.to_ascii_lowercase().as_str() {
            "stringequals" => (StringEquals, false),
            "stringnotequals" => (StringEquals, true),
            "stringequalsignorecase" => (StringEqualsIgnoreCase, false),
            "stringnotequalsignorecase" => (StringEqualsIgnoreCase, true),
            "stringlike" => (StringLike, false),
            "stringnotlike" => (StringLike, true),
            "numericequals" => (NumericEquals, false),
            "numericnotequals" => (NumericEquals, true),
            "numericlessthan" => (NumericLessThan, false),
            "numericlessthanequals" => (NumericLessThanEquals, false),
            "numericgreaterthan" => (NumericGreaterThan, false),
            "numericgreaterthanequals" => (NumericGreaterThanEquals, false),
            "dateequals" => (DateEquals, false),
            "datenotequals" => (DateEquals, true),
            "datelessthan" => (DateLessThan, false),
            "datelessthanequals" => (DateLessThanEquals, false),
            "dategreaterthan" => (DateGreaterThan, false),
            "dategreaterthanequals" => (DateGreaterThanEquals, false),
            "bool" => (Bool, false),
            "binaryequals" => (BinaryEquals, false),
            "ipaddress" => (IpAddress, false),
            "notipaddress" => (IpAddress, true),
            "arnequals" | "arnlike" => (ArnLike, false),
            "arnnotequals" | "arnnotlike" => (ArnLike, true),
            "null" if !if_exists => (Null, false),
            _ => return None,
        };
        Some(Operator {
            base,
            negated,
            if_exists,
            set,
        })
    }

    /// Whether policy variables are substituted in this operator's values (string, ARN and,
    /// per the operator reference, `Bool`).
    pub fn takes_variables(&self) -> bool {
        matches!(
            self.base,
            Base::StringEquals
                | Base::StringEqualsIgnoreCase
                | Base::StringLike
                | Base::ArnLike
                | Base::Bool
        )
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

// ---------------------------------------------------------------------------------------
// Numbers

/// Parses an IAM number (integer or decimal, optional sign). `None` for anything else.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits != ".";
    if ok {
        t.parse().ok()
    } else {
        None
    }
}

/// `left OP right` for the numeric and date families (dates compared as epoch milliseconds).
pub fn compare_ordered<T: PartialOrd>(base: Base, left: T, right: T) -> bool {
    use Base::*;
    match base {
        NumericEquals | DateEquals => left == right,
        NumericLessThan | DateLessThan => left < right,
        NumericLessThanEquals | DateLessThanEquals => left <= right,
        NumericGreaterThan | DateGreaterThan => left > right,
        NumericGreaterThanEquals | DateGreaterThanEquals => left >= right,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Dates

/// Parses a date: epoch seconds (`aws:EpochTime`, an integer), or one of the W3C profiles
/// of ISO 8601 the operator reference cites (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD`, `YYYY-MM-DDThh:mm:ss.sTZD`; TZD is `Z`
/// or `±hh:mm`; a missing zone is read as UTC). Returns milliseconds since 1970-01-01Z.
///
/// Hand-written: the W3C profile's partial forms (`2020`, `2020-06`) are outside RFC 3339,
/// which is what the common date crates parse.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() != 4 {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    let (mut month, mut day) = (1, 1);
    let mut i = 4;
    if b.get(i) == Some(&b'-') {
        month = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'-') {
            day = num(i + 1, 2)?;
            i += 3;
        }
    }
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut millis_of_day = 0i64;
    let mut offset_minutes = 0i64;
    if matches!(b.get(i), Some(b'T') | Some(b't')) {
        let hh = num(i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        let mm = num(i + 4, 2)?;
        i += 6;
        let mut ss = 0;
        let mut frac_ms = 0;
        if b.get(i) == Some(&b':') {
            ss = num(i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                // First three digits are milliseconds; further precision is dropped.
                let mut ms = 0;
                for k in 0..3 {
                    ms = ms * 10
                        + b.get(start + k)
                            .filter(|_| start + k < i)
                            .map_or(0, |d| i64::from(d - b'0'));
                }
                frac_ms = ms;
            }
        }
        if hh > 24 || mm > 59 || ss > 60 || (hh == 24 && (mm, ss, frac_ms) != (0, 0, 0)) {
            return None;
        }
        millis_of_day = ((hh * 60 + mm) * 60 + ss) * 1000 + frac_ms;
        match b.get(i) {
            None => {}
            Some(b'Z') | Some(b'z') => i += 1,
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(i + 1, 2)?;
                let om = if b.get(i + 3) == Some(&b':') {
                    num(i + 4, 2)?
                } else {
                    num(i + 3, 2)?
                };
                i += if b.get(i + 3) == Some(&b':') { 6 } else { 5 };
                offset_minutes = (oh * 60 + om) * if sign == b'+' { 1 } else { -1 };
            }
            _ => return None,
        }
    }
    if i != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400_000 + millis_of_day - offset_minutes * 60_000)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------------------
// IP addresses

/// An IPv4 or IPv6 network: address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `203.0.113.0/24`, `2001:DB8::/32` or a bare address (`/32`, `/128`).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// Whether `ip` lies in this network (an IPv4 address never lies in an IPv6 network
    /// and vice versa).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Parses a request's IP address (a bare address; a CIDR's network address is accepted too).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse().ok().or_else(|| Cidr::parse(s).map(|c| c.addr))
}

// ---------------------------------------------------------------------------------------
// Booleans

/// `true` / `false`, case-insensitively.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(op.base, Base::StringLike);
        assert!(op.negated && op.if_exists);
        assert_eq!(op.set, SetQualifier::ForAnyValue);
        assert_eq!(Operator::parse("ArnEquals").unwrap().base, Base::ArnLike);
        assert!(Operator::parse("NotIpAddress").unwrap().negated);
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("NumericNotLessThan").is_none());
        assert_eq!(
            Operator::parse("stringequals").unwrap().base,
            Base::StringEquals
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("ten"), None);
        assert_eq!(parse_number(""), None);
        assert!(compare_ordered(Base::NumericLessThanEquals, 10.0, 10.0));
        assert!(!compare_ordered(Base::NumericLessThan, 10.0, 10.0));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("0"), Some(0));
        assert_eq!(parse_date("2020-01-01T00:00:01Z"), Some(1_577_836_801_000));
        assert_eq!(parse_date("1577836801"), Some(1_577_836_801_000));
        assert_eq!(
            parse_date("2020-01-01T01:00:01+01:00"),
            Some(1_577_836_801_000)
        );
        assert_eq!(parse_date("2020-01-01"), Some(1_577_836_800_000));
        assert_eq!(parse_date("2020"), Some(1_577_836_800_000));
        assert_eq!(parse_date("2020-02"), parse_date("2020-02-01T00:00Z"));
        assert_eq!(
            parse_date("2020-01-01T00:00:00.250Z"),
            Some(1_577_836_800_250)
        );
        assert_eq!(parse_date("2019-02-29"), None);
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2020-01-01T00:00:00Zjunk"), None);
    }

    #[test]
    fn cidrs() {
        let net = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(net.contains("203.0.113.7".parse().unwrap()));
        assert!(!net.contains("203.0.114.7".parse().unwrap()));
        let one = Cidr::parse("203.0.113.7").unwrap();
        assert_eq!(one.prefix, 32);
        let v6 = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(v6.contains("2001:db8:1234:5678::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:1234:5679::1".parse().unwrap()));
        assert!(!v6.contains("203.0.113.7".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }
}
