//! Keyset paging shared by every list call.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Largest page any list call returns.
pub const MAX_PAGE: u32 = 500;

/// Which page to fetch: up to `limit` items after the opaque cursor `after` (from a previous
/// [`PageOf::next`]); `None` starts at the beginning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub after: Option<String>,
    pub limit: u32,
}

impl Default for Page {
    fn default() -> Self {
        Page { after: None, limit: 100 }
    }
}

impl Page {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Page {
        Page { after: None, limit }
    }

    pub(crate) fn checked_limit(&self) -> Result<i64> {
        if self.limit == 0 || self.limit > MAX_PAGE {
            return Err(StoreError::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
        }
        Ok(i64::from(self.limit))
    }
}

/// One page of results; `next` is the cursor for the following page, `None` on the last one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> PageOf<T> {
    /// Builds a page from a query that fetched `limit + 1` rows, so "is there more" costs no count.
    pub(crate) fn from_overfetch(mut items: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Self {
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next = if more { items.last().map(cursor) } else { None };
        PageOf { items, next }
    }
}
