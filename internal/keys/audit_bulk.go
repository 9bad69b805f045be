package keys

import "time"

// The events of the bulk commands, import and renew --all, are written a
// hundred thousand at a time. These build them with their details
// already in canonical JSON, appended byte by byte instead of through a
// map: the same text EncodeDetails writes for ImportDetails and
// RenewAllDetails (the tests hold them equal). Their Details are nil;
// DetailsJSON is what Seal hashes and the store writes.

// ImportEvent is the import event of k; see ImportDetails.
func ImportEvent(k *Key, legacy bool, expiresGiven bool, batch string) Event {
	b := make([]byte, 0, 112)
	b = append(b, `{"batch":`...)
	b = appendJSONString(b, batch)
	if expiresGiven {
		b = append(b, `,"expires_at":`...)
		b = appendAuditTime(b, k.ExpiresAt)
	}
	if legacy {
		b = append(b, `,"legacy_key":true`...)
	}
	b = append(b, `,"ttl_seconds":`...)
	b = appendJSONInt(b, int64(k.TTL/time.Second))
	b = append(b, '}')
	return Event{Action: ActionImport, KeyID: k.ID, Alias: k.Alias, details: string(b)}
}

// RenewAllEvent is the renew event of one key of renew --all; see
// RenewAllDetails.
func RenewAllEvent(before, after *Key, batch string) Event {
	b := make([]byte, 0, 160)
	b = append(b, `{"batch":`...)
	b = appendJSONString(b, batch)
	b = append(b, `,"expires_at":{"new":`...)
	b = appendAuditTime(b, after.ExpiresAt)
	b = append(b, `,"old":`...)
	b = appendAuditTime(b, before.ExpiresAt)
	b = append(b, `},"ttl_seconds":{"new":`...)
	b = appendJSONInt(b, int64(after.TTL/time.Second))
	b = append(b, `,"old":`...)
	b = appendJSONInt(b, int64(before.TTL/time.Second))
	b = append(b, `}}`...)
	return Event{Action: ActionRenew, KeyID: after.ID, Alias: after.Alias, details: string(b)}
}

// appendAuditTime appends auditTime(t) as a JSON string; its digits and
// punctuation need no escaping.
func appendAuditTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().Truncate(time.Second).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}
