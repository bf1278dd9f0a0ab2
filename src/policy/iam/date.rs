//! Condition dates (the `Date...` operators and `aws:CurrentTime` / `aws:EpochTime`).
//!
//! spec: IAM User Guide, "Condition operators" (date condition operators: "W3C
//! implementations of the ISO 8601 date formats" or epoch time).

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

/// Whether [`parse_date`] reads `s` as epoch seconds (digits only, other than a four-digit
/// year).
pub fn is_epoch_seconds(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty() && s.len() != 4 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn epoch_form() {
        assert!(is_epoch_seconds("1577836801"));
        assert!(!is_epoch_seconds("2020"));
        assert!(!is_epoch_seconds("2020-01-01"));
    }
}
