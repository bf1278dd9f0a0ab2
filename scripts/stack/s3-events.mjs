// S3 event notifications as Amazon S3 writes them (event message structure 2.1, "Event message
// structure" in the S3 User Guide), and the filters of a bucket's notification configuration
// (PutBucketNotificationConfiguration: QueueConfigurations, Events, Filter.Key.FilterRules).
// The stack's notifier (notifier.mjs) sends these; the sealer tests build their events here too.

/** A key as S3 puts it in an event: URL-encoded, a space as `+`. */
export function eventKey(key) {
  return key.split('/').map((p) => encodeURIComponent(p).replace(/%20/g, '+')).join('/');
}

/**
 * The notification S3 sends for a created object: one record (S3 sends one per message).
 * `eventName`: ObjectCreated:Put, ObjectCreated:CompleteMultipartUpload, ObjectCreated:Copy.
 */
export function objectCreatedEvent(bucket, key, {
  etag, size = 0, eventName = 'ObjectCreated:Put', region = 'us-west-2', time = new Date(),
  principalId = 'AWS:AROAEXAMPLE:connect', sequencer = '0062E99A88DC407460', configurationId = 'callseal-seal',
  versionId,
} = {}) {
  return JSON.stringify({
    Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: region, eventTime: time.toISOString(), eventName,
      userIdentity: { principalId }, requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
      s3: {
        s3SchemaVersion: '1.0', configurationId,
        bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
        object: { key: eventKey(key), size, eTag: etag, ...(versionId ? { versionId } : {}), sequencer },
      },
    }],
  });
}

/**
 * Whether one configuration (a QueueConfiguration) wants event `eventName` for `key`: one of its
 * Events matches (`s3:ObjectCreated:*` or the exact name) and the key has its prefix and suffix
 * filter values (S3 allows at most one of each).
 */
export function wants(configuration, eventName, key) {
  const events = configuration.Events ?? [];
  const named = events.some((e) => e === `s3:${eventName}` || (e.endsWith(':*') && `s3:${eventName}`.startsWith(e.slice(0, -1))));
  if (!named) return false;
  for (const rule of configuration.Filter?.Key?.FilterRules ?? []) {
    const name = String(rule.Name).toLowerCase();
    if (name === 'prefix' && !key.startsWith(rule.Value)) return false;
    if (name === 'suffix' && !key.endsWith(rule.Value)) return false;
  }
  return true;
}
