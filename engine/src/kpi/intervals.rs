//! Sets of time intervals in whole seconds: the stopped clock, the union of touch time.

/// A union of half-open intervals `[a, b)` of seconds, kept sorted and disjoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Intervals(Vec<(i64, i64)>);

impl Intervals {
    /// The union of these intervals (empty and reversed ones are dropped).
    pub(crate) fn of(mut spans: Vec<(i64, i64)>) -> Intervals {
        spans.retain(|(a, b)| b > a);
        spans.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        Intervals(merged)
    }

    /// The disjoint intervals, in order.
    pub(crate) fn spans(&self) -> &[(i64, i64)] {
        &self.0
    }

    /// Total length in seconds.
    pub(crate) fn len(&self) -> i64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }

    /// The length of the part of `[a, b)` these intervals cover.
    pub(crate) fn overlap(&self, a: i64, b: i64) -> i64 {
        self.0.iter().map(|&(x, y)| (y.min(b) - x.max(a)).max(0)).sum()
    }

    /// These intervals cut to `[a, b)`.
    pub(crate) fn clip(&self, a: i64, b: i64) -> Intervals {
        Intervals(self.0.iter().map(|&(x, y)| (x.max(a), y.min(b))).filter(|(x, y)| y > x).collect())
    }

    /// The parts of these intervals `other` covers too.
    pub(crate) fn intersect(&self, other: &Intervals) -> Intervals {
        self.minus(&self.minus(other))
    }

    /// These intervals without the parts `other` covers.
    pub(crate) fn minus(&self, other: &Intervals) -> Intervals {
        let mut out = Vec::new();
        for &(mut a, b) in &self.0 {
            for &(x, y) in &other.0 {
                if y <= a || x >= b {
                    continue;
                }
                if x > a {
                    out.push((a, x));
                }
                a = a.max(y);
                if a >= b {
                    break;
                }
            }
            if a < b {
                out.push((a, b));
            }
        }
        Intervals(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Intervals;

    #[test]
    fn union_overlap_clip_and_difference() {
        let set = Intervals::of(vec![(10, 20), (15, 30), (40, 50), (5, 5), (60, 55)]);
        assert_eq!(set.spans(), &[(10, 30), (40, 50)]);
        assert_eq!(set.len(), 30);
        assert_eq!(set.overlap(25, 45), 10);
        assert_eq!(set.clip(12, 45).spans(), &[(12, 30), (40, 45)]);
        let cut = Intervals::of(vec![(0, 12), (20, 22), (45, 100)]);
        assert_eq!(set.minus(&cut).spans(), &[(12, 20), (22, 30), (40, 45)]);
        assert_eq!(set.intersect(&cut).spans(), &[(10, 12), (20, 22), (45, 50)]);
    }
}
