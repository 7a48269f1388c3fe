//! Masking of personal data. identityNum is a person's phone, card or registration number.

/// Keep only the last four characters: `01012345678` → `*******5678`. Short values are fully masked.
pub fn mask_identity(s: &str) -> String {
    let n = s.chars().count();
    if n <= 4 {
        return "*".repeat(n);
    }
    let keep: String = s.chars().skip(n - 4).collect();
    format!("{}{keep}", "*".repeat(n - 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_last_four() {
        assert_eq!(mask_identity("01012345678"), "*******5678");
        assert_eq!(mask_identity("9001011234567"), "*********4567");
        assert_eq!(mask_identity("1234"), "****");
        assert_eq!(mask_identity(""), "");
        assert_eq!(mask_identity("가나다라마"), "*나다라마");
    }
}
