//! "Did you mean …?": the closest known name to a misspelt one.

/// The candidate closest to `wrong`, if it is close enough to be a likely typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != wrong)
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(d, c)| *d <= limit || c.starts_with(wrong) && wrong.len() >= 3)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_a_typo_but_not_an_unrelated_name() {
        let names = ["backoffice_review", "intake", "confirm"];
        assert_eq!(closest("backofice_review", names), Some("backoffice_review"));
        assert_eq!(closest("intak", names), Some("intake"));
        assert_eq!(closest("shipping", names), None);
    }
}
#[cfg(test)]
mod more {
    #[test]
    fn transposition() {
        assert_eq!(super::closest("reveiw", ["d", "done", "intake", "review"]), Some("review"));
    }
}
