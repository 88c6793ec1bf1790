//! hostnet's engine: everything between a playbook and the host.
//!
//! Data flows one way, and the files read in the same order (a test keeps
//! the import graph free of cycles):
//!
//! ```text
//! load      yaml.rs, playbook/            YAML → positioned nodes → plays and tasks
//! template  template.rs, filters.rs       values only; results are `value::Arg`s with positions
//! execute   execute.rs, modules/          tasks in order; modules add typed items to the model
//! model     model/                        HostModel, and its topology (model/topology.rs)
//! validate  validate/                     every whole-model rule, one file per concern
//! choose    registry.rs, backend.rs       one backend per target, explicit choices checked
//! render    hostnet-backends              pure: Desired (model, topology, facts) → changes
//! plan      plan.rs, pipeline.rs          real changes against the root, per task
//! apply     apply.rs, runs.rs, mutate.rs  journaled, atomic; rollback.rs plans the undoing
//! ```
//!
//! `root.rs` reads the host; only `mutate.rs` changes it (files, links,
//! locks) or runs a program, called by `apply.rs` for plans and `runs.rs`
//! for hostnet's own records. `clippy.toml` bans those operations elsewhere.

pub mod apply;
pub mod backend;
pub mod block;
pub mod change;
pub mod confirm;
pub mod diff;
pub mod error;
pub mod execute;
pub mod facts;
pub mod filters;
pub mod graph;
pub mod inventory;
pub mod live;
pub mod model;
pub mod modules;
pub mod mutate;
pub mod netplan;
pub mod networkd;
pub mod pipeline;
pub mod plan;
pub mod playbook;
pub mod preflight;
pub mod qemu;
pub mod registry;
pub mod rollback;
pub mod root;
pub mod runs;
pub mod schema;
pub mod services;
pub mod shell;
pub mod source;
pub mod takeover;
pub mod target;
pub mod teardown;
pub mod template;
pub mod types;
pub mod validate;
pub mod value;
pub mod verify;
pub mod yaml;
