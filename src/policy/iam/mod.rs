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
