//! Amazon Connect's S3 key layout (Administrator Guide: "Amazon Connect data storage", Contact
//! Lens "output file locations"), as a registry: each entry is the folder Connect writes below
//! `connect/<instance alias>/`, the kind of object callseal calls it, whether it is Contact Lens's
//! redacted output, and what its file name looks like. A key matching no entry is not an object
//! callseal knows how to bind to a contact. The sealer (which contact and kind an object's
//! encryption context names) and the key broker (its listing of sealed objects, through the wasm
//! export `classifyConnectKey`) both read keys through [`classify`].
//!
//! ```text
//! connect/<alias>/CallRecordings/YYYY/MM/DD/<contact-id>_<YYYYMMDDThh:mm>_UTC.wav
//! connect/<alias>/ChatTranscripts/YYYY/MM/DD/<contact-id>_<timestamp>.json
//! connect/<alias>/Analysis/Voice/[Redacted/]YYYY/MM/DD/<contact-id>_analysis_[redacted_]<timestamp>.json
//! connect/<alias>/Analysis/Voice/Redacted/YYYY/MM/DD/<contact-id>_call_recording_redacted_<timestamp>.wav
//! connect/<alias>/Analysis/Chat/[Redacted/]YYYY/MM/DD/<contact-id>_analysis_[redacted_]<timestamp>.json
//! connect/<alias>/ScreenRecordings/YYYY/MM/DD/<contact-id>_<timestamp>.webm|mp4
//! ```

/// One kind of object Connect writes.
struct Entry {
    /// The folders between `connect/<alias>/` and `YYYY/MM/DD/`.
    folder: &'static str,
    /// What the file name holds after `<contact-id>_` (a prefix of the rest of the name).
    name_after_id: &'static [&'static str],
    /// File extensions allowed.
    formats: &'static [&'static str],
    kind: &'static str,
    /// Contact Lens's redacted output (PII silenced or `[PII]`), a separate permission.
    redacted: bool,
    /// The word between kind and format in the object's id (`<contact>.recording.redacted.wav`):
    /// what tells apart two objects of one kind and format of a contact.
    variant: Option<&'static str>,
}

const ANY: &[&str] = &[""];

/// The registry (more specific folders first: `Analysis/Voice/Redacted` before `Analysis/Voice`).
const LAYOUT: &[Entry] = &[
    Entry {
        folder: "CallRecordings",
        name_after_id: ANY,
        formats: &["wav", "mp3", "opus"],
        kind: "recording",
        redacted: false,
        variant: None,
    },
    Entry {
        folder: "ScreenRecordings",
        name_after_id: ANY,
        formats: &["webm", "mp4"],
        kind: "screen-recording",
        redacted: false,
        variant: None,
    },
    Entry {
        folder: "ChatTranscripts",
        name_after_id: ANY,
        formats: &["json"],
        kind: "chat-transcript",
        redacted: false,
        variant: None,
    },
    Entry {
        folder: "Analysis/Voice/Redacted",
        name_after_id: &["call_recording_redacted_"],
        formats: &["wav"],
        kind: "recording",
        redacted: true,
        variant: Some("redacted"),
    },
    Entry {
        folder: "Analysis/Voice/Redacted",
        name_after_id: &["analysis_redacted_"],
        formats: &["json"],
        kind: "transcript",
        redacted: true,
        variant: None,
    },
    Entry {
        folder: "Analysis/Voice",
        name_after_id: &["analysis_"],
        formats: &["json"],
        kind: "transcript",
        redacted: false,
        variant: Some("unredacted"),
    },
    Entry {
        folder: "Analysis/Chat/Redacted",
        name_after_id: &["analysis_redacted_"],
        formats: &["json"],
        kind: "transcript",
        redacted: true,
        variant: None,
    },
    Entry {
        folder: "Analysis/Chat",
        name_after_id: &["analysis_"],
        formats: &["json"],
        kind: "transcript",
        redacted: false,
        variant: Some("unredacted"),
    },
];

/// Media types by format (the player's `contentType` of the plaintext).
const CONTENT_TYPES: &[(&str, &str)] = &[
    ("wav", "audio/wav"),
    ("mp3", "audio/mpeg"),
    ("opus", "audio/ogg; codecs=opus"),
    ("json", "application/json"),
    ("webm", "video/webm"),
    ("mp4", "video/mp4"),
];

/// What a Connect key says about its object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectFacts {
    pub contact_id: String,
    pub kind: &'static str,
    pub format: String,
    pub redacted: bool,
    /// `<contact>.<kind>[.<variant>].<format>`: unique per contact, kind, variant and format.
    pub object_id: String,
    pub content_type: &'static str,
    /// Where the object comes in its contact's listing: the registry's order (the recording as
    /// stored first, Contact Lens's redacted output before the original), then the entry's formats.
    pub rank: u32,
}

/// The facts of `key` (relative to the bucket), or why it is not an object Connect writes.
pub fn classify(key: &str) -> Result<ObjectFacts, String> {
    let rest = key
        .strip_prefix("connect/")
        .ok_or("not under connect/ (Connect writes connect/<instance alias>/...)")?;
    let (_alias, rest) = rest
        .split_once('/')
        .ok_or("no instance alias folder after connect/")?;
    for (rank, e) in LAYOUT.iter().enumerate() {
        let Some(dated) = rest
            .strip_prefix(e.folder)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let Some(name) = strip_date(dated) else {
            continue;
        };
        let Some((contact_id, after)) = name.split_at_checked(36) else {
            continue;
        };
        let Some(after) = after.strip_prefix('_') else {
            continue;
        };
        if !is_uuid(contact_id) || !e.name_after_id.iter().any(|p| after.starts_with(p)) {
            continue;
        }
        let Some((_, format)) = after.rsplit_once('.') else {
            continue;
        };
        let Some(format_rank) = e.formats.iter().position(|f| *f == format) else {
            return Err(format!(
                "{}/ holds {} files, not .{format}",
                e.folder,
                e.formats.join(", .")
            ));
        };
        let object_id = match e.variant {
            Some(v) => format!("{contact_id}.{}.{v}.{format}", e.kind),
            None => format!("{contact_id}.{}.{format}", e.kind),
        };
        return Ok(ObjectFacts {
            contact_id: contact_id.to_string(),
            kind: e.kind,
            format: format.to_string(),
            redacted: e.redacted,
            object_id,
            content_type: CONTENT_TYPES
                .iter()
                .find(|(f, _)| *f == format)
                .map_or("application/octet-stream", |(_, t)| t),
            rank: (rank * 16 + format_rank) as u32,
        });
    }
    Err("not in a folder of Connect's layout (CallRecordings, ChatTranscripts, Analysis/..., ScreenRecordings) with a <contact-id>_... file name".into())
}

/// `YYYY/MM/DD/<name>` -> `<name>` (the name has no further `/`).
fn strip_date(s: &str) -> Option<&str> {
    let mut parts = s.splitn(4, '/');
    let (y, m, d, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    (digits(y, 4) && digits(m, 2) && digits(d, 2) && !name.is_empty() && !name.contains('/'))
        .then_some(name)
}

/// A contact id: a lowercase or uppercase hex UUID, 8-4-4-4-12.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "a1b2c3d4-0000-4000-8000-000000000001";

    #[test]
    fn connect_keys_are_classified() {
        let cases = [
            (format!("connect/demo/CallRecordings/2026/12/06/{ID}_20261206T10:00_UTC.wav"), "recording", false, "recording.wav"),
            (format!("connect/demo/CallRecordings/2026/12/06/{ID}_20261206T10:00_UTC.mp3"), "recording", false, "recording.mp3"),
            (format!("connect/demo/ChatTranscripts/2026/12/06/{ID}_20261206T10:00_UTC.json"), "chat-transcript", false, "chat-transcript.json"),
            (format!("connect/demo/Analysis/Voice/Redacted/2026/12/06/{ID}_analysis_redacted_2026-12-06T10:05:00Z.json"), "transcript", true, "transcript.json"),
            (format!("connect/demo/Analysis/Voice/Redacted/2026/12/06/{ID}_call_recording_redacted_2026-12-06T10:05:00Z.wav"), "recording", true, "recording.redacted.wav"),
            (format!("connect/demo/Analysis/Voice/2026/12/06/{ID}_analysis_2026-12-06T10:05:00Z.json"), "transcript", false, "transcript.unredacted.json"),
            (format!("connect/demo/Analysis/Chat/Redacted/2026/12/06/{ID}_analysis_redacted_2026-12-06T10:05:00Z.json"), "transcript", true, "transcript.json"),
            (format!("connect/demo/ScreenRecordings/2026/12/06/{ID}_20261206T10:00_UTC.webm"), "screen-recording", false, "screen-recording.webm"),
        ];
        for (key, kind, redacted, id) in cases {
            let f = classify(&key).unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(
                (
                    f.contact_id.as_str(),
                    f.kind,
                    f.redacted,
                    f.object_id.as_str()
                ),
                (ID, kind, redacted, format!("{ID}.{id}").as_str()),
                "{key}"
            );
            assert!(f.object_id.ends_with(&format!(".{}", f.format)), "{key}");
            assert_ne!(f.content_type, "application/octet-stream", "{key}");
        }
        let rank = |k: &str| classify(&format!("connect/demo/{k}")).unwrap().rank;
        let listed = [
            format!("CallRecordings/2026/12/06/{ID}_x.wav"),
            format!("CallRecordings/2026/12/06/{ID}_x.mp3"),
            format!("Analysis/Voice/Redacted/2026/12/06/{ID}_call_recording_redacted_x.wav"),
            format!("Analysis/Voice/Redacted/2026/12/06/{ID}_analysis_redacted_x.json"),
            format!("Analysis/Voice/2026/12/06/{ID}_analysis_x.json"),
        ];
        assert!(
            listed.windows(2).all(|w| rank(&w[0]) < rank(&w[1])),
            "a contact's objects are ranked as listed"
        );
    }

    #[test]
    fn other_keys_are_not() {
        for key in [
            format!("other/demo/CallRecordings/2026/12/06/{ID}_x.wav"),
            format!("connect/demo/CallRecordings/2026/12/{ID}_x.wav"),
            "connect/demo/CallRecordings/2026/12/06/not-a-contact_x.wav".to_string(),
            format!("connect/demo/CallRecordings/2026/12/06/{ID}_x.exe"),
            format!("connect/demo/Reports/2026/12/06/{ID}_x.csv"),
            format!("connect/demo/CallRecordings/2026/12/06/sub/{ID}_x.wav"),
        ] {
            assert!(classify(&key).is_err(), "{key}");
        }
    }
}
