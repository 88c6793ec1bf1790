//! A task's explicit choice of backend for a target (`vm_network`'s
//! `firewall:`). The registry checks that the requests agree with each other
//! and with the command line, and that the backend can run on the host.

use serde::Serialize;

use crate::model::origin::Origin;
use crate::target::{BackendId, Target};

/// A backend a task asked for.
#[derive(Clone, Debug, Serialize)]
pub struct BackendRequest {
    /// The part of the host.
    pub target: Target,
    /// The backend.
    pub id: BackendId,
    /// The task, and where the choice was written.
    pub origin: Origin,
}
