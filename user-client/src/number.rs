//! Numbers as users type them: `0x222000`, `2236416`, `0x_1234`, and for handle values `-1`.

/// A decimal or `0x` hexadecimal number; `_` may separate digits.
#[must_use]
pub fn parse_u64(text: &str) -> Option<u64> {
    let digits = text.trim().replace('_', "");
    match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => digits.parse().ok(),
    }
}

/// [`parse_u64`], or a negative decimal as its 64-bit two's complement (`-1` is
/// `0xFFFFFFFFFFFFFFFF`, `NtCurrentProcess()`).
#[must_use]
pub fn parse_handle_value(text: &str) -> Option<u64> {
    match text.trim().strip_prefix('-') {
        Some(magnitude) => parse_u64(magnitude)
            .and_then(|value| i64::try_from(value).ok())
            .map(|value| (-value).cast_unsigned()),
        None => parse_u64(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_decimal_hex_or_negative_handle_values() {
        assert_eq!(parse_u64("0x222000"), Some(0x22_2000));
        assert_eq!(parse_u64("2236416"), Some(0x22_2000));
        assert_eq!(parse_u64("0x_22_2000"), Some(0x22_2000));
        assert_eq!(parse_u64("soon"), None);
        assert_eq!(parse_handle_value("-1"), Some(u64::MAX));
        assert_eq!(parse_handle_value("-2"), Some(u64::MAX - 1));
        assert_eq!(parse_handle_value("0x44"), Some(0x44));
    }
}
