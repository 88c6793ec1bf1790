//! Where a model item came from: the task that asked for it, and the position.

use serde::Serialize;

use crate::change::TaskId;
use crate::source::Pos;

/// Which task asked for an item, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The task.
    pub task: TaskId,
    /// The position of the item (its `name:` value, usually).
    pub pos: Pos,
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.pos)
    }
}
