//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, or CP949 (EUC-KR), which is
//! what Korean Excel writes for "CSV (쉼표로 분리)". Anything else is refused with the line of
//! the first byte that does not fit and a way to convert the file.

use encoding_rs::{EUC_KR, UTF_16BE, UTF_16LE};

use super::InputError;

/// Which encoding to read the file in (`--encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EncodingChoice {
    /// UTF-8, else UTF-16 with a BOM, else CP949 when the text reads as Korean.
    #[default]
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// CP949 / EUC-KR (Windows code page 949, a superset of EUC-KR).
    #[value(name = "cp949", alias = "euc-kr", alias = "euckr")]
    Cp949,
}

/// The text and the encoding it was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// `UTF-8`, `UTF-16LE`, `UTF-16BE` or `CP949`.
    pub encoding: &'static str,
}

const HOW_TO_CONVERT: &str = "convert it to UTF-8 first (`iconv -f CP949 -t UTF-8 in.csv > out.csv`, or in Excel \
     \"Save as\" → \"CSV UTF-8\"), or name its encoding with --encoding";

/// 1-based line of byte offset `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Characters a Korean spreadsheet export plausibly holds: Hangul, CJK ideographs (Hanja), and
/// the punctuation, symbols and full-width forms of KS X 1001. Latin-1 or random bytes that
/// happen to decode as CP949 mostly land elsewhere (rare Hangul-extension syllables aside, which
/// the check on the share below catches).
fn plausibly_korean(c: char) -> bool {
    c.is_ascii()
        || matches!(c as u32,
            0xAC00..=0xD7A3 // Hangul syllables
            | 0x3130..=0x318F // Hangul compatibility jamo
            | 0x4E00..=0x9FFF // CJK ideographs
            | 0x2000..=0x206F // general punctuation
            | 0x2100..=0x25FF // letterlike, arrows, math, box drawing, shapes
            | 0x3000..=0x303F // CJK symbols and punctuation
            | 0x3200..=0x33FF // enclosed CJK, CJK compatibility (㈜, ㎡)
            | 0xFF00..=0xFFEF // full-width forms
            | 0x00B7 | 0x00D7 | 0x00F7 | 0x00B0 | 0x00B1)
}

fn decode_cp949(bytes: &[u8]) -> Result<String, InputError> {
    match EUC_KR.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(text.into_owned()),
        None => {
            // Find the first bad byte's line by decoding with replacement.
            let (text, _) = EUC_KR.decode_without_bom_handling(bytes);
            let line = text
                .lines()
                .position(|l| l.contains('\u{FFFD}'))
                .map_or(1, |i| i + 1);
            Err(InputError::Encoding {
                line,
                message: format!("the file is not valid CP949 (EUC-KR); {HOW_TO_CONVERT}"),
            })
        }
    }
}

pub fn decode(bytes: &[u8], choice: EncodingChoice) -> Result<Decoded, InputError> {
    let utf8 = |b: &[u8]| -> Result<Decoded, InputError> {
        match std::str::from_utf8(b) {
            Ok(s) => Ok(Decoded {
                text: s.to_owned(),
                encoding: "UTF-8",
            }),
            Err(e) => Err(InputError::Encoding {
                line: line_of(b, e.valid_up_to()),
                message: format!("the file is not valid UTF-8; {HOW_TO_CONVERT}"),
            }),
        }
    };
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF");
    match choice {
        EncodingChoice::Utf8 => utf8(without_bom.unwrap_or(bytes)),
        EncodingChoice::Cp949 => Ok(Decoded {
            text: decode_cp949(bytes)?,
            encoding: "CP949",
        }),
        EncodingChoice::Auto => {
            if let Some(rest) = without_bom {
                return utf8(rest);
            }
            for (bom, enc, name) in [
                (&b"\xFF\xFE"[..], UTF_16LE, "UTF-16LE"),
                (&b"\xFE\xFF"[..], UTF_16BE, "UTF-16BE"),
            ] {
                if let Some(rest) = bytes.strip_prefix(bom) {
                    return match enc.decode_without_bom_handling_and_without_replacement(rest) {
                        Some(t) => Ok(Decoded {
                            text: t.into_owned(),
                            encoding: name,
                        }),
                        None => Err(InputError::Encoding {
                            line: 1,
                            message: format!(
                                "the file starts like {name} but is not; {HOW_TO_CONVERT}"
                            ),
                        }),
                    };
                }
            }
            let not_utf8 = match std::str::from_utf8(bytes) {
                Ok(s) => {
                    return Ok(Decoded {
                        text: s.to_owned(),
                        encoding: "UTF-8",
                    });
                }
                Err(e) => e,
            };
            let line = line_of(bytes, not_utf8.valid_up_to());
            let refuse = || InputError::Encoding {
                line,
                message: format!(
                    "the file is neither UTF-8 nor Korean CP949 (EUC-KR) text; {HOW_TO_CONVERT}"
                ),
            };
            let text = decode_cp949(bytes).map_err(|_| refuse())?;
            let non_ascii: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
            let korean = non_ascii.iter().filter(|c| plausibly_korean(**c)).count();
            // Every character must be one Korean text uses, and most must be Hangul syllables.
            let syllables = non_ascii
                .iter()
                .filter(|c| ('\u{AC00}'..='\u{D7A3}').contains(*c))
                .count();
            if korean == non_ascii.len() && syllables * 2 >= non_ascii.len() {
                Ok(Decoded {
                    text,
                    encoding: "CP949",
                })
            } else {
                Err(refuse())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp949(s: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = EUC_KR.encode(s);
        assert!(!unmappable, "test text must be encodable in CP949");
        bytes.into_owned()
    }

    #[test]
    fn utf8_with_or_without_bom_reads_as_is() {
        let plain = decode(
            "mgtKey,itemName\nA1,커피\n".as_bytes(),
            EncodingChoice::Auto,
        )
        .unwrap();
        assert_eq!(
            (plain.encoding, plain.text.as_str()),
            ("UTF-8", "mgtKey,itemName\nA1,커피\n")
        );
        let bom = decode("\u{FEFF}mgtKey\n".as_bytes(), EncodingChoice::Auto).unwrap();
        assert_eq!(bom.text, "mgtKey\n", "the BOM is dropped");
    }

    #[test]
    fn a_cp949_export_is_detected_and_decoded() {
        let text = "mgtKey,tradeType,itemName\nK-1,승인거래,아메리카노\nK-2,승인거래,㈜카페 라떼\n";
        let d = decode(&cp949(text), EncodingChoice::Auto).unwrap();
        assert_eq!(d.encoding, "CP949");
        assert_eq!(d.text, text);
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "mgtKey\n영수증\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let d = decode(&bytes, EncodingChoice::Auto).unwrap();
        assert_eq!(
            (d.encoding, d.text.as_str()),
            ("UTF-16LE", "mgtKey\n영수증\n")
        );
    }

    #[test]
    fn latin1_is_refused_with_the_line_and_how_to_convert() {
        // "café" in Latin-1 on line 3: é = 0xE9 followed by ',' is not CP949 text either.
        let bytes = b"mgtKey,itemName\nA1,tea\nA2,caf\xE9,x\n";
        let err = decode(bytes, EncodingChoice::Auto).unwrap_err();
        let InputError::Encoding { line, message } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*line, 3);
        assert!(message.contains("iconv -f CP949 -t UTF-8"), "{message}");
    }

    #[test]
    fn forcing_utf8_on_a_cp949_file_names_the_line() {
        let bytes = cp949("mgtKey\nA1\n한글\n");
        let err = decode(&bytes, EncodingChoice::Utf8).unwrap_err();
        assert!(
            matches!(err, InputError::Encoding { line: 3, .. }),
            "{err:?}"
        );
        let ok = decode(&bytes, EncodingChoice::Cp949).unwrap();
        assert_eq!(ok.text, "mgtKey\nA1\n한글\n");
    }

    proptest::proptest! {
        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = decode(&bytes, EncodingChoice::Auto);
            let _ = decode(&bytes, EncodingChoice::Cp949);
        }
    }
}
