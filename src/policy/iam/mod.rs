//! The IAM policy language's vocabulary on plain values, shared by the service catalog, the
//! validator's checks and the evaluator so that they read the same text the same way:
//! [`glob`] (`*` / `?` patterns), [`arn`] (ARN parts and ARN patterns), [`date`] (condition
//! dates), [`ip`] (addresses and CIDR ranges) and [`operator`] (condition operator names,
//! families and value parsing).

pub mod arn;
pub mod date;
pub mod glob;
pub mod ip;
pub mod operator;

/// Every string over `alphabet` of at most `max` characters (the empty one included): the
/// exhaustive small cases the matchers are compared with their reference on.
#[cfg(test)]
fn all_strings(alphabet: &[char], max: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..max {
        layer = layer
            .iter()
            .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
            .collect();
        out.extend(layer.iter().cloned());
    }
    out
}
