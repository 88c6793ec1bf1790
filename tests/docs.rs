//! Generated documentation stays current.

use crate::support::golden::assert_golden;
use crate::support::repo;

#[test]
fn module_reference_is_generated_from_the_specs() {
    assert_golden(
        &repo().join("docs/modules.md"),
        &hostnet_engine::modules::reference_markdown(),
    );
}
