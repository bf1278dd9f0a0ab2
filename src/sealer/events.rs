//! S3 event notifications (the JSON S3 sends to SQS, SNS or Lambda), read with
//! `aws_lambda_events`' types: which objects were created. Keys arrive URL-encoded (`+` for a
//! space, `%XX` for other bytes). S3's `s3:TestEvent` (sent when a notification is configured)
//! names no object.

use aws_lambda_events::event::s3::S3Event;

use crate::sealer::outcome::{SealCode, SealError};

/// One created object an event names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub bucket: String,
    pub key: String,
    /// The object's ETag as the event reports it (without quotes), when it does.
    pub etag: Option<String>,
}

/// The created objects of one S3 event notification document. `MalformedEvent` when it is not
/// one (or a record lacks its bucket or key).
pub fn created_objects(body: &str) -> Result<Vec<Created>, SealError> {
    let malformed = |why: String| SealError::new(SealCode::MalformedEvent, why);
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| malformed(format!("not JSON: {e}")))?;
    if value.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    let event: S3Event = serde_json::from_value(value)
        .map_err(|e| malformed(format!("not an S3 event notification: {e}")))?;
    let mut out = Vec::new();
    for (i, r) in event.records.iter().enumerate() {
        if !r
            .event_name
            .as_deref()
            .unwrap_or("")
            .starts_with("ObjectCreated:")
        {
            continue;
        }
        let bucket = r.s3.bucket.name.clone().filter(|b| !b.is_empty());
        let key = r.s3.object.key.as_deref().filter(|k| !k.is_empty());
        let (Some(bucket), Some(key)) = (bucket, key) else {
            return Err(malformed(format!(
                "record {i} has no bucket name or object key"
            )));
        };
        out.push(Created {
            bucket,
            key: url_decode(key).ok_or_else(|| {
                malformed(format!("record {i}: key `{key}` is not URL-encoded UTF-8"))
            })?,
            etag: r.s3.object.e_tag.clone().filter(|e| !e.is_empty()),
        });
    }
    Ok(out)
}

/// S3's event key encoding: `+` is a space, `%XX` a byte.
fn url_decode(key: &str) -> Option<String> {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, key: &str) -> String {
        format!(
            r#"{{"Records":[{{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2026-12-06T10:00:00.000Z","eventName":"{name}","userIdentity":{{"principalId":"AWS:X"}},"requestParameters":{{"sourceIPAddress":"10.0.0.1"}},"responseElements":{{}},"s3":{{"s3SchemaVersion":"1.0","configurationId":"seal","bucket":{{"name":"b","arn":"arn:aws:s3:::b"}},"object":{{"key":"{key}","size":5,"eTag":"abc","sequencer":"00"}}}}}}]}}"#
        )
    }

    #[test]
    fn created_objects_are_read_with_decoded_keys() {
        let got = created_objects(&event(
            "ObjectCreated:CompleteMultipartUpload",
            "connect/a+b/x%3Ay.wav",
        ))
        .unwrap();
        assert_eq!(
            got,
            vec![Created {
                bucket: "b".into(),
                key: "connect/a b/x:y.wav".into(),
                etag: Some("abc".into())
            }]
        );
        assert!(created_objects(&event("ObjectRemoved:Delete", "k"))
            .unwrap()
            .is_empty());
        assert!(
            created_objects(r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn other_documents_are_malformed() {
        for body in [
            "",
            "{}",
            "[1]",
            r#"{"Records":[{"eventName":"ObjectCreated:Put"}]}"#,
            &event("ObjectCreated:Put", "%FF"),
        ] {
            assert_eq!(
                created_objects(body).unwrap_err().code,
                SealCode::MalformedEvent,
                "{body}"
            );
        }
    }
}
