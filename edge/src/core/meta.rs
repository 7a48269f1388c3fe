//! KV metadata in ASCII. Workers KV carries metadata in an HTTP header locally (miniflare warns
//! about non-ASCII there), so strings in metadata are percent-encoded outside printable ASCII
//! (and `%` itself) on the way in, and decoded on the way out. Values are stored as they are.

use serde_json::Value;

/// Every string in `v`, percent-encoded where not printable ASCII.
pub fn encode(v: &Value) -> Value {
    map_strings(v, &|s| {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii() && !c.is_ascii_control() && c != '%' {
                out.push(c);
            } else {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        out
    })
}

/// The inverse of [`encode`]. Malformed escapes are kept as they are.
pub fn decode(v: &Value) -> Value {
    map_strings(v, &|s| {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
            match (bytes[i], hex(i + 1), hex(i + 2)) {
                (b'%', Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                }
                (b, _, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    })
}

fn map_strings(v: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(f(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| map_strings(x, f)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), map_strings(x, f)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn korean_text_becomes_ascii_and_comes_back() {
        let v = json!({ "message": "발행 완료 100%", "code": 1, "n": [ "가" ] });
        let e = encode(&v);
        assert!(e.to_string().is_ascii(), "{e}");
        assert_eq!(e["message"], "%EB%B0%9C%ED%96%89 %EC%99%84%EB%A3%8C 100%25");
        assert_eq!(decode(&e), v);
    }

    proptest! {
        #[test]
        fn any_string_round_trips(s in "\\PC{0,40}") {
            let v = json!({ "s": s });
            let e = encode(&v);
            prop_assert!(e.to_string().is_ascii());
            prop_assert_eq!(decode(&e), v);
        }
    }
}
