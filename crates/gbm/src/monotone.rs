//! Monotone constraints, LightGBM's "basic" method.
//!
//! Every leaf carries bounds `[min, max]` on its output. A candidate split's child outputs
//! are clamped into the leaf's bounds, and a split on a constrained feature whose clamped
//! outputs go the wrong way is rejected. After a split on an increasing feature the left
//! child's `max` and the right child's `min` become the midpoint of the two outputs
//! (mirrored for decreasing), so every leaf reachable by raising the feature is at least as
//! high as every leaf it leaves. Splits on other features pass the bounds on unchanged.

/// Output bounds of one leaf.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LeafBounds {
    pub min: f64,
    pub max: f64,
}

impl LeafBounds {
    pub const NONE: LeafBounds = LeafBounds { min: f64::NEG_INFINITY, max: f64::INFINITY };

    #[inline]
    pub fn is_unbounded(&self) -> bool {
        self.min == f64::NEG_INFINITY && self.max == f64::INFINITY
    }

    #[inline]
    pub fn clamp(&self, v: f64) -> f64 {
        v.max(self.min).min(self.max)
    }

    /// Bounds of the (left, right) children of a split with these child outputs on a
    /// feature with constraint `direction`.
    pub fn children(&self, direction: i8, left_output: f64, right_output: f64) -> (LeafBounds, LeafBounds) {
        let mid = (left_output + right_output) / 2.0;
        let (mut l, mut r) = (*self, *self);
        match direction {
            1 => {
                l.max = l.max.min(mid);
                r.min = r.min.max(mid);
            }
            -1 => {
                l.min = l.min.max(mid);
                r.max = r.max.min(mid);
            }
            _ => {}
        }
        (l, r)
    }
}

/// Whether clamped child outputs respect the feature's direction.
#[inline]
pub(crate) fn respects(direction: i8, left_output: f64, right_output: f64) -> bool {
    match direction {
        1 => left_output <= right_output,
        -1 => left_output >= right_output,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_split_at_the_midpoint() {
        let b = LeafBounds { min: -1.0, max: 2.0 };
        let (l, r) = b.children(1, 0.0, 1.0);
        assert_eq!(l, LeafBounds { min: -1.0, max: 0.5 });
        assert_eq!(r, LeafBounds { min: 0.5, max: 2.0 });
        let (l, r) = b.children(-1, 1.0, -0.5);
        assert_eq!(l, LeafBounds { min: 0.25, max: 2.0 });
        assert_eq!(r, LeafBounds { min: -1.0, max: 0.25 });
        assert_eq!(b.children(0, 5.0, -5.0), (b, b));
        assert_eq!(b.clamp(3.0), 2.0);
        assert!(respects(1, 0.1, 0.2) && !respects(1, 0.3, 0.2) && respects(-1, 0.3, 0.2) && respects(0, 9.0, 0.0));
    }
}
