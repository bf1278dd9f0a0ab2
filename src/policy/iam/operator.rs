//! Condition operators: names (`[ForAllValues:|ForAnyValue:]Base[IfExists]`, spelt exactly as
//! IAM spells them), families, negation, and the parsing and comparison of the values they
//! compare (numbers, booleans; dates in [`super::date`], addresses in [`super::ip`]).
//!
//! spec: IAM User Guide, "IAM JSON policy elements: Condition operators" (string, numeric,
//! date, boolean, binary, IP address, ARN, `...IfExists`, `Null`) and "Set operators for
//! multivalued context keys". Operator names are case-sensitive: IAM refuses
//! `stringEquals` ("Invalid Condition type").

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// The condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// The value type an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

impl OperatorFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorFamily::String => "String",
            OperatorFamily::Numeric => "Numeric",
            OperatorFamily::Date => "Date",
            OperatorFamily::Bool => "Bool",
            OperatorFamily::Binary => "Binary",
            OperatorFamily::Ip => "IPAddress",
            OperatorFamily::Arn => "ARN",
            OperatorFamily::Null => "Null",
        }
    }
}

const OPERATORS: &[(&str, BaseOperator)] = {
    use BaseOperator::*;
    &[
        ("StringEquals", StringEquals),
        ("StringNotEquals", StringNotEquals),
        ("StringEqualsIgnoreCase", StringEqualsIgnoreCase),
        ("StringNotEqualsIgnoreCase", StringNotEqualsIgnoreCase),
        ("StringLike", StringLike),
        ("StringNotLike", StringNotLike),
        ("NumericEquals", NumericEquals),
        ("NumericNotEquals", NumericNotEquals),
        ("NumericLessThan", NumericLessThan),
        ("NumericLessThanEquals", NumericLessThanEquals),
        ("NumericGreaterThan", NumericGreaterThan),
        ("NumericGreaterThanEquals", NumericGreaterThanEquals),
        ("DateEquals", DateEquals),
        ("DateNotEquals", DateNotEquals),
        ("DateLessThan", DateLessThan),
        ("DateLessThanEquals", DateLessThanEquals),
        ("DateGreaterThan", DateGreaterThan),
        ("DateGreaterThanEquals", DateGreaterThanEquals),
        ("Bool", Bool),
        ("BinaryEquals", BinaryEquals),
        ("IpAddress", IpAddress),
        ("NotIpAddress", NotIpAddress),
        ("ArnEquals", ArnEquals),
        ("ArnLike", ArnLike),
        ("ArnNotEquals", ArnNotEquals),
        ("ArnNotLike", ArnNotLike),
        ("Null", Null),
    ]
};

impl BaseOperator {
    /// All operators with their names.
    pub fn all() -> &'static [(&'static str, BaseOperator)] {
        OPERATORS
    }
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, o)| *o == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
    /// Exact (case-sensitive) name lookup.
    pub fn from_name(s: &str) -> Option<BaseOperator> {
        OPERATORS.iter().find(|(n, _)| *n == s).map(|(_, o)| *o)
    }
    pub fn family(self) -> OperatorFamily {
        use BaseOperator::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => OperatorFamily::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => OperatorFamily::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => OperatorFamily::Date,
            Bool => OperatorFamily::Bool,
            BinaryEquals => OperatorFamily::Binary,
            IpAddress | NotIpAddress => OperatorFamily::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => OperatorFamily::Arn,
            Null => OperatorFamily::Null,
        }
    }
    /// Negated operators (a missing key makes them true).
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }
    /// The positive operator a negated one inverts (`StringNotLike` -> `StringLike`); `ArnEquals`
    /// and `ArnLike` "behave identically", so every ARN operator compares as `ArnLike`.
    pub fn positive(self) -> BaseOperator {
        use BaseOperator::*;
        match self {
            StringNotEquals => StringEquals,
            StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
            StringNotLike => StringLike,
            NumericNotEquals => NumericEquals,
            DateNotEquals => DateEquals,
            NotIpAddress => IpAddress,
            ArnEquals | ArnNotEquals | ArnNotLike => ArnLike,
            other => other,
        }
    }

    /// Whether policy variables are substituted in this operator's values (string, ARN and,
    /// per the operator reference, `Bool`).
    pub fn takes_variables(self) -> bool {
        matches!(
            self.family(),
            OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Bool
        )
    }

    /// Operators whose values may contain `*` / `?` wildcards.
    pub fn is_like(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringLike | StringNotLike | ArnLike | ArnNotLike | ArnEquals | ArnNotEquals
        )
    }
}

/// A parsed operator name: `[ForAllValues:|ForAnyValue:]Base[IfExists]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub base: BaseOperator,
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name exactly as IAM spells it; `None` otherwise (including
    /// `NullIfExists`, which IAM rejects).
    pub fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let base = BaseOperator::from_name(base)?;
        if if_exists && base == BaseOperator::Null {
            return None;
        }
        Some(Operator {
            qualifier,
            base,
            if_exists,
        })
    }
}

/// Parses an IAM number (integer or decimal, optional sign; no exponent, no `inf`/`NaN`).
/// `None` for anything else.
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

/// `left OP right` for the numeric and date families (dates compared as epoch milliseconds);
/// `base` is a positive operator.
pub fn compare_ordered<T: PartialOrd>(base: BaseOperator, left: T, right: T) -> bool {
    use BaseOperator::*;
    match base {
        NumericEquals | DateEquals => left == right,
        NumericLessThan | DateLessThan => left < right,
        NumericLessThanEquals | DateLessThanEquals => left <= right,
        NumericGreaterThan | DateGreaterThan => left > right,
        NumericGreaterThanEquals | DateGreaterThanEquals => left >= right,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        let o = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(o.qualifier, Some(SetQualifier::ForAnyValue));
        assert_eq!(o.base, BaseOperator::StringNotLike);
        assert!(o.base.is_negated() && o.if_exists);
        assert_eq!(o.base.positive(), BaseOperator::StringLike);
        assert_eq!(
            Operator::parse("ArnEquals").unwrap().base.positive(),
            BaseOperator::ArnLike
        );
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("NumericNotLessThan").is_none());
        assert!(Operator::parse("stringequals").is_none());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("ten"), None);
        assert_eq!(parse_number(""), None);
        assert!(compare_ordered(
            BaseOperator::NumericLessThanEquals,
            10.0,
            10.0
        ));
        assert!(!compare_ordered(BaseOperator::NumericLessThan, 10.0, 10.0));
    }
}
