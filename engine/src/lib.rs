//! hostnet's engine: everything between a playbook and the host.
//!
//! Data flows one way:
//!
//! ```text
//! load (playbook/) → template (template.rs, filters.rs) → model (execute.rs, modules/, model/)
//!   → validate (model/validate.rs) → render (backend.rs; backends live in hostnet-backends)
//!   → plan (plan.rs, pipeline.rs) → print (the CLI) | apply (apply.rs) → rollback (rollback.rs)
//! ```
//!
//! Only `root.rs` (reads), `facts.rs` (through `Root`) and `apply.rs` /
//! `rollback.rs` touch the file system, and only `apply.rs` writes or runs
//! anything. Backends are pure: `(&HostModel, &Facts) → Vec<Planned>`.

pub mod apply;
pub mod args;
pub mod backend;
pub mod block;
pub mod change;
pub mod diff;
pub mod error;
pub mod execute;
pub mod facts;
pub mod filters;
pub mod graph;
pub mod model;
pub mod modules;
pub mod pipeline;
pub mod plan;
pub mod playbook;
pub mod qemu;
pub mod rollback;
pub mod root;
pub mod schema;
pub mod services;
pub mod shell;
pub mod source;
pub mod template;
pub mod types;
