//! ESDK header parser: one-shot and incremental (arbitrary chunking) parse agree; a parsed
//! header lies inside the input, respects the limits, and re-serializes to the same bytes.

use callseal::envelope::{HeaderLimits, HeaderParser, UnverifiedHeader};

use super::common::{chunks, Input};

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let lim = inp.u8();
    let seeds = inp.bytes(4).to_vec();
    let bytes = inp.rest();
    let limits = HeaderLimits {
        max_encrypted_data_keys: if lim & 0x80 != 0 {
            Some((lim & 0x0F) as u16)
        } else {
            None
        },
        max_header_len: if lim & 0x40 != 0 {
            64 + (lim as usize & 0x3F) * 16
        } else {
            1 << 20
        },
    };
    let one = UnverifiedHeader::parse(bytes, limits);

    // Incremental: the parser takes the chunks (it may stop early once the header is complete).
    let mut p = HeaderParser::new(limits);
    let mut inc = None;
    let mut fed = 0usize;
    for c in chunks(bytes, &seeds) {
        match p.push(c) {
            Err(e) => {
                inc = Some(Err(e));
                break;
            }
            Ok(n) => {
                assert!(n <= c.len());
                fed += n;
                if let Some(h) = p.take().transpose() {
                    inc = Some(h);
                    break;
                }
            }
        }
    }
    let inc = inc.unwrap_or_else(|| Err(p.truncated_error()));
    match (&one, &inc) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.unverified(), b.unverified());
            assert_eq!(a.bytes(), b.bytes());
            assert_eq!(fed, a.unverified().header_len);
        }
        (Err(a), Err(b)) => assert_eq!(a.code, b.code, "one-shot {a} vs incremental {b}"),
        _ => panic!(
            "one-shot {:?} vs incremental {:?}",
            one.as_ref().err(),
            inc.as_ref().err()
        ),
    }
    if let Ok(h) = one {
        let info = h.unverified();
        assert!(info.body_len < info.header_len && info.header_len <= bytes.len());
        assert!(info.header_len <= limits.max_header_len);
        assert!(!info.encrypted_data_keys.is_empty());
        if let Some(max) = limits.max_encrypted_data_keys {
            assert!(info.encrypted_data_keys.len() <= max as usize);
        }
        assert_eq!(h.bytes(), &bytes[..info.header_len]);
        // The parser accepts only the canonical encoding: serializing gives the same bytes.
        let body = info.serialize_body().expect("parsed header serializes");
        assert_eq!(
            body.as_slice(),
            &bytes[..info.body_len],
            "non-canonical header accepted"
        );
        assert_eq!(info.header_len - info.body_len, info.auth_len());
    }
}
