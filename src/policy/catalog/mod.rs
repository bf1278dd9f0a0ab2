//! Service data: every AWS action, resource type and condition key (in progress).

/// The service catalog, loaded at runtime from bytes.
#[derive(Debug, Default)]
pub struct Catalog {}
