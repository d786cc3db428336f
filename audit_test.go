package kinbridge

import (
	"encoding/hex"
	"testing"
	"time"
)

func TestAuditHashCoversEveryField(t *testing.T) {
	base := AuditEntry{Seq: 7, At: time.Date(2026, 11, 27, 10, 0, 0, 123000, time.UTC), ActorID: 3, ActorName: "kim",
		UnitID: 4, Action: "unit.create", RecordType: "unit", RecordID: 9, Addr: "127.0.0.1", Detail: `{"a":1}`, PrevHash: "ab"}
	h := hex.EncodeToString(base.ComputeHash())
	edits := map[string]func(e *AuditEntry){
		"seq": func(e *AuditEntry) { e.Seq++ }, "at": func(e *AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor id": func(e *AuditEntry) { e.ActorID++ }, "actor name": func(e *AuditEntry) { e.ActorName += "x" },
		"unit": func(e *AuditEntry) { e.UnitID++ }, "action": func(e *AuditEntry) { e.Action += "x" },
		"record type": func(e *AuditEntry) { e.RecordType += "x" }, "record id": func(e *AuditEntry) { e.RecordID++ },
		"addr": func(e *AuditEntry) { e.Addr += "x" }, "detail": func(e *AuditEntry) { e.Detail = `{"a":2}` },
		"prev hash": func(e *AuditEntry) { e.PrevHash = "cd" },
		// Moving a character across adjacent fields must change the hash.
		"boundary": func(e *AuditEntry) { e.Action, e.RecordType = "unit.createu", "nit" },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		if got := hex.EncodeToString(e.ComputeHash()); got == h {
			t.Errorf("editing %s leaves the hash unchanged", name)
		}
	}
	// The same entry in another time zone hashes alike: times are UTC.
	e := base
	e.At = e.At.In(time.FixedZone("KST", 9*3600))
	if got := hex.EncodeToString(e.ComputeHash()); got != h {
		t.Error("the hash depends on the time zone of At")
	}
}

func TestIsSecretKey(t *testing.T) {
	for _, k := range []string{"password", "new_Password", "token", "api_token_secret", "password_hash"} {
		if !isSecretKey(k) {
			t.Errorf("isSecretKey(%q) = false", k)
		}
	}
	for _, k := range []string{"username", "role", "unit_id", "name_en"} {
		if isSecretKey(k) {
			t.Errorf("isSecretKey(%q) = true", k)
		}
	}
}
