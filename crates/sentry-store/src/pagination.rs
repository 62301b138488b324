//! `pagination_cursors`: client-side state behind `--cursor next|prev|first`.
//!
//! Per (command key, context key) we keep a stack of page-start cursors (`stack[0]` is always
//! `""`, the first page) and the index of the page last shown. State lives five minutes.
//! Disposable, so its writes are cache writes (best effort).

use rusqlite::{params, OptionalExtension};

use crate::{now_ms, Result, Store};

/// How long a stored cursor stack stays valid.
pub const CURSOR_TTL_MS: i64 = 5 * 60 * 1000;

/// Which way the user navigated to reach the page just displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorDirection {
    Next,
    Prev,
    First,
}

/// Cursor stack plus current page index, stored as JSON array + integer (upstream format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaginationState {
    /// Page-start cursors; index 0 is `""` (the first page needs no cursor).
    pub stack: Vec<String>,
    /// 0-based index of the page currently shown.
    pub index: usize,
}

impl PaginationState {
    /// The state after showing a page reached by `direction`, given the previous state and
    /// the cursor of the page after it (`None` on the last page, which truncates the stack so
    /// a later `next` reports there is no next page).
    pub fn advance(
        previous: Option<PaginationState>,
        direction: CursorDirection,
        next_cursor: Option<&str>,
    ) -> PaginationState {
        let fresh = |next: Option<&str>| {
            let mut stack = vec![String::new()];
            if let Some(n) = next.filter(|n| !n.is_empty()) {
                stack.push(n.to_string());
            }
            PaginationState { stack, index: 0 }
        };
        let next_cursor = next_cursor.filter(|n| !n.is_empty());
        let Some(prev) = previous else {
            return fresh(next_cursor);
        };
        match direction {
            CursorDirection::First => fresh(next_cursor),
            CursorDirection::Next => {
                let index = prev.index + 1;
                let mut stack: Vec<String> = prev.stack.into_iter().take(index + 1).collect();
                while stack.len() < index + 1 {
                    stack.push(String::new());
                }
                if let Some(n) = next_cursor {
                    stack.push(n.to_string());
                }
                PaginationState { stack, index }
            }
            CursorDirection::Prev => {
                let index = prev.index.saturating_sub(1);
                let mut stack: Vec<String> = prev.stack.into_iter().take(index + 1).collect();
                while stack.len() < index + 1 {
                    stack.push(String::new());
                }
                if let Some(n) = next_cursor {
                    stack.push(n.to_string());
                }
                PaginationState { stack, index }
            }
        }
    }
}

impl Store {
    /// The stored state, or `None` when absent or expired (an expired row is deleted).
    pub fn pagination_get(
        &self,
        command_key: &str,
        context: &str,
    ) -> Result<Option<PaginationState>> {
        let row: Option<(String, i64, i64)> = self.read(|c| {
            c.query_row(
                "SELECT cursor_stack, page_index, expires_at FROM pagination_cursors
                 WHERE command_key = ?1 AND context = ?2",
                params![command_key, context],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })?;
        let Some((stack_json, index, expires_at)) = row else {
            return Ok(None);
        };
        if expires_at <= now_ms() {
            self.pagination_clear(command_key, context)?;
            return Ok(None);
        }
        let stack: Vec<String> = serde_json::from_str(&stack_json).map_err(|e| {
            self.invalid(format!(
                "pagination_cursors.cursor_stack is not a JSON string array: {e}"
            ))
        })?;
        let index = usize::try_from(index).unwrap_or(0);
        Ok(Some(PaginationState { stack, index }))
    }

    /// Store the state with a fresh five-minute expiry.
    pub fn pagination_set(
        &self,
        command_key: &str,
        context: &str,
        state: &PaginationState,
    ) -> Result<()> {
        let json = serde_json::to_string(&state.stack)
            .map_err(|e| self.invalid(format!("cannot encode cursor stack: {e}")))?;
        let index = i64::try_from(state.index).unwrap_or(i64::MAX);
        let expires = now_ms() + CURSOR_TTL_MS;
        self.cache_write(|c| {
            c.execute(
                "INSERT INTO pagination_cursors (command_key, context, cursor_stack, page_index, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(command_key, context) DO UPDATE SET
                   cursor_stack = excluded.cursor_stack, page_index = excluded.page_index,
                   expires_at = excluded.expires_at",
                params![command_key, context, json, index, expires],
            )?;
            Ok(())
        })
    }

    /// Read, advance (see [`PaginationState::advance`]) and store in one call; returns the
    /// new state.
    pub fn pagination_advance(
        &self,
        command_key: &str,
        context: &str,
        direction: CursorDirection,
        next_cursor: Option<&str>,
    ) -> Result<PaginationState> {
        // A malformed stored stack is treated as absent: pagination state is disposable.
        let previous = self.pagination_get(command_key, context).unwrap_or(None);
        let state = PaginationState::advance(previous, direction, next_cursor);
        self.pagination_set(command_key, context, &state)?;
        Ok(state)
    }

    /// Drop the state of one (command, context).
    pub fn pagination_clear(&self, command_key: &str, context: &str) -> Result<()> {
        self.cache_write(|c| {
            c.execute(
                "DELETE FROM pagination_cursors WHERE command_key = ?1 AND context = ?2",
                params![command_key, context],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(stack: &[&str], index: usize) -> PaginationState {
        PaginationState {
            stack: stack.iter().map(|s| s.to_string()).collect(),
            index,
        }
    }

    #[test]
    fn advance_forward_back_and_first() {
        let s = PaginationState::advance(None, CursorDirection::First, Some("c1"));
        assert_eq!(s, st(&["", "c1"], 0));
        let s = PaginationState::advance(Some(s), CursorDirection::Next, Some("c2"));
        assert_eq!(s, st(&["", "c1", "c2"], 1));
        let s = PaginationState::advance(Some(s), CursorDirection::Next, None);
        assert_eq!(s, st(&["", "c1", "c2"], 2));
        let s = PaginationState::advance(Some(s), CursorDirection::Prev, Some("c2b"));
        assert_eq!(s, st(&["", "c1", "c2b"], 1));
        let s = PaginationState::advance(Some(s), CursorDirection::Prev, Some("c1"));
        assert_eq!(s, st(&["", "c1"], 0));
        let s = PaginationState::advance(Some(s), CursorDirection::Prev, None);
        assert_eq!(s, st(&[""], 0));
        let s =
            PaginationState::advance(Some(st(&["", "a", "b"], 2)), CursorDirection::First, None);
        assert_eq!(s, st(&[""], 0));
    }
}
